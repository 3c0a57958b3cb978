/// The special tokens of a GGUF vocabulary as llama.cpp resolves them when it loads a model
/// (`llama_vocab::impl::load` in llama-vocab.cpp): default ids by model, the metadata's ids, the token attributes
/// with llama.cpp's text-based corrections, and the set of end-of-generation (EOG) tokens.
///
/// llama.cpp's rules, reproduced here:
/// - Default ids: `llama` BOS 1, EOS 2, unknown 0; `gpt2` BOS = EOS = 11 (dropped when outside the vocabulary).
///   A metadata id replaces the default (Flint refuses an id outside the vocabulary, which llama.cpp ignores).
/// - When the metadata names no EOT / EOM / fill-in-the-middle token, one is found by its text (`<|eot_id|>`,
///   `<|im_end|>`, `<end_of_turn>`, `<|endoftext|>`, …; `<|eom_id|>`; `<|fim_prefix|>`, `<reponame>`, …) and
///   marked control. llama.cpp takes the first candidate in hash-map order; Flint takes the lowest id.
/// - Control tokens whose text contains `unused` are also marked unused.
/// - EOG = the fill-in-the-middle padding, repository and separator tokens, every token whose text is one of
///   llama.cpp's end-of-generation texts (marked control), and the EOS, EOT and EOM tokens; then `<|end|>` leaves
///   the set when `<|return|>` and `<|call|>` (or `<|calls|>` and `<|flush|>`) are in it, and `</s>` when
///   `<|tool_response>` or `<|plamo:eos|>` is.
/// - `<|channel|>`, `<|message|>`, `<|start|>`, `<|constrain|>` become user-defined (always rendered).
struct GGMLSpecialTokens: Sendable {
    var attributes: [GGMLTokenAttributes]
    var bos: Int?
    var eos: Int?
    var unknown: Int?
    var padding: Int?
    var endOfTurn: Int?
    var endOfMessage: Int?
    var fillInMiddle: GGMLVocabulary.FillInMiddleIds
    var endOfGeneration: Set<Int>
    /// The tokens matched in text before tokenization (control, user-defined and unknown ones), longest text
    /// first (ties by id), as llama.cpp's `cache_special_tokens`.
    var matchedInText: [Int]

    static let endOfTurnTexts = ["<|eot_id|>", "<|im_end|>", "<|end|>", "<end_of_turn>", "<|endoftext|>", "<|end_of_text|>",
                                 "<EOT>", "_<EOT>", "[EOT]", "<｜end▁of▁sentence｜>", "<end_of_utterance>"]
    static let endOfMessageTexts = ["<|eom_id|>"]
    static let fillInMiddlePrefixTexts = ["<|fim_prefix|>", "<fim-prefix>", "<fim_prefix>", "<｜fim▁begin｜>", "<PRE>", "▁<PRE>",
                                          "<|code_prefix|>", "<|prefix|>"]
    static let fillInMiddleSuffixTexts = ["<|fim_suffix|>", "<fim-suffix>", "<fim_suffix>", "<｜fim▁hole｜>", "<SUF>", "▁<SUF>",
                                          "<|code_suffix|>", "<|suffix|>"]
    static let fillInMiddleMiddleTexts = ["<|fim_middle|>", "<fim-middle>", "<fim_middle>", "<｜fim▁end｜>", "<MID>", "▁<MID>",
                                          "<|code_middle|>", "<|middle|>"]
    static let fillInMiddlePaddingTexts = ["<|fim_pad|>", "<fim-pad>", "<fim_pad>", "<PAD>", "[PAD]"]
    static let fillInMiddleRepositoryTexts = ["<|fim_repo|>", "<|repo_name|>", "<fim-repo>", "<REPO>", "<reponame>"]
    static let fillInMiddleSeparatorTexts = ["<|file_sep|>"]
    static let endOfGenerationTexts = ["<|eot_id|>", "<|im_end|>", "<|end|>", "<|return|>", "<|call|>", "<|flush|>", "<|calls|>",
                                       "<end_of_turn>", "<|endoftext|>", "</s>", "<|eom_id|>", "<EOT>", "_<EOT>", "[EOT]", "[EOS]",
                                       "<|end_of_text|>", "<end_of_utterance>", "<eos>", "<turn|>", "<|tool_response>",
                                       "<｜end▁of▁sentence｜>", "[e~["]
    static let alwaysRenderedTexts = ["<|channel|>", "<|message|>", "<|start|>", "<|constrain|>"]

    /// Resolves the special tokens of `vocabulary`, whose texts are in `table` and whose attributes by type are
    /// `attributes`. Throws when a metadata id is outside the vocabulary.
    init(vocabulary: GGMLVocabulary, table: GGMLTokenTable, attributes typeAttributes: [GGMLTokenAttributes]) throws {
        let count = table.count
        var attributes = typeAttributes
        func checked(_ id: Int?, _ key: String) throws -> Int? {
            guard let id else { return nil }
            guard id >= 0 && id < count else {
                throw TokenizerError.invalidFile(path: vocabulary.source, field: key,
                                                 expected: "a token id in 0..<\(count)", found: "\(id)")
            }
            return id
        }
        func inRange(_ id: Int) -> Int? { id < count ? id : nil }
        switch vocabulary.model {
        case .llama:
            bos = inRange(1)
            eos = inRange(2)
            unknown = inRange(0)
        case .gpt2:
            bos = inRange(11)
            eos = inRange(11)
            unknown = nil
        }
        typealias Key = GGMLVocabulary.Key
        bos = try checked(vocabulary.bosId, Key.bosId) ?? bos
        eos = try checked(vocabulary.eosId, Key.eosId) ?? eos
        unknown = try checked(vocabulary.unknownId, Key.unknownId) ?? unknown
        padding = try checked(vocabulary.paddingId, Key.paddingId)
        let fillInMiddleIds = vocabulary.fillInMiddleIds
        var fillInMiddle = GGMLVocabulary.FillInMiddleIds(
            prefix: try checked(fillInMiddleIds.prefix, Key.fillInMiddlePrefixId),
            suffix: try checked(fillInMiddleIds.suffix, Key.fillInMiddleSuffixId),
            middle: try checked(fillInMiddleIds.middle, Key.fillInMiddleMiddleId),
            padding: try checked(fillInMiddleIds.padding, Key.fillInMiddlePaddingId),
            repository: try checked(fillInMiddleIds.repository, Key.fillInMiddleRepositoryId),
            separator: try checked(fillInMiddleIds.separator, Key.fillInMiddleSeparatorId))

        /// The lowest id among the tokens with one of `texts`, now marked control.
        func detect(_ texts: [String]) -> Int? {
            let found = texts.map { table.id(of: $0) }.filter { $0 >= 0 }.min().map(Int.init)
            if let found { attributes[found].insert(.control) }
            return found
        }
        endOfTurn = try checked(vocabulary.eotId, Key.eotId) ?? detect(Self.endOfTurnTexts)
        endOfMessage = try checked(vocabulary.eomId, Key.eomId) ?? detect(Self.endOfMessageTexts)
        if fillInMiddle.prefix == nil { fillInMiddle.prefix = detect(Self.fillInMiddlePrefixTexts) }
        if fillInMiddle.suffix == nil { fillInMiddle.suffix = detect(Self.fillInMiddleSuffixTexts) }
        if fillInMiddle.middle == nil { fillInMiddle.middle = detect(Self.fillInMiddleMiddleTexts) }
        if fillInMiddle.padding == nil { fillInMiddle.padding = detect(Self.fillInMiddlePaddingTexts) }
        if fillInMiddle.repository == nil { fillInMiddle.repository = detect(Self.fillInMiddleRepositoryTexts) }
        if fillInMiddle.separator == nil { fillInMiddle.separator = detect(Self.fillInMiddleSeparatorTexts) }
        self.fillInMiddle = fillInMiddle

        let unusedMarker = Array("unused".utf8)
        for id in 0..<count where attributes[id].contains(.control) && !attributes[id].contains(.unused) {
            let text = table.text(of: id)
            if text.count >= unusedMarker.count,
               (0...(text.count - unusedMarker.count)).contains(where: { text.dropFirst($0).starts(with: unusedMarker) }) {
                attributes[id].insert(.unused)
            }
        }

        var endOfGeneration = Set<Int>()
        for id in [fillInMiddle.padding, fillInMiddle.repository, fillInMiddle.separator] {
            if let id { endOfGeneration.insert(id) }
        }
        for text in Self.endOfGenerationTexts {
            let id = table.id(of: text)
            guard id >= 0 else { continue }
            endOfGeneration.insert(Int(id))
            attributes[Int(id)].insert(.control)
        }
        for text in Self.alwaysRenderedTexts {
            let id = table.id(of: text)
            if id >= 0 { attributes[Int(id)] = .userDefined }
        }
        for id in [eos, endOfTurn, endOfMessage] {
            if let id { endOfGeneration.insert(id) }
        }
        func member(_ text: String) -> Int? {
            let id = Int(table.id(of: text))
            return id >= 0 && endOfGeneration.contains(id) ? id : nil
        }
        if let end = member("<|end|>") {
            let hasReturn = member("<|return|>") != nil
            let hasCall = member("<|call|>") != nil || member("<|calls|>") != nil
            let hasFlush = member("<|flush|>") != nil
            if (hasReturn && hasCall) || (hasCall && hasFlush) {
                endOfGeneration.remove(end)
                attributes[end] = .userDefined
            }
        }
        if let endOfSequence = member("</s>"), member("<|tool_response>") != nil || member("<|plamo:eos|>") != nil {
            endOfGeneration.remove(endOfSequence)
            attributes[endOfSequence] = .normal
        }
        self.endOfGeneration = endOfGeneration

        let matched: GGMLTokenAttributes = [.control, .userDefined, .unknown]
        matchedInText = (0..<count).filter { !attributes[$0].isDisjoint(with: matched) }
            .sorted { table.length(of: $0) != table.length(of: $1) ? table.length(of: $0) > table.length(of: $1) : $0 < $1 }
        Self.setWhitespaceStripping(&attributes, vocabulary: vocabulary, table: table, matchedInText: matchedInText)
        self.attributes = attributes
    }

    /// llama.cpp's per-model token attributes (the end of `llama_vocab::impl::load`), chosen by name, not stored in
    /// the file: with the pre-tokenizers `jina-v2-de`, `jina-v2-es`, `jina-v2-code` or the architectures
    /// `nomic-bert-moe`, `jina-bert-v3`, `<mask>` strips the whitespace before it; else when `general.name`
    /// (lower-cased) contains `phi-3` or `phi3`, every token matched in text and `</s>` strip the whitespace after
    /// them, except `<unk>`, `<s>` and `<|endoftext|>`; else when it contains `modern-bert`, `[MASK]` strips the
    /// whitespace before it. (llama.cpp refuses to load a vocabulary named Phi-3 that lacks one of those four texts;
    /// Flint skips the missing ones.)
    static func setWhitespaceStripping(_ attributes: inout [GGMLTokenAttributes], vocabulary: GGMLVocabulary, table: GGMLTokenTable,
                                       matchedInText: [Int]) {
        func containsAny(_ text: String?, _ parts: [String]) -> Bool {
            guard let text else { return false }
            return parts.contains { text.contains($0) }
        }
        func set(_ text: String, _ attribute: GGMLTokenAttributes, _ value: Bool) {
            let id = Int(table.id(of: text))
            guard id >= 0 else { return }
            if value { attributes[id].insert(attribute) } else { attributes[id].remove(attribute) }
        }
        // llama.cpp lower-cases the name byte by byte (std::tolower in the C locale: ASCII only).
        let modelName = vocabulary.modelName.map { name in
            String(decoding: name.utf8.map { $0 >= 0x41 && $0 <= 0x5A ? $0 + 0x20 : $0 }, as: UTF8.self)
        }
        if containsAny(vocabulary.preTokenizer, ["jina-v2-de", "jina-v2-es", "jina-v2-code"])
            || containsAny(vocabulary.architecture, ["nomic-bert-moe", "jina-bert-v3"]) {
            set("<mask>", .stripsLeft, true)
        } else if containsAny(modelName, ["phi-3", "phi3"]) {
            for id in matchedInText { attributes[id].insert(.stripsRight) }
            set("</s>", .stripsRight, true)
            for text in ["<unk>", "<s>", "<|endoftext|>"] { set(text, .stripsRight, false) }
        } else if containsAny(modelName, ["modern-bert"]) {
            set("[MASK]", .stripsLeft, true)
        }
    }
}
