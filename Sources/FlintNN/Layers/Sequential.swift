import Flint

/// Layers applied one after another (`torch.nn.Sequential`); children are named `0`, `1`, …,
/// so parameters are `0.weight`, `2.bias`, ….
open class Sequential: Module, UnaryLayer {
    /// The layers in order (each takes one tensor, so they chain).
    public let layers: [any UnaryLayer]

    /// Chains `layers`.
    public init(_ layers: [any UnaryLayer]) {
        self.layers = layers
        super.init()
    }

    /// Chains `layers`.
    public convenience init(_ layers: any UnaryLayer...) {
        self.init(layers)
    }

    /// The layers, named by position.
    open override var directMembers: [ModuleMember] {
        layers.enumerated().map { .child(name: String($0.offset), module: $0.element) }
    }

    /// Feeds the input through every layer in turn.
    open func forward(_ input: Tensor) -> Tensor {
        var x = input
        for layer in layers { x = layer(x) }
        return x
    }

    /// The layer at `index`.
    public subscript(index: Int) -> any UnaryLayer { layers[index] }

    /// The number of layers.
    public var count: Int { layers.count }
}
