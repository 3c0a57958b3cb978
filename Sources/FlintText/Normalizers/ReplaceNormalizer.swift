/// The `Replace` normalizer (`{"type": "Replace", "pattern": {"String": " "} | {"Regex": …}, "content": "▁"}`):
/// replaces every match of the pattern with `content`. Replacement scalar `i` takes the alignment of matched
/// scalar `i` (the last one when the replacement is longer); an empty replacement deletes the match.
public struct ReplaceNormalizer: Normalizer {
    /// What is replaced.
    public let pattern: SplitPattern
    /// What replaces it.
    public let content: [Unicode.Scalar]

    /// A normalizer replacing `pattern` with `content`.
    public init(pattern: SplitPattern, content: String) {
        self.pattern = pattern
        self.content = Array(content.unicodeScalars)
    }

    /// Reads `{"type": "Replace", "pattern": …, "content": …}`.
    public init(json: JSONObject) throws {
        self.init(pattern: try SplitPattern(json: json, key: "pattern"), content: try json.string("content"))
    }

    public func normalize(_ text: inout NormalizedText) {
        let matches = text.scalars.withUnsafeBufferPointer { buffer in
            buffer.withMemoryRebound(to: UInt32.self) { pattern.matches(in: $0) }
        }
        guard !matches.isEmpty else { return }
        var result = NormalizedText(capacity: text.count)
        var cursor = 0
        for match in matches {
            for index in cursor..<match.lowerBound {
                result.append(text.scalars[index], originStart: text.originStart[index], originEnd: text.originEnd[index])
            }
            for (offset, scalar) in content.enumerated() {
                let source = match.lowerBound + min(offset, match.count - 1)
                result.append(scalar, originStart: text.originStart[source], originEnd: text.originEnd[source])
            }
            cursor = match.upperBound
        }
        for index in cursor..<text.count {
            result.append(text.scalars[index], originStart: text.originStart[index], originEnd: text.originEnd[index])
        }
        text = result
    }
}
