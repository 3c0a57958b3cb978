import Flint

/// Checks loaded weights against the names and shapes a model needs.
///
/// - Parameters:
///   - weights: the checkpoint's tensors by name.
///   - expected: every name the model needs, with its shape.
///   - allowUnexpected: accept names the model does not use (a pooler or a training head, say).
///   - source: the file or folder the weights came from, for the message.
/// - Throws: ``HubError/weightMismatch(source:missing:unexpected:shapeMismatches:)`` listing the
///   missing names, the unexpected names (unless allowed) and each shape mismatch (expected vs
///   found), all sorted by name.
public func checkWeights(_ weights: [String: Tensor], expected: [String: [Int]], allowUnexpected: Bool, source: String) throws {
    let missing = expected.keys.filter { weights[$0] == nil }.sorted()
    let unexpected = allowUnexpected ? [] : weights.keys.filter { expected[$0] == nil }.sorted()
    let mismatches = expected.keys.sorted().compactMap { name -> HubError.ShapeMismatch? in
        guard let tensor = weights[name], let shape = expected[name], tensor.shape != shape else { return nil }
        return HubError.ShapeMismatch(name: name, expected: shape, found: tensor.shape)
    }
    if !missing.isEmpty || !unexpected.isEmpty || !mismatches.isEmpty {
        throw HubError.weightMismatch(source: source, missing: missing, unexpected: unexpected, shapeMismatches: mismatches)
    }
}
