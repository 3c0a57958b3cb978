/// Joins WordPiece tokens back into text (Hugging Face's `WordPiece` decoder): a token with the
/// prefix is glued to the previous one, any other token after the first gets a leading space; with
/// `cleanup`, each piece then has the tokenization spaces removed (" ." → ".", " n't" → "n't", …).
public struct WordPieceDecoder: TokenDecoder {
    /// The continuation prefix ("##").
    public let prefix: String
    /// Remove the spaces tokenization put before punctuation and contractions.
    public let cleanup: Bool

    /// A WordPiece decoder.
    public init(prefix: String = "##", cleanup: Bool = true) {
        self.prefix = prefix
        self.cleanup = cleanup
    }

    /// Reads `{"type": "WordPiece", "prefix", "cleanup"}`.
    public init(json: JSONObject) throws {
        self.init(prefix: try json.optionalString("prefix") ?? "##", cleanup: try json.bool("cleanup", default: true))
    }

    /// Removes the spaces tokenization leaves before punctuation and English contractions (Hugging
    /// Face's `clean_up_tokenization`).
    public static func cleanUpTokenization(_ text: String) -> String {
        if !text.contains(" ") { return text }
        return text.replacingOccurrences(" .", with: ".")
            .replacingOccurrences(" ?", with: "?")
            .replacingOccurrences(" !", with: "!")
            .replacingOccurrences(" ,", with: ",")
            .replacingOccurrences(" ' ", with: "'")
            .replacingOccurrences(" n't", with: "n't")
            .replacingOccurrences(" 'm", with: "'m")
            .replacingOccurrences(" do not", with: " don't")
            .replacingOccurrences(" 's", with: "'s")
            .replacingOccurrences(" 've", with: "'ve")
            .replacingOccurrences(" 're", with: "'re")
    }

    public func decodeChain(_ tokens: [String]) -> [String] {
        tokens.enumerated().map { index, token in
            var piece = token
            if index != 0 {
                if !prefix.isEmpty && piece.unicodeScalars.starts(with: prefix.unicodeScalars) {
                    piece = String(piece.unicodeScalars.dropFirst(prefix.unicodeScalars.count))
                } else {
                    piece = " " + piece
                }
            }
            return cleanup ? WordPieceDecoder.cleanUpTokenization(piece) : piece
        }
    }
}

extension String {
    /// Every occurrence of `target` replaced by `replacement`, left to right (no Foundation needed).
    func replacingOccurrences(_ target: String, with replacement: String) -> String {
        guard !target.isEmpty, contains(target) else { return self }
        var result = ""
        var rest = self[...]
        while let range = rest.firstRange(of: target) {
            result += rest[..<range.lowerBound]
            result += replacement
            rest = rest[range.upperBound...]
        }
        result += rest
        return result
    }
}
