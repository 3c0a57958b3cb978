import Flint

/// Parameters that share optimizer options, such as weight-decayed weights versus biases and
/// normalisation parameters without decay (`param_groups` in PyTorch).
public struct ParameterGroup<Options> {
    /// The parameters.
    public var parameters: [Tensor]
    /// Their hyper-parameters.
    public var options: Options

    /// A group of `parameters` using `options`.
    public init(_ parameters: [Tensor], options: Options) {
        self.parameters = parameters
        self.options = options
    }
}

/// Hyper-parameters with a learning rate, shared by every optimizer's options.
public protocol OptimizerOptions {
    /// The step size.
    var learningRate: Float { get set }
}

extension Module {
    /// The parameters split for weight decay: matrices and convolution kernels (rank ≥ 2) decay;
    /// biases and normalisation scales and shifts (rank ≤ 1) do not — the usual transformer / CNN
    /// recipe. Pass the two lists as two ``ParameterGroup``s.
    public func parametersSplitForWeightDecay() -> (decayed: [Tensor], notDecayed: [Tensor]) {
        let all = parameters()
        return (all.filter { $0.rank >= 2 }, all.filter { $0.rank < 2 })
    }
}
