import Foundation

extension Tokenizer {
    /// Loads the tokenizer of a model folder the way transformers' `AutoTokenizer.from_pretrained` does:
    /// - `tokenizer.json` when present, else a BERT `vocab.txt` configured by `tokenizer_config.json`
    ///   (`do_lower_case`, `tokenize_chinese_chars`, `strip_accents`, the special tokens, also from
    ///   `special_tokens_map.json`, and `added_tokens_decoder`);
    /// - no padding and no truncation by default, whatever `tokenizer.json` stores (transformers
    ///   switches them off per call unless asked); set `truncation`/`padding` to get them;
    /// - `modelMaximumLength` is `tokenizer_config.json`'s `model_max_length` (nil when absent or
    ///   transformers' "very large" placeholder), e.g. 512 for MiniLM;
    /// - `cleanUpTokenizationSpaces` is `tokenizer_config.json`'s `clean_up_tokenization_spaces`
    ///   (default false, as in transformers 5).
    public static func fromPretrained(_ folder: URL) throws -> Tokenizer {
        let fileManager = FileManager.default
        var isDirectory: ObjCBool = false
        guard fileManager.fileExists(atPath: folder.path, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw TokenizerError.missingFiles(folder: folder.path, expected: ["tokenizer.json", "vocab.txt"])
        }
        let configURL = folder.appendingPathComponent("tokenizer_config.json")
        let config = fileManager.fileExists(atPath: configURL.path) ? try JSONObject(contentsOf: configURL) : nil
        var maximumLength: Int? = nil
        if let config, config.has("model_max_length") {
            if let value = config.values["model_max_length"] as? NSNumber {
                let double = value.doubleValue
                if double.isFinite && double >= 0 && double < 1e15 { maximumLength = Int(double) }
            } else {
                throw config.mismatch("model_max_length", expected: "a number")
            }
        }
        let tokenizerJSON = folder.appendingPathComponent("tokenizer.json")
        var tokenizer: Tokenizer
        if fileManager.fileExists(atPath: tokenizerJSON.path) {
            tokenizer = try Tokenizer(contentsOf: tokenizerJSON)
        } else if fileManager.fileExists(atPath: folder.appendingPathComponent("vocab.txt").path) {
            tokenizer = try bertFromVocabulary(folder: folder, config: config)
        } else {
            throw TokenizerError.missingFiles(folder: folder.path, expected: ["tokenizer.json", "vocab.txt"])
        }
        tokenizer.truncation = nil
        tokenizer.padding = nil
        tokenizer.modelMaximumLength = maximumLength
        tokenizer.cleanUpTokenizationSpaces = try config?.bool("clean_up_tokenization_spaces", default: false) ?? false
        return tokenizer
    }

    /// A BERT WordPiece tokenizer from `vocab.txt` and the `BertTokenizer` settings of `config`.
    static func bertFromVocabulary(folder: URL, config: JSONObject?) throws -> Tokenizer {
        if let config, let className = try config.optionalString("tokenizer_class") {
            let supported = ["Bert", "Electra", "LayoutLM", "SqueezeBert", "MobileBert"]
            guard supported.contains(where: { className.contains($0) }) else {
                throw TokenizerError.unsupportedComponent(path: folder.appendingPathComponent("tokenizer_config.json").path,
                                                          field: "tokenizer_class", type: className)
            }
        }
        let mapURL = folder.appendingPathComponent("special_tokens_map.json")
        let specialMap = FileManager.default.fileExists(atPath: mapURL.path) ? try JSONObject(contentsOf: mapURL) : nil
        /// A special token's content from tokenizer_config.json, else special_tokens_map.json, else the default.
        func special(_ key: String, _ defaultValue: String) throws -> String {
            for source in [config, specialMap].compactMap({ $0 }) where source.has(key) {
                if let text = source.values[key] as? String { return text }
                return try source.object(key).string("content")
            }
            return defaultValue
        }
        let unknown = try special("unk_token", "[UNK]")
        let separator = try special("sep_token", "[SEP]")
        let pad = try special("pad_token", "[PAD]")
        let classifier = try special("cls_token", "[CLS]")
        let mask = try special("mask_token", "[MASK]")
        let model = try WordPieceModel(vocabularyFile: folder.appendingPathComponent("vocab.txt"), unknownToken: unknown)
        let lowercase = try config?.bool("do_lower_case", default: true) ?? true
        let normalizer = BertNormalizer(cleanText: true,
                                        handleChineseCharacters: try config?.bool("tokenize_chinese_chars", default: true) ?? true,
                                        stripAccents: try config?.optionalBool("strip_accents"), lowercase: lowercase)
        func id(_ token: String) throws -> Int {
            guard let id = model.id(for: token) else {
                throw TokenizerError.invalidFile(path: folder.appendingPathComponent("vocab.txt").path, field: token,
                                                 expected: "the special token \(token) in the vocabulary", found: "no such line")
            }
            return id
        }
        var addedTokens: [AddedToken] = []
        if let config, let decoder = try config.optionalObject("added_tokens_decoder") {
            for key in decoder.values.keys.sorted(by: { (Int($0) ?? 0) < (Int($1) ?? 0) }) {
                guard let tokenId = Int(key) else { throw decoder.mismatch(key, expected: "an integer id as key") }
                let entry = try decoder.object(key)
                let isSpecial = try entry.bool("special", default: false)
                addedTokens.append(AddedToken(content: try entry.string("content"), id: tokenId, special: isSpecial,
                                              singleWord: try entry.bool("single_word", default: false),
                                              leftStrip: try entry.bool("lstrip", default: false),
                                              rightStrip: try entry.bool("rstrip", default: false),
                                              normalized: try entry.optionalBool("normalized")))
            }
        }
        for token in [pad, unknown, classifier, separator, mask] where !addedTokens.contains(where: { $0.content == token }) {
            if let tokenId = model.id(for: token) { addedTokens.append(AddedToken(content: token, id: tokenId, special: true)) }
        }
        addedTokens.sort { $0.id < $1.id }
        let postProcessor = TemplateProcessing.bert(classifier: (classifier, try id(classifier)), separator: (separator, try id(separator)))
        return Tokenizer(normalizer: normalizer, preTokenizer: BertPreTokenizer(), model: model, postProcessor: postProcessor,
                         decoder: WordPieceDecoder(prefix: "##", cleanup: true), addedTokens: addedTokens)
    }
}
