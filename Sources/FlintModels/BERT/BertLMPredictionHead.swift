import Flint
import FlintNN

/// The masked-language-model head of BERT (`BertLMPredictionHead` inside `BertOnlyMLMHead`):
///
///     t = LayerNorm(act(h·W_tᵀ + b_t)),   logits = t·Eᵀ + b,
///
/// where `act` is the configuration's `hidden_act` (GELU for BERT), E [vocab, H] is the word-embedding
/// table of the encoder (the decoder weight is tied to it, as in Hugging Face: it is passed in, not
/// owned, so one Tensor receives the gradient of both uses) and b [vocab] is the output bias.
///
/// State-dict keys (relative to `cls.predictions.`): `transform.dense.weight`, `transform.dense.bias`,
/// `transform.LayerNorm.weight`, `transform.LayerNorm.bias`, `bias`.
public final class BertLMPredictionHead: Module {
    /// dense → activation → LayerNorm (checkpoint name `transform`).
    public let transform: BertPredictionHeadTransform
    /// [vocab] output bias (checkpoint name `bias`; Hugging Face ties `decoder.bias` to it).
    public let bias: Tensor

    /// A head shaped by `configuration`, initialised like Hugging Face's `_init_weights`: dense
    /// N(0, initializer_range²) with zero bias, LayerNorm γ = 1, β = 0, output bias 0.
    ///
    /// - Throws: ``FlintError`` when `hidden_act` is not a supported activation.
    public init(configuration: BertConfiguration) throws {
        transform = try BertPredictionHeadTransform(configuration: configuration)
        bias = Tensor.zeros([configuration.vocabularySize])
        bias.requiresGrad = true
        super.init()
    }

    /// The checkpoint layout.
    public override var directMembers: [ModuleMember] {
        [.child(name: "transform", module: transform), .parameter(name: "bias", tensor: bias)]
    }

    /// Logits [..., vocab] for hidden states [..., H], decoded with the tied `decoderWeight` [vocab, H].
    public func callAsFunction(_ hidden: Tensor, decoderWeight: Tensor) -> Tensor {
        require(decoderWeight.rank == 2 && decoderWeight.shape[0] == bias.count
                    && decoderWeight.shape[1] == transform.dense.inputFeatures,
                "BertLMPredictionHead: decoder weight \(decoderWeight.shape) must be [\(bias.count), \(transform.dense.inputFeatures)]")
        return transform(hidden).linear(weight: decoderWeight, bias: bias)
    }
}

/// LayerNorm(act(h·Wᵀ + b)) (`BertPredictionHeadTransform`), [..., H] → [..., H]. Keys `dense.*`,
/// `LayerNorm.*`.
public final class BertPredictionHeadTransform: Module, UnaryLayer {
    /// [H, H] projection.
    public let dense: Linear
    /// The configuration's `hidden_act`.
    public let activation: BertActivation
    /// Normalises the activated states (checkpoint name `LayerNorm`).
    public let layerNorm: LayerNorm

    /// A transform shaped by `configuration`, initialised like Hugging Face.
    ///
    /// - Throws: ``FlintError`` when `hidden_act` is not a supported activation.
    public init(configuration: BertConfiguration) throws {
        dense = BertInitialization.linear(configuration.hiddenSize, configuration.hiddenSize, configuration)
        activation = try BertActivation(configurationName: configuration.hiddenActivation)
        layerNorm = LayerNorm(features: configuration.hiddenSize, epsilon: Float(configuration.layerNormEpsilon))
        super.init()
    }

    /// The checkpoint layout.
    public override var directMembers: [ModuleMember] {
        [.child(name: "dense", module: dense), .child(name: "LayerNorm", module: layerNorm)]
    }

    /// LayerNorm(act(dense(x))).
    public func forward(_ input: Tensor) -> Tensor {
        layerNorm(activation(dense(input)))
    }
}

/// The container Hugging Face names `cls` in `BertForMaskedLM` (`BertOnlyMLMHead`): one
/// ``BertLMPredictionHead`` under the key `predictions`.
public final class BertOnlyMLMHead: Module {
    /// The prediction head (checkpoint prefix `predictions.`).
    public let predictions: BertLMPredictionHead

    /// A head shaped by `configuration`.
    ///
    /// - Throws: ``FlintError`` when `hidden_act` is not a supported activation.
    public init(configuration: BertConfiguration) throws {
        predictions = try BertLMPredictionHead(configuration: configuration)
        super.init()
    }

    /// The checkpoint layout.
    public override var directMembers: [ModuleMember] {
        [.child(name: "predictions", module: predictions)]
    }
}
