import Flint
import FlintNN

/// A projection back to the hidden size with its residual connection:
/// LayerNorm(dropout(dense(x)) + residual). Keys `dense.*`, `LayerNorm.*`. BERT uses it twice per layer:
/// after self-attention (``BertSelfOutput``, H → H) and after the feed-forward block (``BertOutput``,
/// intermediate size → H).
public class BertResidualOutput: Module {
    /// [H, inputSize] projection.
    public let dense: Linear
    /// Normalises the residual sum (checkpoint name `LayerNorm`).
    public let layerNorm: LayerNorm
    /// Dropout with `hidden_dropout_prob`.
    public let dropout: Dropout

    /// A block from `inputSize` features to H, initialised like Hugging Face.
    init(inputSize: Int, configuration: BertConfiguration) {
        dense = BertInitialization.linear(inputSize, configuration.hiddenSize, configuration)
        layerNorm = LayerNorm(features: configuration.hiddenSize, epsilon: Float(configuration.layerNormEpsilon))
        dropout = Dropout(probability: Float(configuration.hiddenDropoutProbability))
        super.init()
    }

    /// The checkpoint layout.
    public override var directMembers: [ModuleMember] {
        [.child(name: "dense", module: dense), .child(name: "LayerNorm", module: layerNorm),
         .child(name: "dropout", module: dropout)]
    }

    /// LayerNorm(dropout(dense(hiddenStates)) + residual).
    public func callAsFunction(_ hiddenStates: Tensor, residual: Tensor) -> Tensor {
        layerNorm(dropout(dense(hiddenStates)) + residual)
    }
}

/// The projection after self-attention (`BertSelfOutput`): H → H, with the residual and LayerNorm.
public final class BertSelfOutput: BertResidualOutput {
    /// A block shaped by `configuration`, initialised like Hugging Face.
    public init(configuration: BertConfiguration) {
        super.init(inputSize: configuration.hiddenSize, configuration: configuration)
    }
}

/// The contracting half of the feed-forward block (`BertOutput`): intermediate size → H, with the residual
/// and LayerNorm.
public final class BertOutput: BertResidualOutput {
    /// A block shaped by `configuration`, initialised like Hugging Face.
    public init(configuration: BertConfiguration) {
        super.init(inputSize: configuration.intermediateSize, configuration: configuration)
    }
}
