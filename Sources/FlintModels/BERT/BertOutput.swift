import Flint
import FlintNN

/// The contracting half of the feed-forward block with its residual (`BertOutput`):
/// LayerNorm(dropout(dense(x)) + input), intermediate size → H. Keys `dense.*`, `LayerNorm.*`.
public final class BertOutput: Module {
    /// [H, intermediateSize] projection.
    public let dense: Linear
    /// Normalises the residual sum (checkpoint name `LayerNorm`).
    public let layerNorm: LayerNorm
    /// Dropout with `hidden_dropout_prob`.
    public let dropout: Dropout

    /// A block shaped by `configuration`, initialised like Hugging Face.
    public init(configuration: BertConfiguration) {
        dense = BertInitialization.linear(configuration.intermediateSize, configuration.hiddenSize, configuration)
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
