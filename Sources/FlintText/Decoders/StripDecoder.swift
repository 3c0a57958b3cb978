/// The `Strip` decoder (`{"type": "Strip", "content": " ", "start": 1, "stop": 0}`): removes up to `start`
/// leading and `stop` trailing occurrences of `content` from every token.
public struct StripDecoder: TokenDecoder {
    /// The character removed.
    public let content: Unicode.Scalar
    /// At most this many are removed from the start of each token.
    public let start: Int
    /// At most this many are removed from the end of each token.
    public let stop: Int

    /// A decoder stripping `content`.
    public init(content: Unicode.Scalar, start: Int, stop: Int) {
        self.content = content
        self.start = max(0, start)
        self.stop = max(0, stop)
    }

    /// Reads `{"type": "Strip", "content": …, "start": …, "stop": …}`.
    public init(json: JSONObject) throws {
        let text = try json.string("content")
        guard text.unicodeScalars.count == 1, let scalar = text.unicodeScalars.first else {
            throw json.mismatch("content", expected: "one character")
        }
        self.init(content: scalar, start: try json.int("start"), stop: try json.int("stop"))
    }

    public func decodeChain(_ tokens: [String]) -> [String] {
        tokens.map { token in
            let scalars = Array(token.unicodeScalars)
            var lower = 0
            while lower < min(start, scalars.count), scalars[lower] == content { lower += 1 }
            var upper = scalars.count
            while scalars.count - upper < stop, upper > lower, scalars[upper - 1] == content { upper -= 1 }
            return String(String.UnicodeScalarView(scalars[lower..<upper]))
        }
    }
}
