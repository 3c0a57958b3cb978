/// A tokenizer built from GGUF vocabulary metadata (`GGMLVocabulary`) whose ids are llama.cpp's: `encode` is
/// `llama_tokenize`, `piece(for:special:)` is `llama_token_to_piece`, `decode` is `llama_detokenize`
/// (llama-vocab.cpp of llama-cpp-python 0.3.36's llama.cpp).
///
/// Encoding:
/// 1. Special tokens are matched in the text first (llama.cpp's `tokenizer_st_partition`): control, user-defined
///    and unknown tokens, longest text first, each found everywhere it occurs in the text not yet matched. With
///    `parseSpecial: false` only user-defined tokens are matched. Tokens with `stripsLeft` / `stripsRight` drop
///    the whitespace before / after them (see `GGMLSpecialTokens.setWhitespaceStripping`).
/// 2. `gpt2` vocabularies: each remaining piece is split by the pre-tokenizer named in `tokenizer.ggml.pre`
///    (`GGMLPreTokenizer`); each part, spelled in GPT-2's byte alphabet, is merged by BPE with the ranks of
///    `tokenizer.ggml.merges` (Flint's `BytePairEncodingModel`).
///    `llama` vocabularies: a space is put in front of each piece that starts the text or follows a special token
///    (when `add_space_prefix`), spaces become `▁`, and SentencePiece BPE merges by score with byte fallback
///    (`GGMLSentencePieceEncoder`).
/// 3. `addSpecial` puts BOS in front when `add_bos` and EOS at the end when `add_eos`.
///
/// Immutable and thread-safe.
public final class GGMLTokenizer: Sendable {
    /// The vocabulary the tokenizer was built from.
    public let vocabulary: GGMLVocabulary
    /// Each token's attributes after llama.cpp's corrections (see `GGMLSpecialTokens`).
    public let attributes: [GGMLTokenAttributes]
    /// The beginning-of-sequence token, if any.
    public let bos: Int?
    /// The end-of-sequence token, if any.
    public let eos: Int?
    /// The unknown token, if any.
    public let unknown: Int?
    /// The padding token, if any.
    public let padding: Int?
    /// The end-of-turn token (from the metadata, else found by its text), if any.
    public let endOfTurn: Int?
    /// The end-of-message token (from the metadata, else `<|eom_id|>`), if any.
    public let endOfMessage: Int?
    /// Tokens that end generation: EOS, EOT, EOM and the control tokens llama.cpp treats as ends
    /// (`<|im_end|>`, `<|endoftext|>`, `<|eot_id|>`, `<end_of_turn>`, …; see `GGMLSpecialTokens`).
    public let endOfGeneration: Set<Int>
    /// Whether `encode(addSpecial: true)` puts BOS first.
    public let addsBOS: Bool
    /// Whether `encode(addSpecial: true)` puts EOS last.
    public let addsEOS: Bool
    /// Whether text gets a leading space (`llama` vocabularies), which `decode` removes again.
    public let addsSpacePrefix: Bool

    private let table: GGMLTokenTable
    private let specialTokensInText: [Int]
    private let kind: Kind
    /// Every token's text as `piece(for:special: true)` renders it, concatenated; token `id` is
    /// `pieceBytes[pieceStarts[id]..<pieceStarts[id + 1]]`.
    private let pieceBytes: [UInt8]
    private let pieceStarts: [Int32]
    /// Whether detokenizing removes spaces before punctuation (llama.cpp's `clean_spaces`).
    private let cleansSpaces: Bool

    private enum Kind: Sendable {
        case byteLevel(GGMLByteLevelEncoder)
        case sentencePiece(GGMLSentencePieceEncoder)
    }

    /// The number of tokens.
    public var count: Int { table.count }

    /// Builds the tokenizer, validating the vocabulary. Throws `TokenizerError.invalidFile` naming
    /// `vocabulary.source` and the metadata key: an array whose length differs from the token count, a token type
    /// outside 0–6, a NaN score, two tokens with the same text, a merge that is not two tokens whose
    /// concatenation is a token, an unknown pre-tokenizer, a special-token id outside the vocabulary, BOS or EOS
    /// to be added but missing.
    public init(vocabulary: GGMLVocabulary) throws {
        typealias Key = GGMLVocabulary.Key
        let source = vocabulary.source
        let count = vocabulary.tokens.count
        func invalid(_ field: String, _ expected: String, _ found: String) -> TokenizerError {
            TokenizerError.invalidFile(path: source, field: field, expected: expected, found: found)
        }
        guard count > 0 else { throw invalid(Key.tokens, "at least one token", "an empty array") }
        guard count <= Int(Int32.max) else { throw invalid(Key.tokens, "fewer than 2^31 tokens", "\(count)") }
        if let types = vocabulary.tokenTypes, types.count != count {
            throw invalid(Key.tokenTypes, "\(count) entries (one per token)", "\(types.count)")
        }
        if let scores = vocabulary.scores {
            guard scores.count == count else { throw invalid(Key.scores, "\(count) entries (one per token)", "\(scores.count)") }
            if let index = scores.firstIndex(where: \.isNaN) { throw invalid("\(Key.scores)[\(index)]", "a number", "NaN") }
        }
        // llama.cpp renames empty tokens so that every text is distinct.
        var texts = vocabulary.tokens
        for index in texts.indices where texts[index].isEmpty { texts[index] = "[EMPTY_\(index)]" }
        let table: GGMLTokenTable
        switch GGMLTokenTable.make(texts) {
        case let .success(made): table = made
        case let .failure(duplicate):
            throw invalid("\(Key.tokens)[\(duplicate.second)]", "distinct token texts",
                          "\"\(texts[duplicate.second])\", also token \(duplicate.first)")
        }
        let typeAttributes = vocabulary.tokenTypes.map { $0.map(GGMLTokenAttributes.init) }
            ?? [GGMLTokenAttributes](repeating: .normal, count: count)
        let special = try GGMLSpecialTokens(vocabulary: vocabulary, table: table, attributes: typeAttributes)
        self.table = table
        self.vocabulary = vocabulary
        attributes = special.attributes
        bos = special.bos
        eos = special.eos
        unknown = special.unknown
        padding = special.padding
        endOfTurn = special.endOfTurn
        endOfMessage = special.endOfMessage
        endOfGeneration = special.endOfGeneration
        specialTokensInText = special.matchedInText

        let addsBOS: Bool
        switch vocabulary.model {
        case .gpt2:
            guard let preTokenizer = GGMLPreTokenizer.named(vocabulary.preTokenizer) else {
                throw invalid(Key.preTokenizer, "a pre-tokenizer Flint implements (\(GGMLPreTokenizer.knownNames.joined(separator: ", ")))",
                              "\"\(vocabulary.preTokenizer ?? "")\"")
            }
            kind = .byteLevel(try GGMLByteLevelEncoder(tokens: texts, table: table, merges: vocabulary.merges,
                                                       preTokenizer: preTokenizer, source: source))
            addsBOS = vocabulary.addBOS ?? preTokenizer.addsBOSByDefault
            addsSpacePrefix = vocabulary.addSpacePrefix ?? false
            cleansSpaces = preTokenizer.cleansSpaces
        case .llama:
            kind = .sentencePiece(GGMLSentencePieceEncoder(table: table, scores: vocabulary.scores ?? [Float](repeating: 0, count: count),
                                                           unknown: special.unknown))
            addsBOS = vocabulary.addBOS ?? true
            addsSpacePrefix = vocabulary.addSpacePrefix ?? true
            cleansSpaces = false
        }
        let addsEOS = vocabulary.addEOS ?? false
        if addsBOS && special.bos == nil {
            throw invalid(Key.addBOS, "a BOS token to add (\(Key.bosId))", "none in a vocabulary of \(count) tokens")
        }
        if addsEOS && special.eos == nil {
            throw invalid(Key.addEOS, "an EOS token to add (\(Key.eosId))", "none in a vocabulary of \(count) tokens")
        }
        self.addsBOS = addsBOS
        self.addsEOS = addsEOS

        // Pieces, rendered once as llama.cpp's token-to-piece cache does.
        var pieceBytes = [UInt8]()
        pieceBytes.reserveCapacity(table.bytes.count)
        var pieceStarts = [Int32]()
        pieceStarts.reserveCapacity(count + 1)
        let isByteLevel = vocabulary.model == .gpt2
        for id in 0..<count {
            pieceStarts.append(Int32(pieceBytes.count))
            GGMLTokenizer.renderPiece(table.text(of: id), attributes: special.attributes[id], byteLevel: isByteLevel, into: &pieceBytes)
        }
        pieceStarts.append(Int32(pieceBytes.count))
        self.pieceBytes = pieceBytes
        self.pieceStarts = pieceStarts
    }

    // MARK: - Encoding

    /// The ids of `text`, as llama.cpp's `llama_tokenize(vocab, text, add_special, parse_special)`.
    /// - Parameters:
    ///   - addSpecial: put BOS / EOS around the ids when the vocabulary says so (`addsBOS`, `addsEOS`).
    ///   - parseSpecial: match control tokens (`<|im_start|>`, …) in the text; user-defined tokens are matched
    ///     either way.
    public func encode(_ text: String, addSpecial: Bool = true, parseSpecial: Bool = true) -> [Int] {
        var output = [Int]()
        output.reserveCapacity(text.utf8.count / 3 + 4)
        var text = text
        text.withUTF8 { bytes in
            let fragments = partition(bytes, parseSpecial: parseSpecial)
            if addSpecial && addsBOS, let bos { output.append(bos) }
            switch kind {
            case let .byteLevel(encoder):
                for fragment in fragments {
                    switch fragment {
                    case let .text(range): encoder.encode(UnsafeBufferPointer(rebasing: bytes[range]), into: &output)
                    case let .token(id): output.append(id)
                    }
                }
            case let .sentencePiece(encoder):
                var previousIsSpecial = true
                var escaped = [UInt8]()
                for fragment in fragments {
                    switch fragment {
                    case let .text(range):
                        escaped.removeAll(keepingCapacity: true)
                        if addsSpacePrefix && previousIsSpecial { escaped.append(contentsOf: [0xE2, 0x96, 0x81]) }
                        for byte in bytes[range] {
                            if byte == 0x20 { escaped.append(contentsOf: [0xE2, 0x96, 0x81]) } else { escaped.append(byte) }
                        }
                        escaped.withUnsafeBufferPointer { encoder.encode($0, into: &output) }
                        previousIsSpecial = false
                    case let .token(id):
                        output.append(id)
                        previousIsSpecial = true
                    }
                }
            }
            if addSpecial && addsEOS, let eos { output.append(eos) }
        }
        return output
    }

    /// A part of the text: bytes still to tokenize, or a special token matched in it.
    private enum Fragment {
        case text(Range<Int>)
        case token(Int)
    }

    /// llama.cpp's `tokenizer_st_partition`: for each special token in turn (longest first), every occurrence in
    /// the text fragments left becomes a token fragment.
    private func partition(_ text: UnsafeBufferPointer<UInt8>, parseSpecial: Bool) -> [Fragment] {
        guard !text.isEmpty else { return [] }
        var fragments: [Fragment] = [.text(0..<text.count)]
        var next = [Fragment]()
        let notParsed: GGMLTokenAttributes = [.control, .unknown]
        table.bytes.withUnsafeBufferPointer { allTokens in
            for id in specialTokensInText {
                if !parseSpecial && !attributes[id].isDisjoint(with: notParsed) { continue }
                let start = Int(table.starts[id]), length = table.length(of: id)
                let token = UnsafeBufferPointer(rebasing: allTokens[start..<(start + length)])
                guard length > 0, length <= text.count else { continue }
                next.removeAll(keepingCapacity: true)
                var changed = false
                for fragment in fragments {
                    guard case let .text(range) = fragment, range.count >= length else {
                        next.append(fragment)
                        continue
                    }
                    var position = range.lowerBound
                    var pieceStart = range.lowerBound
                    let first = token[0]
                    let stripsLeft = attributes[id].contains(.stripsLeft), stripsRight = attributes[id].contains(.stripsRight)
                    while position + length <= range.upperBound {
                        if text[position] == first && Self.matches(text, at: position, token) {
                            var leftEnd = position
                            if stripsLeft {
                                while leftEnd > pieceStart && Self.isSpace(text[leftEnd - 1]) { leftEnd -= 1 }
                            }
                            if leftEnd > pieceStart { next.append(.text(pieceStart..<leftEnd)) }
                            next.append(.token(id))
                            position += length
                            if stripsRight {
                                while position < range.upperBound && Self.isSpace(text[position]) { position += 1 }
                            }
                            pieceStart = position
                            changed = true
                        } else {
                            position += 1
                        }
                    }
                    if range.upperBound > pieceStart { next.append(.text(pieceStart..<range.upperBound)) }
                }
                if changed { swap(&fragments, &next) }
            }
        }
        return fragments
    }

    /// C's `isspace` in the "C" locale: space, \t, \n, \v, \f, \r.
    @inline(__always)
    private static func isSpace(_ byte: UInt8) -> Bool {
        byte == 0x20 || (byte >= 0x09 && byte <= 0x0D)
    }

    @inline(__always)
    private static func matches(_ text: UnsafeBufferPointer<UInt8>, at position: Int, _ token: UnsafeBufferPointer<UInt8>) -> Bool {
        for offset in 1..<token.count where text[position + offset] != token[offset] { return false }
        return true
    }

    // MARK: - Decoding

    /// Whether `id` ends generation.
    public func isEndOfGeneration(_ id: Int) -> Bool { endOfGeneration.contains(id) }

    /// The text of token `id` as stored in the vocabulary (`▁` and `Ġ` spellings included).
    public func tokenText(_ id: Int) throws -> String {
        try checkId(id)
        return String(decoding: table.text(of: id), as: UTF8.self)
    }

    /// The id of the token whose text is `text`, or nil.
    public func id(forTokenText text: String) -> Int? {
        let id = table.id(of: text)
        return id >= 0 ? Int(id) : nil
    }

    /// The bytes token `id` stands for, as llama.cpp's `llama_token_to_piece(vocab, id, buf, size, 0, special)`:
    /// normal tokens their text (byte-level tokens decoded from GPT-2's alphabet, `▁` as a space for `llama`
    /// vocabularies), byte tokens their byte, control and unknown tokens their text only when `special`,
    /// user-defined tokens their text, unused and undefined tokens nothing. A piece can be part of a character.
    public func piece(for id: Int, special: Bool) throws -> ArraySlice<UInt8> {
        try checkId(id)
        return pieceSlice(id, special: special)
    }

    @inline(__always)
    private func pieceSlice(_ id: Int, special: Bool) -> ArraySlice<UInt8> {
        if !special && !attributes[id].isDisjoint(with: [.unknown, .control]) { return [] }
        return pieceBytes[Int(pieceStarts[id])..<Int(pieceStarts[id + 1])]
    }

    private func checkId(_ id: Int) throws {
        guard id >= 0 && id < count else {
            throw TokenizerError.invalidArgument("token id \(id) is outside the vocabulary of \(count) tokens (\(vocabulary.source))")
        }
    }

    /// The bytes of `ids` as llama.cpp's `llama_detokenize(vocab, ids, …, remove_special, unparse_special)`: the
    /// pieces joined; with `removeSpecial` a leading BOS and a trailing EOS the tokenizer adds are dropped; the
    /// space prefix (`addsSpacePrefix`) is removed from the first piece unless a BOS was dropped; for the
    /// pre-tokenizers with `clean_spaces` (GPT-2, Llama-3, …) spaces before `?!.,` and in ` 's`, ` 'm`, ` 're`,
    /// ` 've` and around a lone `'` are removed.
    public func decodeBytes(_ ids: [Int], removeSpecial: Bool = false, renderSpecial: Bool = false) throws -> [UInt8] {
        for id in ids { try checkId(id) }
        var tokens = ids[...]
        var removeSpace = addsSpacePrefix
        if removeSpecial && addsBOS, let first = tokens.first, first == bos {
            removeSpace = false
            tokens = tokens.dropFirst()
        }
        if removeSpecial && addsEOS, let last = tokens.last, last == eos {
            tokens = tokens.dropLast()
        }
        var text = [UInt8]()
        text.reserveCapacity(tokens.count * 4)
        let hidden: GGMLTokenAttributes = renderSpecial ? [] : [.unknown, .control]
        pieceBytes.withUnsafeBufferPointer { pieceBytes in
            for id in tokens {
                if !attributes[id].isDisjoint(with: hidden) {
                    removeSpace = false  // llama.cpp strips the space of the first piece only, even an empty one
                    continue
                }
                var start = Int(pieceStarts[id])
                let end = Int(pieceStarts[id + 1])
                if removeSpace && start < end && pieceBytes[start] == 0x20 { start += 1 }
                removeSpace = false
                text.append(contentsOf: UnsafeBufferPointer(rebasing: pieceBytes[start..<end]))
            }
        }
        if cleansSpaces { Self.cleanSpaces(&text) }
        return text
    }

    /// `decodeBytes` as a string (bytes that are not valid UTF-8 become U+FFFD).
    public func decode(_ ids: [Int], removeSpecial: Bool = false, renderSpecial: Bool = false) throws -> String {
        String(decoding: try decodeBytes(ids, removeSpecial: removeSpecial, renderSpecial: renderSpecial), as: UTF8.self)
    }

    /// A decoder that turns ids into text one at a time (see `GGMLStreamingDecoder`).
    public func streamingDecoder(renderSpecial: Bool = false) -> GGMLStreamingDecoder {
        GGMLStreamingDecoder(tokenizer: self, renderSpecial: renderSpecial)
    }

    /// llama.cpp's three `clean_spaces` passes of `llama_detokenize`, on the bytes in place (ported as written:
    /// each pass reads the bytes the previous iterations may have rewritten).
    static func cleanSpaces(_ text: inout [UInt8]) {
        let space: UInt8 = 0x20, apostrophe: UInt8 = 0x27
        // " ?", " !", " .", " ,"
        let total1 = text.count
        var total = total1 > 0 ? 1 : 0
        var i = 1
        while i < total1 {
            let x = text[i]
            if text[i - 1] == space && (x == 0x3F || x == 0x21 || x == 0x2E || x == 0x2C) { total -= 1 }
            text[total] = x
            total += 1
            i += 1
        }
        // " ' " → "'"
        let total2 = total
        total = total2 > 0 ? 1 : 0
        i = 1
        while i < total2 {
            let x = text[i]
            if x == apostrophe && i + 1 < total2 && text[i - 1] == space && text[i + 1] == space {
                total -= 1
                i += 1
                text[i] = 0
            }
            text[total] = x
            total += 1
            i += 1
        }
        // " 's", " 'm", " 're", " 've"
        let total3 = total
        total = total3 > 0 ? 1 : 0
        i = 1
        while i < total3 {
            let x = text[i]
            if text[i - 1] == space && x == apostrophe && i + 1 < total3 {
                let x1 = text[i + 1]
                if x1 == 0x73 || x1 == 0x6D {
                    total -= 1
                } else if x1 != 0x74 && x1 != 0x64 && i + 2 < total3 {
                    let x2 = text[i + 2]
                    if (x1 == 0x72 && x2 == 0x65) || (x1 == 0x76 && x2 == 0x65) { total -= 1 }
                }
            }
            text[total] = x
            total += 1
            i += 1
        }
        text.removeLast(text.count - total)
    }

    /// Appends what `llama_token_to_piece(…, special: true)` gives for a token with `text` and `attributes`.
    private static func renderPiece(_ text: ArraySlice<UInt8>, attributes: GGMLTokenAttributes, byteLevel: Bool,
                                    into output: inout [UInt8]) {
        if !attributes.isDisjoint(with: [.unknown, .control, .userDefined]) {
            output.append(contentsOf: text)
        } else if attributes.contains(.normal) {
            if byteLevel {
                appendByteLevelDecoded(text, into: &output)
            } else {
                // "▁" → " "
                var index = text.startIndex
                while index < text.endIndex {
                    if text[index] == 0xE2, index + 2 < text.endIndex, text[index + 1] == 0x96, text[index + 2] == 0x81 {
                        output.append(0x20)
                        index += 3
                    } else {
                        output.append(text[index])
                        index += 1
                    }
                }
            }
        } else if attributes.contains(.byte) {
            // llama.cpp reads the two characters after "<0x" with strtol(…, 16).
            var value: UInt8 = 0
            for byte in text.dropFirst(3).prefix(2) {
                guard let digit = hexDigit(byte) else { break }
                value = value &* 16 &+ digit
            }
            output.append(value)
        }
    }

    private static func hexDigit(_ byte: UInt8) -> UInt8? {
        switch byte {
        case 0x30...0x39: return byte - 0x30
        case 0x41...0x46: return byte - 0x41 + 10
        case 0x61...0x66: return byte - 0x61 + 10
        default: return nil
        }
    }

    /// llama.cpp's `llama_decode_text`: each scalar of a byte-level token is the byte it spells in GPT-2's alphabet;
    /// a scalar outside the alphabet becomes `[UNK_BYTE_0x<its UTF-8 in hex><the token's text>]`.
    private static func appendByteLevelDecoded(_ text: ArraySlice<UInt8>, into output: inout [UInt8]) {
        let token = String(decoding: text, as: UTF8.self)
        for scalar in token.unicodeScalars {
            if let byte = ByteLevelAlphabet.byte(for: scalar) {
                output.append(byte)
            } else {
                output.append(contentsOf: Array("[UNK_BYTE_0x".utf8))
                let digits = Array("0123456789abcdef".utf8)
                for byte in String(scalar).utf8 {
                    output.append(digits[Int(byte >> 4)])
                    output.append(digits[Int(byte & 15)])
                }
                output.append(contentsOf: text)
                output.append(0x5D)
            }
        }
    }
}
