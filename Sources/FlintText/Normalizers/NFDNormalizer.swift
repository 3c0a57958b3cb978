/// Canonical decomposition (`{"type": "NFD"}`): each scalar decomposed, then combining marks put in
/// canonical order.
public struct NFDNormalizer: Normalizer {
    /// An NFD normalizer.
    public init() {}

    public func normalize(_ text: inout NormalizedText) {
        text.mapScalars { scalar, output in output.append(contentsOf: UnicodeClasses.canonicalDecomposition(scalar)) }
        text.orderCombiningMarks()
    }
}
