/// Several normalizers applied in order (`{"type": "Sequence", "normalizers": [...]}`).
public struct NormalizerSequence: Normalizer {
    /// The normalizers, first applied first.
    public let normalizers: [any Normalizer]

    /// A sequence of normalizers.
    public init(_ normalizers: [any Normalizer]) {
        self.normalizers = normalizers
    }

    /// Reads `{"type": "Sequence", "normalizers": [...]}`.
    public init(json: JSONObject) throws {
        self.init(try json.objects("normalizers").map(TokenizerComponentRegistry.normalizer(from:)))
    }

    public func normalize(_ text: inout NormalizedText) {
        for normalizer in normalizers { normalizer.normalize(&text) }
    }
}
