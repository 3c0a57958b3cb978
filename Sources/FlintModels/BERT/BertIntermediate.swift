import Flint
import FlintNN

/// The expanding half of the feed-forward block (`BertIntermediate`): activation(dense(x)),
/// H → intermediate size. Key `dense.*`.
public final class BertIntermediate: Module, UnaryLayer {
    /// [intermediateSize, H] projection.
    public let dense: Linear
    /// The `hidden_act` function.
    public let activation: BertActivation

    /// A block shaped by `configuration`, initialised like Hugging Face.
    ///
    /// - Throws: ``FlintError`` when `hidden_act` is not a supported activation.
    public init(configuration: BertConfiguration) throws {
        activation = try BertActivation(configurationName: configuration.hiddenActivation)
        dense = BertInitialization.linear(configuration.hiddenSize, configuration.intermediateSize, configuration)
        super.init()
    }

    /// The checkpoint layout.
    public override var directMembers: [ModuleMember] {
        [.child(name: "dense", module: dense)]
    }

    /// activation(dense(input)).
    public func forward(_ input: Tensor) -> Tensor {
        activation(dense(input))
    }
}
