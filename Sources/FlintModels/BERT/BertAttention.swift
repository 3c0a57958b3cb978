import Flint
import FlintNN

/// Self-attention plus its output projection and residual (`BertAttention`); keys `self.*`
/// (``BertSelfAttention``) and `output.*` (``BertSelfOutput``).
public final class BertAttention: Module {
    /// The attention heads (checkpoint name `self`).
    public let selfAttention: BertSelfAttention
    /// Projection, dropout, residual and LayerNorm.
    public let output: BertSelfOutput

    /// A block shaped by `configuration`, initialised like Hugging Face.
    public init(configuration: BertConfiguration) {
        selfAttention = BertSelfAttention(configuration: configuration)
        output = BertSelfOutput(configuration: configuration)
        super.init()
    }

    /// The checkpoint layout.
    public override var directMembers: [ModuleMember] {
        [.child(name: "self", module: selfAttention), .child(name: "output", module: output)]
    }

    /// [B, T, H] → [B, T, H]; `additiveMask` as in ``BertSelfAttention``.
    public func callAsFunction(_ hiddenStates: Tensor, additiveMask: Tensor?) -> Tensor {
        output(selfAttention(hiddenStates, additiveMask: additiveMask), residual: hiddenStates)
    }
}
