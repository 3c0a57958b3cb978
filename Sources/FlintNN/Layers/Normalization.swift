import Flint

/// Batch normalisation over the channel dimension (axis 1), the shared implementation of
/// ``BatchNorm1d`` and ``BatchNorm2d`` (PyTorch's `_BatchNorm`).
///
/// y = γ·(x − μ)/√(σ² + ε) + β per channel. In training mode μ and σ² are the batch statistics
/// and the running statistics are updated in place,
/// running = (1 − m)·running + m·batch (the unbiased batch variance for `running_var`), with
/// m = `momentum`, or m = 1/`num_batches_tracked` (a cumulative average) when `momentum` is nil;
/// `num_batches_tracked` counts training batches. In evaluation mode the running statistics are
/// used. State-dict keys: `weight`, `bias`, `running_mean`, `running_var`, `num_batches_tracked`.
open class BatchNorm: Module, UnaryLayer {
    /// γ, [features] (nil when not affine).
    public var weight: Tensor?
    /// β, [features] (nil when not affine).
    public var bias: Tensor?
    /// The running mean, [features] (nil when running statistics are not tracked).
    @Buffer public var runningMean: Tensor?
    /// The running (unbiased) variance, [features] (nil when not tracked); key `running_var`.
    @Buffer public var runningVariance: Tensor?
    /// Training batches seen, an int64 scalar (nil when not tracked).
    @Buffer public var numBatchesTracked: Tensor?
    /// The number of channels C.
    public let features: Int
    /// The running-average factor, or nil for a cumulative average.
    public let momentum: Float?
    /// Added to the variance.
    public let epsilon: Float

    /// A batch normalisation layer; γ starts at 1, β at 0, the running mean at 0 and variance at 1.
    public init(features: Int, momentum: Float? = 0.1, epsilon: Float = 1e-5, affine: Bool = true,
                trackRunningStatistics: Bool = true) {
        require(features > 0, "BatchNorm: features must be positive, got \(features)")
        self.features = features
        self.momentum = momentum
        self.epsilon = epsilon
        weight = affine ? Tensor.ones([features]).requiringGrad() : nil
        bias = affine ? Tensor.zeros([features]).requiringGrad() : nil
        _runningMean = Buffer(wrappedValue: trackRunningStatistics ? Tensor.zeros([features]) : nil)
        _runningVariance = Buffer(wrappedValue: trackRunningStatistics ? Tensor.ones([features]) : nil,
                                  name: "running_var")
        _numBatchesTracked = Buffer(wrappedValue: trackRunningStatistics ? Tensor(integers: [0], shape: []) : nil)
        super.init()
    }

    /// Checks the input's rank; subclasses accept their layouts.
    open func validate(_ input: Tensor) {
        require(input.rank >= 2, "\(type(of: self)): input must be [N, C, …], got \(input.shape)")
    }

    /// Applies the layer.
    open func forward(_ input: Tensor) -> Tensor {
        validate(input)
        require(input.shape[1] == features,
                     "\(type(of: self)): input \(input.shape) has \(input.shape[1]) channels, expected \(features)")
        var factor = momentum ?? 0
        if isTraining, let counter = numBatchesTracked {
            let count = counter.pointer(as: Int64.self)
            count.pointee += 1
            if momentum == nil { factor = 1 / Float(count.pointee) }
        }
        // Running statistics are used in evaluation and updated in training; without them the
        // batch statistics are always used.
        let training = isTraining || runningMean == nil || runningVariance == nil
        return input.batchNorm(runningMean: runningMean, runningVariance: runningVariance, weight: weight, bias: bias,
                               training: training, momentum: factor, epsilon: epsilon)
    }

    /// PyTorch-style configuration summary.
    open override var extraDescription: String {
        "\(features), eps=\(epsilon), momentum=\(momentum.map { "\($0)" } ?? "None"), affine=\(weight != nil), "
            + "track_running_stats=\(runningMean != nil)"
    }
}

/// Batch normalisation of [N, C] or [N, C, L] inputs (`torch.nn.BatchNorm1d`); see ``BatchNorm``.
open class BatchNorm1d: BatchNorm {
    /// Requires the layout this layer accepts.
    open override func validate(_ input: Tensor) {
        require(input.rank == 2 || input.rank == 3, "BatchNorm1d: input must be [N, C] or [N, C, L], got \(input.shape)")
    }
}

/// Batch normalisation of [N, C, H, W] inputs (`torch.nn.BatchNorm2d`); see ``BatchNorm``.
open class BatchNorm2d: BatchNorm {
    /// Requires the layout this layer accepts.
    open override func validate(_ input: Tensor) {
        require(input.rank == 4, "BatchNorm2d: input must be [N, C, H, W], got \(input.shape)")
    }
}

/// Layer normalisation over the trailing dimensions `normalizedShape` (`torch.nn.LayerNorm`):
/// y = γ·(x − μ)/√(σ² + ε) + β with μ, σ² (biased) over those dimensions of each sample;
/// γ starts at 1 and β at 0, both of shape `normalizedShape`.
open class LayerNorm: Module, UnaryLayer {
    /// γ (nil without elementwise affine).
    public var weight: Tensor?
    /// β (nil without elementwise affine or without bias).
    public var bias: Tensor?
    /// The trailing shape normalised over.
    public let normalizedShape: [Int]
    /// Added to the variance.
    public let epsilon: Float

    /// A layer normalisation layer.
    public init(_ normalizedShape: [Int], epsilon: Float = 1e-5, elementwiseAffine: Bool = true, bias: Bool = true) {
        require(!normalizedShape.isEmpty && normalizedShape.allSatisfy { $0 > 0 },
                     "LayerNorm: normalized shape must be non-empty and positive, got \(normalizedShape)")
        self.normalizedShape = normalizedShape
        self.epsilon = epsilon
        weight = elementwiseAffine ? Tensor.ones(normalizedShape).requiringGrad() : nil
        self.bias = elementwiseAffine && bias ? Tensor.zeros(normalizedShape).requiringGrad() : nil
        super.init()
    }

    /// A layer normalisation over the last dimension of size `features`.
    public convenience init(features: Int, epsilon: Float = 1e-5, elementwiseAffine: Bool = true) {
        self.init([features], epsilon: epsilon, elementwiseAffine: elementwiseAffine)
    }

    /// Applies the layer.
    open func forward(_ input: Tensor) -> Tensor {
        input.layerNorm(normalizedShape: normalizedShape, weight: weight, bias: bias, epsilon: epsilon)
    }

    /// PyTorch-style configuration summary.
    open override var extraDescription: String {
        "\(normalizedShape), eps=\(epsilon), elementwise_affine=\(weight != nil)"
    }
}
