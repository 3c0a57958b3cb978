/// llama.cpp's byte-level BPE (`llm_tokenizer_bpe_session` in llama-vocab.cpp) for `gpt2` vocabularies: the text
/// is split by the pre-tokenizer, each piece is spelled in GPT-2's byte alphabet (one symbol per byte), and the
/// symbols are merged by rank (lowest first, then leftmost) with Flint's `BytePairEncodingModel`.
///
/// llama.cpp details kept: with `ignore_merges` (the Llama-3 family) a piece that is a token as a whole is that
/// token; a byte whose alphabet character is not a token blocks merges across it and is dropped.
struct GGMLByteLevelEncoder: Sendable {
    let model: BytePairEncodingModel
    let preTokenizer: GGMLPreTokenizer
    let table: GGMLTokenTable
    /// Whether the alphabet character of each byte is a token.
    private let hasByteToken: [Bool]
    private let hasEveryByteToken: Bool
    /// The UTF-8 bytes of each byte's alphabet character (one or two), packed: low byte first, count in bits 16…
    private let alphabetUTF8: [UInt32]

    /// Builds the encoder; `tokens` are the token texts by id (empty ones already renamed) and `table` holds
    /// them, `merges` are the `"left right"` lines of `tokenizer.ggml.merges`.
    init(tokens: [String], table: GGMLTokenTable, merges: [String], preTokenizer: GGMLPreTokenizer, source: String) throws {
        let key = GGMLVocabulary.Key.merges
        var vocabulary = [String: Int](minimumCapacity: tokens.count)
        for (id, text) in tokens.enumerated() where text.unicodeScalars.allSatisfy({ ByteLevelAlphabet.byte(for: $0) != nil }) {
            vocabulary[text] = id
        }
        var pairs = [(String, String)]()
        pairs.reserveCapacity(merges.count)
        for (index, line) in merges.enumerated() {
            // llama.cpp splits at the first space after the first byte.
            let utf8 = line.utf8
            guard let space = utf8.dropFirst().firstIndex(of: 0x20) else {
                throw TokenizerError.invalidFile(path: source, field: "\(key)[\(index)]", expected: "\"left right\" (two tokens and a space)",
                                                 found: "\"\(line)\"")
            }
            let left = String(decoding: utf8[..<space], as: UTF8.self)
            let right = String(decoding: utf8[utf8.index(after: space)...], as: UTF8.self)
            for part in [left, right] where vocabulary[part] == nil {
                throw TokenizerError.invalidFile(path: source, field: "\(key)[\(index)]", expected: "two byte-level tokens of \(GGMLVocabulary.Key.tokens)",
                                                 found: "\"\(line)\" (\"\(part)\" is not one)")
            }
            guard vocabulary[left + right] != nil else {
                throw TokenizerError.invalidFile(path: source, field: "\(key)[\(index)]", expected: "a merge whose result is a token",
                                                 found: "\"\(line)\" (\"\(left + right)\" is not a token)")
            }
            pairs.append((left, right))
        }
        // Whole-piece lookups for `ignore_merges` go through `table` (every token, as llama.cpp's text_to_token).
        model = try BytePairEncodingModel(vocabulary: vocabulary, merges: pairs, ignoresMerges: false, path: source)
        self.preTokenizer = preTokenizer
        self.table = table
        var alphabetUTF8 = [UInt32](repeating: 0, count: 256)
        var hasByteToken = [Bool](repeating: false, count: 256)
        for byte in 0..<256 {
            let scalar = ByteLevelAlphabet.scalarForByte[byte]
            let encoded = Array(String(scalar).utf8)
            alphabetUTF8[byte] = encoded.count == 1 ? UInt32(encoded[0]) | 1 << 16 : UInt32(encoded[0]) | UInt32(encoded[1]) << 8 | 2 << 16
            hasByteToken[byte] = vocabulary[String(scalar)] != nil
        }
        self.alphabetUTF8 = alphabetUTF8
        self.hasByteToken = hasByteToken
        hasEveryByteToken = hasByteToken.allSatisfy { $0 }
    }

    /// Appends the ids of `text` (valid UTF-8 without special tokens) to `output`.
    func encode(_ text: UnsafeBufferPointer<UInt8>, into output: inout [Int]) {
        guard !text.isEmpty else { return }
        // Scalars (as the pattern matchers see them) and the byte offset where each starts.
        var values = [UInt32]()
        values.reserveCapacity(text.count)
        var offsets = [Int32]()
        offsets.reserveCapacity(text.count + 1)
        var index = 0
        while index < text.count {
            let lead = UInt32(text[index])
            offsets.append(Int32(index))
            var value: UInt32
            if lead < 0x80 {
                value = lead
                index += 1
            } else if lead < 0xE0 {
                value = (lead & 0x1F) << 6 | UInt32(text[index + 1] & 0x3F)
                index += 2
            } else if lead < 0xF0 {
                value = (lead & 0x0F) << 12 | UInt32(text[index + 1] & 0x3F) << 6 | UInt32(text[index + 2] & 0x3F)
                index += 3
            } else {
                value = (lead & 0x07) << 18 | UInt32(text[index + 1] & 0x3F) << 12 | UInt32(text[index + 2] & 0x3F) << 6
                    | UInt32(text[index + 3] & 0x3F)
                index += 4
            }
            values.append(GGMLUnicode.matchingValue(value))
        }
        offsets.append(Int32(text.count))
        let ends = values.withUnsafeBufferPointer { preTokenizer.split($0) }
        var start = 0
        var spelled = [UInt8]()
        for end in ends {
            let piece = UnsafeBufferPointer(rebasing: text[Int(offsets[start])..<Int(offsets[end])])
            start = end
            if preTokenizer.ignoresMerges {
                spelled.removeAll(keepingCapacity: true)
                for byte in piece {
                    let packed = alphabetUTF8[Int(byte)]
                    spelled.append(UInt8(truncatingIfNeeded: packed))
                    if packed >> 16 == 2 { spelled.append(UInt8(truncatingIfNeeded: packed >> 8)) }
                }
                let whole = spelled.withUnsafeBufferPointer { table.id(of: $0) }
                if whole >= 0 {
                    output.append(Int(whole))
                    continue
                }
            }
            if hasEveryByteToken || piece.allSatisfy({ hasByteToken[Int($0)] }) {
                appendMerged(piece, into: &output)
                continue
            }
            // Bytes without a token split the piece and are dropped.
            var runStart = 0
            for (offset, byte) in piece.enumerated() where !hasByteToken[Int(byte)] {
                if offset > runStart { appendMerged(UnsafeBufferPointer(rebasing: piece[runStart..<offset]), into: &output) }
                runStart = offset + 1
            }
            if piece.count > runStart { appendMerged(UnsafeBufferPointer(rebasing: piece[runStart...]), into: &output) }
        }
    }

    @inline(__always)
    private func appendMerged(_ bytes: UnsafeBufferPointer<UInt8>, into output: inout [Int]) {
        for symbol in model.tokenizeSymbols(bytes: bytes) { output.append(Int(symbol.id)) }
    }
}
