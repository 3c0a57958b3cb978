import Flint
import FlintNN

/// The projection after self-attention with its residual connection (`BertSelfOutput`):
/// LayerNorm(dropout(dense(context)) + input). Keys `dense.*`, `LayerNorm.*`.
public final class BertSelfOutput: Module {
    /// [H, H] projection.
    public let dense: Linear
    /// Normalises the residual sum (checkpoint name `LayerNorm`).
    public let layerNorm: LayerNorm
    /// Dropout with `hidden_dropout_prob`.
    public let dropout: Dropout

    /// A block shaped by `configuration`, initialised like Hugging Face.
    public init(configuration: BertConfiguration) {
        dense = BertInitialization.linear(configuration.hiddenSize, configuration.hiddenSize, configuration)
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
