import Flint
import FlintNN

/// The stack of encoder layers of a trainable ``BertModel`` (Hugging Face's `BertEncoder`, whose
/// checkpoint key `encoder` this module keeps): children `layer.0`, `layer.1`, ….
///
/// (The name ``BertEncoder`` belongs to the no-autograd inference engine.)
public final class BertLayerStack: Module, UnaryLayer {
    /// The layers in order.
    public let layers: [BertLayer]

    /// `num_hidden_layers` layers shaped by `configuration`, initialised like Hugging Face.
    ///
    /// - Throws: ``FlintError`` when `hidden_act` is not a supported activation.
    public init(configuration: BertConfiguration) throws {
        layers = try (0..<configuration.hiddenLayerCount).map { _ in try BertLayer(configuration: configuration) }
        super.init()
    }

    /// The checkpoint layout: `layer.N`.
    public override var directMembers: [ModuleMember] {
        layers.enumerated().map { .child(name: "layer.\($0.offset)", module: $0.element) }
    }

    /// Runs every layer in turn over [B, T, H] with the [B, T] additive mask (or nil).
    public func callAsFunction(_ hiddenStates: Tensor, additiveMask: Tensor?) -> Tensor {
        var x = hiddenStates
        for layer in layers { x = layer(x, additiveMask: additiveMask) }
        return x
    }

    /// The stack without a mask.
    public func forward(_ input: Tensor) -> Tensor {
        self(input, additiveMask: nil)
    }
}
