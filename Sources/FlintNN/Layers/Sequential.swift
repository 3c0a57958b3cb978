import Flint

/// Layers applied one after another (`torch.nn.Sequential`); children are named `0`, `1`, …,
/// so parameters are `0.weight`, `2.bias`, ….
open class Sequential: Module {
    /// The layers in order.
    public let layers: [Module]

    /// Chains `layers`.
    public init(_ layers: [Module]) {
        self.layers = layers
        super.init()
    }

    /// Chains `layers`.
    public convenience init(_ layers: Module...) {
        self.init(layers)
    }

    /// The layers, named by position.
    open override var directMembers: [ModuleMember] {
        layers.enumerated().map { .child(name: String($0.offset), module: $0.element) }
    }

    /// Feeds the input through every layer in turn.
    open override func forward(_ input: Tensor) -> Tensor {
        var x = input
        for layer in layers { x = layer(x) }
        return x
    }

    /// The layer at `index`.
    public subscript(index: Int) -> Module { layers[index] }

    /// The number of layers.
    public var count: Int { layers.count }
}
