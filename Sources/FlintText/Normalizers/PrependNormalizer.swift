/// The `Prepend` normalizer (Llama-2-style files: `{"type": "Prepend", "prepend": "▁"}`): puts a string in front
/// of non-empty text. The added scalars take the alignment of the first scalar, as in Hugging Face.
public struct PrependNormalizer: Normalizer {
    /// What is put in front.
    public let prefix: [Unicode.Scalar]

    /// A normalizer putting `prefix` in front of the text.
    public init(prefix: String) {
        self.prefix = Array(prefix.unicodeScalars)
    }

    /// Reads `{"type": "Prepend", "prepend": …}`.
    public init(json: JSONObject) throws {
        self.init(prefix: try json.string("prepend"))
    }

    public func normalize(_ text: inout NormalizedText) {
        guard !text.isEmpty, !prefix.isEmpty else { return }
        var result = NormalizedText(capacity: text.count + prefix.count)
        for scalar in prefix { result.append(scalar, originStart: text.originStart[0], originEnd: text.originEnd[0]) }
        for index in 0..<text.count {
            result.append(text.scalars[index], originStart: text.originStart[index], originEnd: text.originEnd[index])
        }
        text = result
    }
}
