import Foundation
import Flint

/// A BERT encoder for inference only: no autograd, no padding, weights laid out once for BLAS.
///
/// The sequences of a batch are packed end to end into one `[N, H]` buffer (N = total tokens), so a
/// batch of mixed lengths costs exactly the sum of its sequences: every projection (fused
/// query/key/value, attention output, the two feed-forward matrices) is one GEMM over all N tokens,
/// split over Flint's threads; attention runs per (sequence, head) with softmax(QKᵀ/√d)·V over that
/// sequence only; biases, residuals and GELU are applied as each GEMM stores its output, LayerNorm
/// in one row pass after it.
///
/// The encoder's matrices are packed once at load into 16-column panels (``PackedLinearWeight``) that
/// a register-blocked kernel streams without the per-call packing BLAS does; embedding tables and
/// vectors are used in place (an mmap'd safetensors tensor is read directly; the word-embedding
/// table is never copied). Activation buffers come from a small pool keyed by token count and are
/// reused across layers and calls. All methods may be called from several threads at once.
///
/// ```swift
/// let weights = try SafeTensorsFile(contentsOf: folder.appendingPathComponent("model.safetensors")).loadAll()
/// let configuration = try BertConfiguration.load(from: folder.appendingPathComponent("config.json"))
/// let encoder = try BertEncoder(configuration: configuration, weights: weights)
/// let embeddings = try encoder.sentenceEmbeddings(inputIds: [[101, 7592, 102]], pooling: .mean, normalize: true)
/// ```
public final class BertEncoder: Sendable {
    /// The feed-forward activation (`hidden_act`).
    public enum Activation: Sendable, Equatable {
        /// Exact GELU, 0.5·x·(1 + erf(x/√2)) ("gelu").
        case gelu
        /// The tanh approximation of GELU ("gelu_new", "gelu_pytorch_tanh", "gelu_fast").
        case geluTanh
        /// max(x, 0) ("relu").
        case relu

        /// The activation for a `hidden_act` name, or nil.
        public init?(name: String) {
            switch name {
            case "gelu": self = .gelu
            case "gelu_new", "gelu_pytorch_tanh", "gelu_fast": self = .geluTanh
            case "relu": self = .relu
            default: return nil
            }
        }
    }

    /// How ``sentenceEmbeddings(inputIds:tokenTypeIds:pooling:normalize:)`` reduces a sequence's
    /// hidden states to one vector.
    public enum Pooling: String, Sendable, CaseIterable {
        /// The mean over all tokens of the sequence (sentence-transformers' `pooling_mode_mean_tokens`).
        case mean
        /// The first token's ([CLS]) hidden state.
        case cls
        /// The element-wise maximum over the tokens.
        case max
    }

    /// The model's hyper-parameters.
    public let configuration: BertConfiguration
    /// The feed-forward activation.
    public let activation: Activation
    /// Whether the checkpoint has `pooler.dense` (``pooledOutputs(inputIds:tokenTypeIds:)`` needs it).
    public var hasPooler: Bool { pooler != nil }
    /// Whether the checkpoint has a sequence-classification head (`classifier.weight` / `.bias`).
    public var hasClassifier: Bool { classifier != nil }
    /// The classifier's output count, when there is one.
    public var classifierLabelCount: Int? { classifier?.weight.shape[0] }

    let wordEmbeddings: Tensor
    let positionEmbeddings: Tensor
    let tokenTypeEmbeddings: Tensor
    let embeddingNormWeight: Tensor
    let embeddingNormBias: Tensor
    let layers: [BertEncoderLayerWeights]
    let pooler: BertEncoderClassifierWeights?
    let classifier: BertEncoderClassifierWeights?
    let workspaces = BertEncoderWorkspaceCache()

    /// Builds the engine from checkpoint tensors by their Hugging Face names, with or without the
    /// `bert.` prefix (`embeddings.position_ids` and unknown names are ignored).
    ///
    /// - Throws: ``BertEncoderError/invalidWeights(problems:)`` listing every missing or mis-shaped
    ///   tensor with its expected and found shape; ``BertEncoderError/unsupportedConfiguration(field:expected:found:)``
    ///   for an activation or position-embedding type the engine does not implement.
    public init(configuration: BertConfiguration, weights: [String: Tensor]) throws {
        guard let activation = Activation(name: configuration.hiddenActivation) else {
            throw BertEncoderError.unsupportedConfiguration(
                field: "hidden_act", expected: "gelu, gelu_new, gelu_pytorch_tanh, gelu_fast or relu",
                found: configuration.hiddenActivation)
        }
        guard configuration.positionEmbeddingType == "absolute" else {
            throw BertEncoderError.unsupportedConfiguration(
                field: "position_embedding_type", expected: "absolute", found: configuration.positionEmbeddingType)
        }
        guard configuration.hiddenSize > 0, configuration.attentionHeadCount > 0,
              configuration.hiddenSize % configuration.attentionHeadCount == 0 else {
            throw BertEncoderError.unsupportedConfiguration(
                field: "hidden_size / num_attention_heads", expected: "hidden_size divisible by num_attention_heads",
                found: "\(configuration.hiddenSize) / \(configuration.attentionHeadCount)")
        }
        self.configuration = configuration
        self.activation = activation
        let h = configuration.hiddenSize, intermediate = configuration.intermediateSize
        var reader = BertEncoderWeightReader(weights)
        wordEmbeddings = reader.tensor("embeddings.word_embeddings.weight", [configuration.vocabularySize, h])
        positionEmbeddings = reader.tensor("embeddings.position_embeddings.weight", [configuration.maximumPositionEmbeddings, h])
        tokenTypeEmbeddings = reader.tensor("embeddings.token_type_embeddings.weight", [configuration.typeVocabularySize, h])
        embeddingNormWeight = reader.tensor("embeddings.LayerNorm.weight", [h])
        embeddingNormBias = reader.tensor("embeddings.LayerNorm.bias", [h])
        var layers: [BertEncoderLayerWeights] = []
        for index in 0..<configuration.hiddenLayerCount {
            let p = "encoder.layer.\(index)."
            let query = reader.tensor(p + "attention.self.query.weight", [h, h])
            let key = reader.tensor(p + "attention.self.key.weight", [h, h])
            let value = reader.tensor(p + "attention.self.value.weight", [h, h])
            let queryBias = reader.tensor(p + "attention.self.query.bias", [h])
            let keyBias = reader.tensor(p + "attention.self.key.bias", [h])
            let valueBias = reader.tensor(p + "attention.self.value.bias", [h])
            let queryKeyValue = concatenateRows([query, key, value])
            let packedQueryKeyValue = PackedLinearWeight(weight: queryKeyValue.pointer(as: Float.self),
                                                         outputs: 3 * h, inputs: h)
            for part in [query, key, value] { releaseResidentPages(of: part) }
            layers.append(BertEncoderLayerWeights(
                queryKeyValue: packedQueryKeyValue,
                queryKeyValueBias: concatenateRows([queryBias, keyBias, valueBias]),
                attentionOutput: PackedLinearWeight(reader.tensor(p + "attention.output.dense.weight", [h, h])),
                attentionOutputBias: reader.tensor(p + "attention.output.dense.bias", [h]),
                attentionNormWeight: reader.tensor(p + "attention.output.LayerNorm.weight", [h]),
                attentionNormBias: reader.tensor(p + "attention.output.LayerNorm.bias", [h]),
                intermediate: PackedLinearWeight(reader.tensor(p + "intermediate.dense.weight", [intermediate, h])),
                intermediateBias: reader.tensor(p + "intermediate.dense.bias", [intermediate]),
                output: PackedLinearWeight(reader.tensor(p + "output.dense.weight", [h, intermediate])),
                outputBias: reader.tensor(p + "output.dense.bias", [h]),
                outputNormWeight: reader.tensor(p + "output.LayerNorm.weight", [h]),
                outputNormBias: reader.tensor(p + "output.LayerNorm.bias", [h])))
        }
        self.layers = layers
        if reader.contains(reader.prefix + "pooler.dense.weight") || reader.contains(reader.prefix + "pooler.dense.bias") {
            pooler = BertEncoderClassifierWeights(weight: reader.tensor("pooler.dense.weight", [h, h]),
                                                  bias: reader.tensor("pooler.dense.bias", [h]))
        } else {
            pooler = nil
        }
        if let weight = weights["classifier.weight"] {
            let labels = weight.rank == 2 ? weight.shape[0] : configuration.labelCount
            classifier = BertEncoderClassifierWeights(
                weight: reader.tensor("classifier.weight", [labels, h], prefixed: false),
                bias: reader.tensor("classifier.bias", [labels], prefixed: false))
        } else if weights["classifier.bias"] != nil {
            _ = reader.tensor("classifier.weight", [configuration.labelCount, h], prefixed: false)
            classifier = nil
        } else {
            classifier = nil
        }
        if !reader.problems.isEmpty { throw BertEncoderError.invalidWeights(problems: reader.problems) }
    }

    /// Loads `config.json` and the weights of a model folder (`model.safetensors`, mmap'd; sharded
    /// safetensors or `pytorch_model.bin` too — see ``ModelFolder``).
    public convenience init(contentsOf folder: URL) throws {
        let model = try ModelFolder(url: folder)
        try self.init(configuration: model.configuration().decode(BertConfiguration.self), weights: model.loadWeights())
    }

    // MARK: Outputs

    /// The last layer's hidden states: one `[length, H]` tensor per sequence.
    ///
    /// - Parameters:
    ///   - inputIds: token ids per sequence (with the tokenizer's [CLS]/[SEP]); lengths may differ.
    ///   - tokenTypeIds: segment ids per sequence (same lengths), or nil for all zeros.
    /// - Throws: ``BertEncoderError/invalidInput(_:)`` for ids outside the vocabulary, sequences longer
    ///   than `max_position_embeddings`, or token types that do not match.
    public func lastHiddenStates(inputIds: [[Int]], tokenTypeIds: [[Int]]? = nil) throws -> [Tensor] {
        let batch = try BertPackedBatch(inputIds: inputIds, tokenTypeIds: tokenTypeIds, configuration: configuration)
        let h = configuration.hiddenSize
        return encode(batch) { hidden in
            (0..<batch.sequenceCount).map { s in
                let length = batch.length(of: s)
                let out = Tensor(uninitializedShape: [length, h])
                out.pointer(as: Float.self).update(from: hidden + batch.offsets[s] * h, count: length * h)
                return out
            }
        }
    }

    /// tanh(pooler.dense(hidden state of the first token)) per sequence, `[B, H]`: BERT's pooled output,
    /// the input of a sequence-classification head.
    ///
    /// - Throws: ``BertEncoderError/missingHead(_:)`` when the checkpoint has no pooler, and the
    ///   input errors of ``lastHiddenStates(inputIds:tokenTypeIds:)``.
    public func pooledOutputs(inputIds: [[Int]], tokenTypeIds: [[Int]]? = nil) throws -> Tensor {
        guard let pooler else { throw BertEncoderError.missingHead("the checkpoint has no pooler.dense weights") }
        let batch = try BertPackedBatch(inputIds: inputIds, tokenTypeIds: tokenTypeIds, configuration: configuration)
        try batch.requireNonEmptySequences(for: "the pooled output")
        return encode(batch) { hidden in pooled(hidden, batch, pooler) }
    }

    /// The sequence-classification logits `[B, labels]`: `classifier(pooledOutput)`, as
    /// `BertForSequenceClassification` computes them in eval mode.
    ///
    /// - Throws: ``BertEncoderError/missingHead(_:)`` when the checkpoint has no classifier or pooler.
    public func classificationLogits(inputIds: [[Int]], tokenTypeIds: [[Int]]? = nil) throws -> Tensor {
        guard let classifier else { throw BertEncoderError.missingHead("the checkpoint has no classifier.weight / classifier.bias") }
        guard let pooler else { throw BertEncoderError.missingHead("the checkpoint has no pooler.dense weights") }
        let batch = try BertPackedBatch(inputIds: inputIds, tokenTypeIds: tokenTypeIds, configuration: configuration)
        try batch.requireNonEmptySequences(for: "classification")
        let pooledStates = encode(batch) { hidden in pooled(hidden, batch, pooler) }
        return linear(pooledStates.pointer(as: Float.self), rows: batch.sequenceCount, classifier, activation: nil)
    }

    /// One vector per sequence, `[B, H]`, pooled straight from the packed hidden states:
    /// mean (sentence-transformers' default), [CLS] or max; L2-normalised when `normalize` is true
    /// (sentence-transformers' `Normalize` module). An empty sequence gives zeros.
    public func sentenceEmbeddings(inputIds: [[Int]], tokenTypeIds: [[Int]]? = nil, pooling: Pooling = .mean,
                                   normalize: Bool = true) throws -> Tensor {
        let batch = try BertPackedBatch(inputIds: inputIds, tokenTypeIds: tokenTypeIds, configuration: configuration)
        let h = configuration.hiddenSize
        let out = Tensor(uninitializedShape: [batch.sequenceCount, h])
        let po = out.pointer(as: Float.self)
        encode(batch) { hidden in
            for s in 0..<batch.sequenceCount {
                BertEncoderKernels.pool(hidden + batch.offsets[s] * h, rows: batch.length(of: s), width: h,
                                        pooling: pooling, into: po + s * h)
                if normalize { BertEncoderKernels.normalize(po + s * h, count: h) }
            }
        }
        return out
    }

    /// ``sentenceEmbeddings(inputIds:tokenTypeIds:pooling:normalize:)`` as Swift arrays.
    public func sentenceEmbeddingArrays(inputIds: [[Int]], tokenTypeIds: [[Int]]? = nil, pooling: Pooling = .mean,
                                        normalize: Bool = true) throws -> [[Float]] {
        let embeddings = try sentenceEmbeddings(inputIds: inputIds, tokenTypeIds: tokenTypeIds, pooling: pooling,
                                                normalize: normalize)
        let h = configuration.hiddenSize
        let values = embeddings.toArray()
        return (0..<inputIds.count).map { Array(values[$0 * h..<($0 + 1) * h]) }
    }

    /// Drops the cached activation buffers (they are rebuilt on the next call).
    public func releaseWorkspaces() {
        workspaces.removeAll()
    }

    // MARK: Heads

    /// tanh(pooler(first token)) for every sequence.
    func pooled(_ hidden: UnsafeMutablePointer<Float>, _ batch: BertPackedBatch, _ pooler: BertEncoderClassifierWeights) -> Tensor {
        let h = configuration.hiddenSize
        let first = Tensor(uninitializedShape: [batch.sequenceCount, h])
        let pf = first.pointer(as: Float.self)
        for s in 0..<batch.sequenceCount { (pf + s * h).update(from: hidden + batch.offsets[s] * h, count: h) }
        return linear(pf, rows: batch.sequenceCount, pooler, activation: .tanh)
    }

    enum HeadActivation { case tanh }

    /// `x · weightᵀ + bias` (then tanh) for `rows` rows of H.
    func linear(_ x: UnsafePointer<Float>, rows: Int, _ head: BertEncoderClassifierWeights, activation: HeadActivation?) -> Tensor {
        let h = configuration.hiddenSize, outputs = head.weight.shape[0]
        let out = Tensor(uninitializedShape: [rows, outputs])
        let po = out.pointer(as: Float.self), bias = head.bias.pointer(as: Float.self)
        for r in 0..<rows { (po + r * outputs).update(from: bias, count: outputs) }
        GEMM.parallelMultiply(x, leadingDimensionA: h, head.weight.pointer(as: Float.self), leadingDimensionB: h,
                              transposeB: true, into: po, leadingDimensionC: outputs, m: rows, n: outputs, k: h, beta: 1)
        if activation == .tanh {
            let count = rows * outputs, vectorEnd = count & ~7
            var i = 0
            while i < vectorEnd { storeVector(VectorMath.tanh(loadVector(po + i)), po + i); i += 8 }
            while i < count { po[i] = VectorMath.tanh(po[i]); i += 1 }
        }
        return out
    }
}
