import Flint
import FlintNN

/// tanh(dense(h[CLS])) (`BertPooler`): the first token's final hidden state through an [H, H]
/// layer and tanh. Key `dense.*`.
public final class BertPooler: Module, UnaryLayer {
    /// [H, H] projection.
    public let dense: Linear

    /// A pooler shaped by `configuration`, initialised like Hugging Face.
    public init(configuration: BertConfiguration) {
        dense = BertInitialization.linear(configuration.hiddenSize, configuration.hiddenSize, configuration)
        super.init()
    }

    /// The checkpoint layout.
    public override var directMembers: [ModuleMember] {
        [.child(name: "dense", module: dense)]
    }

    /// [B, T, H] → [B, H].
    public func forward(_ input: Tensor) -> Tensor {
        dense(input.select(axis: 1, index: 0)).tanh()
    }
}
