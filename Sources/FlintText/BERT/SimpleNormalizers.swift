/// Lowercases every scalar with the full Unicode mapping (`{"type": "Lowercase"}`).
public struct LowercaseNormalizer: Normalizer {
    /// A lowercasing normalizer.
    public init() {}

    public func normalize(_ text: inout NormalizedText) {
        text.mapScalars { scalar, output in UnicodeClasses.appendLowercase(scalar, to: &output) }
    }
}

/// Drops nonspacing marks (Mn) (`{"type": "StripAccents"}`; usually after `NFD`).
public struct StripAccentsNormalizer: Normalizer {
    /// An accent-stripping normalizer.
    public init() {}

    public func normalize(_ text: inout NormalizedText) {
        text.mapScalars { scalar, output in
            if scalar.value < 0x300 || scalar.properties.generalCategory != .nonspacingMark { output.append(scalar) }
        }
    }
}

/// Canonical decomposition, scalar by scalar (`{"type": "NFD"}`). Combining marks keep their text
/// order (canonical reordering of several marks on one base is not applied).
public struct NFDNormalizer: Normalizer {
    /// An NFD normalizer.
    public init() {}

    public func normalize(_ text: inout NormalizedText) {
        text.mapScalars { scalar, output in output.append(contentsOf: UnicodeClasses.canonicalDecomposition(scalar)) }
    }
}

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
