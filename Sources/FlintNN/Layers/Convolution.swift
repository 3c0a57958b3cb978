import Flint

/// A 2-D convolution over [N, C, H, W] inputs (`torch.nn.Conv2d`).
///
/// `weight` is [outputChannels, inputChannels / groups, kH, kW] and `bias` [outputChannels]; both
/// start as U(−1/√fan_in, 1/√fan_in) with fan_in = (inputChannels / groups)·kH·kW, PyTorch's
/// default (kaiming_uniform_ with a = √5).
open class Conv2d: Module, UnaryLayer {
    /// [outputChannels, inputChannels / groups, kH, kW].
    public var weight: Tensor
    /// [outputChannels], or nil without bias.
    public var bias: Tensor?
    /// Channels of the input.
    public let inputChannels: Int
    /// Channels of the output.
    public let outputChannels: Int
    /// (kH, kW).
    public let kernelSize: (Int, Int)
    /// (vertical, horizontal) step.
    public let stride: (Int, Int)
    /// Zeros added on each side (top/bottom, left/right).
    public let padding: (Int, Int)
    /// Spacing between kernel taps.
    public let dilation: (Int, Int)
    /// Independent channel groups.
    public let groups: Int

    /// A convolution with a possibly rectangular kernel, stride, padding and dilation.
    public init(inputChannels: Int, outputChannels: Int, kernelSize: (Int, Int), stride: (Int, Int) = (1, 1),
                padding: (Int, Int) = (0, 0), dilation: (Int, Int) = (1, 1), groups: Int = 1, bias: Bool = true) {
        require(inputChannels > 0 && outputChannels > 0 && groups > 0,
                     "Conv2d: channels and groups must be positive, got \(inputChannels) → \(outputChannels), groups \(groups)")
        require(inputChannels % groups == 0 && outputChannels % groups == 0,
                     "Conv2d: channels \(inputChannels) → \(outputChannels) are not divisible by groups \(groups)")
        require(kernelSize.0 > 0 && kernelSize.1 > 0, "Conv2d: kernel size must be positive, got \(kernelSize)")
        self.inputChannels = inputChannels
        self.outputChannels = outputChannels
        self.kernelSize = kernelSize
        self.stride = stride
        self.padding = padding
        self.dilation = dilation
        self.groups = groups
        let fanIn = inputChannels / groups * kernelSize.0 * kernelSize.1
        (weight, self.bias) = Initialization.defaultLayerParameters(
            weightShape: [outputChannels, inputChannels / groups, kernelSize.0, kernelSize.1],
            biasShape: bias ? [outputChannels] : nil, fanIn: fanIn)
        super.init()
    }

    /// A convolution with a square kernel and equal stride, padding and dilation in both directions.
    public convenience init(inputChannels: Int, outputChannels: Int, kernelSize: Int, stride: Int = 1, padding: Int = 0,
                            dilation: Int = 1, groups: Int = 1, bias: Bool = true) {
        self.init(inputChannels: inputChannels, outputChannels: outputChannels, kernelSize: (kernelSize, kernelSize),
                  stride: (stride, stride), padding: (padding, padding), dilation: (dilation, dilation),
                  groups: groups, bias: bias)
    }

    /// The convolution of `input` ([N, inputChannels, H, W]).
    open func forward(_ input: Tensor) -> Tensor {
        input.conv2d(weight: weight, bias: bias, stride: stride, padding: padding, dilation: dilation, groups: groups)
    }

    /// PyTorch-style configuration summary.
    open override var extraDescription: String {
        var parts = ["\(inputChannels), \(outputChannels)", "kernel_size=\(kernelSize)", "stride=\(stride)"]
        if padding != (0, 0) { parts.append("padding=\(padding)") }
        if dilation != (1, 1) { parts.append("dilation=\(dilation)") }
        if groups != 1 { parts.append("groups=\(groups)") }
        if bias == nil { parts.append("bias=false") }
        return parts.joined(separator: ", ")
    }
}
