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
