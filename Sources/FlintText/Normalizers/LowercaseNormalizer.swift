/// Lowercases every scalar with the full Unicode mapping (`{"type": "Lowercase"}`).
public struct LowercaseNormalizer: Normalizer {
    /// A lowercasing normalizer.
    public init() {}

    public func normalize(_ text: inout NormalizedText) {
        text.mapScalars { scalar, output in UnicodeClasses.appendLowercase(scalar, to: &output) }
    }
}
