import Flint
import FlintNN

/// The trainable BERT encoder (`transformers.BertModel`): ``BertEmbeddings``, a
/// ``BertLayerStack`` of layers and an optional ``BertPooler``, with autograd through everything.
///
/// Parameter names equal the Hugging Face checkpoint names (`embeddings.word_embeddings.weight`,
/// `encoder.layer.0.attention.self.query.weight`, …, `pooler.dense.bias`), so
/// ``load(weights:source:)`` maps a checkpoint one to one.
///
/// ```swift
/// let model = try BertModel(configuration: configuration, weights: weights)
/// let batch = BertInputBatch(sequences: [[101, 7592, 102], [101, 102]])
/// let output = model(inputIds: batch.inputIds, attentionMask: batch.attentionMask)
/// output.lastHiddenState   // [2, 3, H]
/// ```
public final class BertModel: Module, UnaryLayer {
    /// The hyper-parameters the model was built from.
    public let configuration: BertConfiguration
    /// Token, position and type embeddings.
    public let embeddings: BertEmbeddings
    /// The encoder layers (checkpoint name `encoder`).
    public let encoder: BertLayerStack
    /// The [CLS] pooler, or nil (`add_pooling_layer=False`).
    public let pooler: BertPooler?

    /// A freshly initialised model, initialised like Hugging Face's `_init_weights`: Linear and
    /// Embedding weights N(0, initializer_range²), biases 0, LayerNorm γ = 1 and β = 0, the padding
    /// row 0. Draws from the default random generator.
    ///
    /// - Throws: ``FlintError`` when `hidden_act` is not a supported activation.
    public convenience init(configuration: BertConfiguration, addPoolingLayer: Bool = true) throws {
        try self.init(configuration: configuration, addPoolingLayer: addPoolingLayer, randomlyInitialized: true)
    }

    /// A model with the weights of a checkpoint (names with or without the `bert.` prefix).
    ///
    /// - Throws: ``FlintError`` for an unsupported activation; ``StateDictError`` when weights are
    ///   missing or have the wrong shape (see ``load(weights:source:)``).
    public convenience init(configuration: BertConfiguration, weights: [String: Tensor], addPoolingLayer: Bool = true,
                            source: String = "BertModel") throws {
        // Every parameter is about to be overwritten: skip the N(0, σ²) fills.
        try self.init(configuration: configuration, addPoolingLayer: addPoolingLayer, randomlyInitialized: false)
        try load(weights: weights, source: source)
    }

    /// Builds the layers; without `randomlyInitialized` the N(0, σ²) fills are skipped (for a
    /// model whose weights are loaded next).
    init(configuration: BertConfiguration, addPoolingLayer: Bool, randomlyInitialized: Bool) throws {
        // A configuration built or edited in code gets the same checks as a decoded config.json.
        do { try configuration.validate() } catch let invalid as ConfigurationFieldError {
            throw FlintError.invalidArgument(operation: "BertModel", message: invalid.description)
        }
        self.configuration = configuration
        (embeddings, encoder, pooler) = try BertInitialization.$skipsRandomInitialization.withValue(!randomlyInitialized) {
            (BertEmbeddings(configuration: configuration), try BertLayerStack(configuration: configuration),
             addPoolingLayer ? BertPooler(configuration: configuration) : nil)
        }
        super.init()
    }

    /// The checkpoint layout.
    public override var directMembers: [ModuleMember] {
        var members: [ModuleMember] = [.child(name: "embeddings", module: embeddings), .child(name: "encoder", module: encoder)]
        if let pooler { members.append(.child(name: "pooler", module: pooler)) }
        return members
    }

    /// Runs the encoder.
    ///
    /// - Parameters:
    ///   - inputIds: [B, T] int64 (or int32) token ids.
    ///   - attentionMask: [B, T], 1 (or true) for tokens to attend to and 0 for padding, any dtype;
    ///     nil attends everywhere.
    ///   - tokenTypeIds: [B, T] segment ids; nil means all 0.
    public func callAsFunction(inputIds: Tensor, attentionMask: Tensor? = nil, tokenTypeIds: Tensor? = nil) -> BertModelOutput {
        let additive = attentionMask.map { BertModel.additiveMask($0, inputShape: inputIds.shape) }
        let hidden = encoder(embeddings(inputIds: inputIds, tokenTypeIds: tokenTypeIds), additiveMask: additive)
        return BertModelOutput(lastHiddenState: hidden, poolerOutput: pooler?(hidden))
    }

    /// The last hidden state for `input` ids with no padding.
    public func forward(_ input: Tensor) -> Tensor {
        self(inputIds: input).lastHiddenState
    }

    /// 0 where `mask` is nonzero and −Float.greatestFiniteMagnitude where it is 0, as float32
    /// [B, T]: Hugging Face's extended attention mask (1 − mask)·finfo(float32).min before it is
    /// broadcast over heads and queries.
    static func additiveMask(_ mask: Tensor, inputShape: [Int]) -> Tensor {
        require(mask.shape == inputShape, "BertModel: attention mask \(mask.shape) must match input ids \(inputShape)")
        let values = withNoGrad { mask.to(.float32).contiguous() }
        let out = Tensor(uninitializedShape: inputShape)
        let source = values.pointer(as: Float.self), target = out.pointer(as: Float.self)
        for i in 0..<out.count { target[i] = source[i] != 0 ? 0 : -Float.greatestFiniteMagnitude }
        return out
    }

    /// Copies checkpoint weights into the model, in place.
    ///
    /// Names may carry the `bert.` prefix of task checkpoints (it is removed);
    /// `embeddings.position_ids` and `embeddings.token_type_ids` (buffers of older checkpoints) are
    /// ignored, and so are names the model does not have (heads such as `classifier.*` or `cls.*`),
    /// which are reported as unexpected keys. Half-precision weights are converted.
    ///
    /// - Parameter source: named in errors (the checkpoint file).
    /// - Throws: ``StateDictError`` listing every missing name and every shape mismatch (expected
    ///   and found); the model is unchanged when it throws.
    @discardableResult
    public func load(weights: [String: Tensor], source: String = "BertModel") throws -> BertWeightLoadReport {
        try BertWeightLoading.load(into: self, weights: weights, source: source, optionalPrefixes: []) { name in
            let stripped = name.hasPrefix("bert.") ? String(name.dropFirst(5)) : name
            return BertWeightLoading.ignoredBuffers.contains(stripped) ? nil : stripped
        }
    }
}
