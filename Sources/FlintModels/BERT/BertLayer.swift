import Flint
import FlintNN

/// One transformer encoder layer (`BertLayer`): attention, then the feed-forward block.
/// Keys `attention.*`, `intermediate.*`, `output.*`.
public final class BertLayer: Module, UnaryLayer {
    /// Self-attention with residual and LayerNorm.
    public let attention: BertAttention
    /// H → intermediate size with the activation.
    public let intermediate: BertIntermediate
    /// Intermediate size → H with residual and LayerNorm.
    public let output: BertOutput

    /// A layer shaped by `configuration`, initialised like Hugging Face.
    ///
    /// - Throws: ``FlintError`` when `hidden_act` is not a supported activation.
    public init(configuration: BertConfiguration) throws {
        attention = BertAttention(configuration: configuration)
        intermediate = try BertIntermediate(configuration: configuration)
        output = BertOutput(configuration: configuration)
        super.init()
    }

    /// The checkpoint layout.
    public override var directMembers: [ModuleMember] {
        [.child(name: "attention", module: attention), .child(name: "intermediate", module: intermediate),
         .child(name: "output", module: output)]
    }

    /// [B, T, H] → [B, T, H]; `additiveMask` is [B, T] or nil (see ``BertSelfAttention``).
    public func callAsFunction(_ hiddenStates: Tensor, additiveMask: Tensor?) -> Tensor {
        let attended = attention(hiddenStates, additiveMask: additiveMask)
        return output(intermediate(attended), residual: attended)
    }

    /// The layer without a mask.
    public func forward(_ input: Tensor) -> Tensor {
        self(input, additiveMask: nil)
    }
}
