import Foundation

/// The `Replace` decoder (`{"type": "Replace", "pattern": {"String": "▁"}, "content": " "}`): replaces every
/// match of the pattern in every token.
public struct ReplaceDecoder: TokenDecoder {
    /// What is replaced.
    public let pattern: SplitPattern
    /// What replaces it.
    public let content: String

    /// A decoder replacing `pattern` with `content` in each token.
    public init(pattern: SplitPattern, content: String) {
        self.pattern = pattern
        self.content = content
    }

    /// Reads `{"type": "Replace", "pattern": …, "content": …}`.
    public init(json: JSONObject) throws {
        self.init(pattern: try SplitPattern(json: json, key: "pattern"), content: try json.string("content"))
    }

    public func decodeChain(_ tokens: [String]) -> [String] {
        tokens.map { token in
            let values = token.unicodeScalars.map(\.value)
            let matches = values.withUnsafeBufferPointer { pattern.matches(in: $0) }
            guard !matches.isEmpty else { return token }
            var result = String.UnicodeScalarView()
            var cursor = 0
            for match in matches {
                for value in values[cursor..<match.lowerBound] { result.append(Unicode.Scalar(value)!) }
                result.append(contentsOf: content.unicodeScalars)
                cursor = match.upperBound
            }
            for value in values[cursor...] { result.append(Unicode.Scalar(value)!) }
            return String(result)
        }
    }
}
