import Flint

/// A fully connected layer y = x·Wᵀ + b (`torch.nn.Linear`).
///
/// `weight` is [outputFeatures, inputFeatures] and `bias` [outputFeatures]; both start as
/// U(−1/√inputFeatures, 1/√inputFeatures), PyTorch's default (kaiming_uniform_ with a = √5).
/// The input may have any leading dimensions: [..., inputFeatures] → [..., outputFeatures].
open class Linear: Module, UnaryLayer {
    /// [outputFeatures, inputFeatures].
    public var weight: Tensor
    /// [outputFeatures], or nil without bias.
    public var bias: Tensor?
    /// Features per input row.
    public let inputFeatures: Int
    /// Features per output row.
    public let outputFeatures: Int

    /// A layer with freshly initialised weights (from the default random generator).
    public init(inputFeatures: Int, outputFeatures: Int, bias: Bool = true) {
        require(inputFeatures > 0 && outputFeatures > 0,
                     "Linear: feature counts must be positive, got \(inputFeatures) → \(outputFeatures)")
        self.inputFeatures = inputFeatures
        self.outputFeatures = outputFeatures
        (weight, self.bias) = Initialization.defaultLayerParameters(
            weightShape: [outputFeatures, inputFeatures], biasShape: bias ? [outputFeatures] : nil, fanIn: inputFeatures)
        super.init()
    }

    /// x·Wᵀ + b over the last dimension.
    open func forward(_ input: Tensor) -> Tensor {
        input.linear(weight: weight, bias: bias)
    }

    /// PyTorch-style configuration summary.
    open override var extraDescription: String {
        "in_features=\(inputFeatures), out_features=\(outputFeatures), bias=\(bias != nil)"
    }
}
