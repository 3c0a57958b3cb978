import Foundation
import Flint

/// Pools token embeddings [B, T, H] into sentence embeddings [B, modes·H] under an attention mask,
/// as sentence-transformers' `Pooling` module, with autograd (for fine-tuning).
///
/// The cls, mean, mean-sqrt-len, weighted-mean and last-token modes are weighted sums of the
/// tokens with constant per-token weights, computed together as one batched product
/// [B, modes, T] · [B, T, H]; max pooling replaces padding with −∞ and takes the maximum over T.
/// Outputs are concatenated in the order of ``modes``.
public struct SentencePooling: Sendable, Equatable {
    /// The modes, in concatenation order.
    public var modes: [SentencePoolingMode]
    /// The token embedding width H the model produces (`word_embedding_dimension`).
    public var embeddingDimension: Int
    /// Whether prompt tokens are pooled (`include_prompt`; prompts are not used here, so this only
    /// records the configuration).
    public var includePrompt: Bool

    /// A pooling over `modes` (at least one) for embeddings of width `embeddingDimension`.
    public init(modes: [SentencePoolingMode] = [.mean], embeddingDimension: Int, includePrompt: Bool = true) {
        require(!modes.isEmpty, "SentencePooling: at least one mode is needed")
        self.modes = modes
        self.embeddingDimension = embeddingDimension
        self.includePrompt = includePrompt
    }

    /// The width of the pooled output, modes · H.
    public var outputDimension: Int { modes.count * embeddingDimension }

    /// Reads `1_Pooling/config.json`: either the legacy flags (`pooling_mode_mean_tokens`, …) or
    /// `pooling_mode` (a name or a list of names), `word_embedding_dimension` /
    /// `embedding_dimension`, `include_prompt`. No mode set means mean pooling, as
    /// sentence-transformers.
    ///
    /// - Throws: ``FlintError`` naming the file and the field when it is unreadable, not a JSON
    ///   object, lacks the dimension, or names an unknown mode.
    public static func load(from url: URL) throws -> SentencePooling {
        let object = try SentenceTransformerJSON.object(at: url)
        let dimensionValue = object["word_embedding_dimension"] ?? object["embedding_dimension"]
        guard let dimension = (dimensionValue as? NSNumber)?.intValue, dimension > 0 else {
            throw FlintError.invalidFile(path: url.path, field: "word_embedding_dimension",
                                         expected: "a positive integer", found: SentenceTransformerJSON.describe(dimensionValue))
        }
        var modes: [SentencePoolingMode] = []
        if let value = object["pooling_mode"] {
            let names: [Any] = (value as? [Any]) ?? [value]
            for name in names {
                guard let text = name as? String, let mode = SentencePoolingMode(rawValue: text) else {
                    throw FlintError.invalidFile(path: url.path, field: "pooling_mode",
                        expected: "one or more of " + SentencePoolingMode.allCases.map(\.rawValue).joined(separator: ", "),
                        found: SentenceTransformerJSON.describe(name))
                }
                modes.append(mode)
            }
        } else {
            for (key, mode) in SentencePoolingMode.legacyFlags {
                guard let flag = object[key] else { continue }
                guard let on = flag as? Bool else {
                    throw FlintError.invalidFile(path: url.path, field: key, expected: "true or false",
                                                 found: SentenceTransformerJSON.describe(flag))
                }
                if on { modes.append(mode) }
            }
        }
        if modes.isEmpty { modes = [.mean] }
        let includePrompt = object["include_prompt"] as? Bool ?? true
        return SentencePooling(modes: modes, embeddingDimension: dimension, includePrompt: includePrompt)
    }

    /// Pools `hiddenStates` [B, T, H] with `attentionMask` [B, T] (nonzero = token, any dtype;
    /// nil = all tokens) into [B, modes·H]. Differentiable in `hiddenStates`.
    public func callAsFunction(hiddenStates: Tensor, attentionMask: Tensor?) -> Tensor {
        require(hiddenStates.rank == 3, "SentencePooling: hidden states must be [batch, length, hidden], got \(hiddenStates.shape)")
        let b = hiddenStates.shape[0], t = hiddenStates.shape[1], h = hiddenStates.shape[2]
        require(h == embeddingDimension, "SentencePooling: hidden size \(h) differs from word_embedding_dimension \(embeddingDimension)")
        if let attentionMask {
            require(attentionMask.shape == [b, t], "SentencePooling: attention mask \(attentionMask.shape) must be [\(b), \(t)]")
        }
        let mask: [Float]
        if let attentionMask {
            mask = withNoGrad { attentionMask.to(.float32).contiguous().toArray() }
        } else {
            mask = [Float](repeating: 1, count: b * t)
        }
        let weighted = modes.filter { $0 != .max }
        var pooledWeighted: [SentencePoolingMode: Tensor] = [:]
        if !weighted.isEmpty {
            let weights = SentencePooling.tokenWeights(weighted, mask: mask, batch: b, length: t)   // [B, k, T]
            let sums = weights.matmul(hiddenStates)                                                 // [B, k, H]
            for (i, mode) in weighted.enumerated() { pooledWeighted[mode] = sums.select(axis: 1, index: i) }
        }
        var outputs: [Tensor] = []
        for mode in modes {
            if mode == .max {
                let keep = withNoGrad { Tensor(mask, shape: [b, t, 1]).notEqual(0) }
                outputs.append(Tensor.where(keep, hiddenStates, -Float.infinity).max(axis: 1).values)
            } else {
                outputs.append(pooledWeighted[mode]!)
            }
        }
        return outputs.count == 1 ? outputs[0] : Tensor.concatenate(outputs, axis: 1)
    }

    /// The constant per-token weights [B, modes, T] of the weighted-sum modes, following
    /// sentence-transformers' `_forward_padded` (first/last token by the mask, counts clamped at 1e-9).
    static func tokenWeights(_ modes: [SentencePoolingMode], mask: [Float], batch: Int, length: Int) -> Tensor {
        var weights = [Float](repeating: 0, count: batch * modes.count * length)
        for row in 0..<batch {
            let m = mask[(row * length)..<((row + 1) * length)].map { $0 }
            let count = m.reduce(0, +)
            let first = m.firstIndex(where: { $0 != 0 }) ?? 0
            let last = m.lastIndex(where: { $0 != 0 }) ?? (length - 1)
            for (k, mode) in modes.enumerated() {
                let base = (row * modes.count + k) * length
                switch mode {
                case .cls:
                    if length > 0 { weights[base + first] = 1 }
                case .lastToken:
                    if length > 0 { weights[base + last] = m[last] }
                case .mean:
                    let denominator = Swift.max(count, 1e-9)
                    for i in 0..<length { weights[base + i] = m[i] / denominator }
                case .meanSquareRootLength:
                    let denominator = Swift.max(count, 1e-9).squareRoot()
                    for i in 0..<length { weights[base + i] = m[i] / denominator }
                case .weightedMean:
                    // Position weights 1, 2, … starting at the first non-padding token.
                    var total: Float = 0
                    for i in 0..<length { total += m[i] * Float(i + 1 - first) }
                    let denominator = Swift.max(total, 1e-9)
                    for i in 0..<length { weights[base + i] = m[i] * Float(i + 1 - first) / denominator }
                case .max:
                    break
                }
            }
        }
        return Tensor(weights, shape: [batch, modes.count, length])
    }
}
