import Flint

/// A lookup table of `count` vectors of `dimensions` entries (`torch.nn.Embedding`): integer
/// indices of any shape S give vectors of shape S + [dimensions]. The weight starts as N(0, 1),
/// PyTorch's default, drawn from the default random generator.
open class Embedding: Module, UnaryLayer {
    /// [count, dimensions].
    public var weight: Tensor
    /// The number of entries.
    public let count: Int
    /// The size of each vector.
    public let dimensions: Int

    /// A table with freshly initialised N(0, 1) vectors.
    public init(count: Int, dimensions: Int) {
        require(count > 0 && dimensions > 0, "Embedding: count and dimensions must be positive, got \(count) and \(dimensions)")
        self.count = count
        self.dimensions = dimensions
        let w = Tensor(uninitializedShape: [count, dimensions])
        Initialization.normal(w)
        weight = w.requiringGrad()
        super.init()
    }

    /// The rows of `weight` for every index in `input` (int64 or int32).
    open func forward(_ input: Tensor) -> Tensor {
        Tensor.embedding(input, weight: weight)
    }

    /// PyTorch-style configuration summary.
    open override var extraDescription: String { "\(count), \(dimensions)" }
}
