import Flint
import FlintNN

/// Checkpoint-to-module name mapping with checks before anything is copied, shared by
/// ``BertModel`` and ``BertForSequenceClassification``.
enum BertWeightLoading {
    /// Buffers of older checkpoints that the modules do not keep.
    static let ignoredBuffers: Set<String> = ["embeddings.position_ids", "embeddings.token_type_ids"]

    /// Maps every checkpoint name through `rename` (nil: ignore), then checks that every module
    /// name is present (except names under `optionalPrefixes`, which stay as initialised) with the
    /// module's shape, then copies.
    static func load(into module: Module, weights: [String: Tensor], source: String, optionalPrefixes: [String],
                     rename: (String) -> String?) throws -> BertWeightLoadReport {
        let expected = Dictionary(module.stateDictEntries().map { ($0.0, $0.1.shape) }, uniquingKeysWith: { a, _ in a })
        var mapped: [String: Tensor] = [:]
        var unexpected: [String] = []
        for (name, tensor) in weights {
            guard let target = rename(name) else { continue }
            if expected[target] != nil { mapped[target] = tensor } else { unexpected.append(name) }
        }
        var error = StateDictError(target: source)
        var optionalMissing: [String] = []
        for (name, shape) in expected.sorted(by: { $0.key < $1.key }) {
            guard let tensor = mapped[name] else {
                if optionalPrefixes.contains(where: { name.hasPrefix($0) }) {
                    optionalMissing.append(name)
                } else {
                    error.missingKeys.append(name)
                }
                continue
            }
            if tensor.shape != shape {
                error.shapeMismatches.append(.init(key: name, expected: shape, found: tensor.shape))
            }
        }
        if !error.isEmpty { throw error }
        do {
            try module.loadStateDict(mapped, strict: false)
        } catch var failure as StateDictError {
            failure.target = source
            throw failure
        }
        return BertWeightLoadReport(initializedKeys: optionalMissing, unexpectedKeys: unexpected.sorted())
    }
}
