import Foundation

/// BERT's WordPiece model (Hugging Face `WordPiece`): greedy longest-match-first over the word, with
/// `continuingSubwordPrefix` ("##") on non-initial pieces; a word longer than
/// `maximumInputCharactersPerWord` scalars, or with a part no piece matches, becomes `unknownToken`.
public struct WordPieceModel: TokenizerModel {
    /// Token strings by id.
    public let tokens: [String]
    /// The token for words that cannot be split.
    public let unknownToken: String
    /// The id of `unknownToken`.
    public let unknownId: Int
    /// The prefix of non-initial pieces.
    public let continuingSubwordPrefix: String
    /// Longer words become `unknownToken`.
    public let maximumInputCharactersPerWord: Int
    private let ids: [String: Int]
    /// Every vocabulary entry (matched at the start of a word).
    private let wordStarts: ScalarVocabulary
    /// Entries that begin with the prefix, without it (matched inside a word).
    private let continuations: ScalarVocabulary

    /// A model over `vocabulary` (token → id).
    public init(vocabulary: [String: Int], unknownToken: String = "[UNK]", continuingSubwordPrefix: String = "##",
                maximumInputCharactersPerWord: Int = 100) throws {
        try self.init(entries: vocabulary.sorted { $0.value < $1.value }.map { ($0.key, $0.value) }, unknownToken: unknownToken,
                      continuingSubwordPrefix: continuingSubwordPrefix, maximumInputCharactersPerWord: maximumInputCharactersPerWord)
    }

    /// A model over `(token, id)` entries. Tokens are compared scalar by scalar (canonically
    /// equivalent spellings stay distinct, as in Hugging Face).
    public init(entries: [(token: String, id: Int)], unknownToken: String = "[UNK]", continuingSubwordPrefix: String = "##",
                maximumInputCharactersPerWord: Int = 100) throws {
        let largestId = entries.map(\.id).max() ?? -1
        guard largestId < 2 * entries.count + 1024 else {
            throw TokenizerError.invalidArgument("WordPiece: ids must be dense; largest id \(largestId) for \(entries.count) tokens")
        }
        var tokens = [String](repeating: "", count: largestId + 1)
        var vocabulary: [String: Int] = [:]
        vocabulary.reserveCapacity(entries.count)
        for (token, id) in entries {
            guard id >= 0 else { throw TokenizerError.invalidArgument("WordPiece: token \(token) has negative id \(id)") }
            tokens[id] = token
            vocabulary[token] = id
        }
        guard let unknownId = vocabulary[unknownToken] else {
            throw TokenizerError.unknownToken("\(unknownToken) (the WordPiece unk_token is not in the vocabulary)")
        }
        self.tokens = tokens
        self.ids = vocabulary
        self.unknownToken = unknownToken
        self.unknownId = unknownId
        self.continuingSubwordPrefix = continuingSubwordPrefix
        self.maximumInputCharactersPerWord = maximumInputCharactersPerWord
        let prefix = Array(continuingSubwordPrefix.unicodeScalars)
        wordStarts = ScalarVocabulary(entries.map { (key: Array($0.token.unicodeScalars), id: $0.id) })
        continuations = ScalarVocabulary(entries.compactMap { entry in
            let scalars = Array(entry.token.unicodeScalars)
            guard !prefix.isEmpty, scalars.count > prefix.count, scalars.starts(with: prefix) else { return nil }
            return (key: Array(scalars[prefix.count...]), id: entry.id)
        })
    }

    /// Reads `{"type": "WordPiece", "unk_token", "continuing_subword_prefix", "max_input_chars_per_word", "vocab": {token: id}}`.
    public init(json: JSONObject) throws {
        let vocab = try json.object("vocab")
        var vocabulary: [String: Int] = [:]
        vocabulary.reserveCapacity(vocab.values.count)
        for (token, value) in vocab.values {
            guard let id = JSONObject.integer(value), id >= 0 else {
                throw TokenizerError.invalidFile(path: json.path, field: "\(vocab.field).\(token)", expected: "an id ≥ 0",
                                                 found: JSONObject.describe(value))
            }
            vocabulary[token] = id
        }
        let unknown = try json.optionalString("unk_token") ?? "[UNK]"
        guard vocabulary[unknown] != nil else {
            throw TokenizerError.invalidFile(path: json.path, field: json.fieldPath("unk_token"),
                                             expected: "a token of the vocabulary", found: "\"\(unknown)\", which is not in vocab")
        }
        try self.init(vocabulary: vocabulary, unknownToken: unknown,
                      continuingSubwordPrefix: try json.optionalString("continuing_subword_prefix") ?? "##",
                      maximumInputCharactersPerWord: try json.optionalInt("max_input_chars_per_word") ?? 100)
    }

    /// Reads a BERT `vocab.txt`: one token per line, the line number is the id.
    public init(vocabularyFile url: URL, unknownToken: String = "[UNK]", continuingSubwordPrefix: String = "##",
                maximumInputCharactersPerWord: Int = 100) throws {
        let data: Data
        do {
            data = try Data(contentsOf: url)
        } catch {
            throw TokenizerError.missingFiles(folder: url.deletingLastPathComponent().path, expected: [url.lastPathComponent])
        }
        // Lines end at \n, \r\n or \r (Python's universal newlines, as transformers reads the file).
        var lines: [String] = []
        var lineStart = data.startIndex
        var index = data.startIndex
        while index < data.endIndex {
            let byte = data[index]
            if byte == 0x0A || byte == 0x0D {
                lines.append(try WordPieceModel.decodeLine(data[lineStart..<index], url: url, line: lines.count + 1))
                if byte == 0x0D && index + 1 < data.endIndex && data[index + 1] == 0x0A { index += 1 }
                lineStart = index + 1
            }
            index += 1
        }
        if lineStart < data.endIndex {
            lines.append(try WordPieceModel.decodeLine(data[lineStart..<data.endIndex], url: url, line: lines.count + 1))
        }
        guard !lines.isEmpty else {
            throw TokenizerError.invalidFile(path: url.path, field: "(contents)", expected: "one token per line", found: "an empty file")
        }
        let entries = lines.enumerated().map { (token: $0.element, id: $0.offset) }
        guard entries.contains(where: { $0.token == unknownToken }) else {
            throw TokenizerError.invalidFile(path: url.path, field: "unk_token", expected: "a token of the vocabulary",
                                             found: "\"\(unknownToken)\", which is not in the file")
        }
        try self.init(entries: entries, unknownToken: unknownToken, continuingSubwordPrefix: continuingSubwordPrefix,
                      maximumInputCharactersPerWord: maximumInputCharactersPerWord)
    }

    static func decodeLine(_ bytes: Data, url: URL, line: Int) throws -> String {
        guard let text = String(data: bytes, encoding: .utf8) else {
            throw TokenizerError.invalidFile(path: url.path, field: "line \(line)", expected: "UTF-8 text", found: "invalid UTF-8")
        }
        return text
    }

    public var vocabularySize: Int { wordStarts.count }

    public func id(for token: String) -> Int? { ids[token] }

    public func token(for id: Int) -> String? {
        guard id >= 0 && id < tokens.count else { return nil }
        let token = tokens[id]
        return token.isEmpty && ids[token] != id ? nil : token
    }

    public func tokenize(_ preToken: UnsafeBufferPointer<Unicode.Scalar>, into output: inout [ModelToken]) {
        let count = preToken.count
        guard count > 0, let base = preToken.baseAddress else { return }
        if count > maximumInputCharactersPerWord {
            output.append(ModelToken(id: unknownId, range: 0..<count))
            return
        }
        let first = output.count
        var start = 0
        while start < count {
            var end = min(count, start + (start == 0 ? wordStarts.longestKey : continuations.longestKey))
            var found = -1
            while end > start {
                let id = start == 0 ? wordStarts.id(base + start, count: end - start) : continuations.id(base + start, count: end - start)
                if let id {
                    found = id
                    break
                }
                end -= 1
            }
            if found < 0 {
                output.removeSubrange(first...)
                output.append(ModelToken(id: unknownId, range: 0..<count))
                return
            }
            output.append(ModelToken(id: found, range: start..<end))
            start = end
        }
    }
}
