import Flint

/// The maximum over each window of [N, C, H, W] inputs (`torch.nn.MaxPool2d`).
open class MaxPool2d: Module, UnaryLayer {
    /// (kH, kW).
    public let kernelSize: (Int, Int)
    /// Step between windows (PyTorch's default: the kernel size).
    public let stride: (Int, Int)
    /// Implicit −∞ padding on each side.
    public let padding: (Int, Int)

    /// Max pooling with rectangular windows; `stride` defaults to `kernelSize`.
    public init(kernelSize: (Int, Int), stride: (Int, Int)? = nil, padding: (Int, Int) = (0, 0)) {
        self.kernelSize = kernelSize
        self.stride = stride ?? kernelSize
        self.padding = padding
        super.init()
    }

    /// Max pooling with square windows; `stride` defaults to `kernelSize`.
    public convenience init(kernelSize: Int, stride: Int? = nil, padding: Int = 0) {
        self.init(kernelSize: (kernelSize, kernelSize), stride: stride.map { ($0, $0) }, padding: (padding, padding))
    }

    /// The pooled input.
    open func forward(_ input: Tensor) -> Tensor {
        input.maxPool2d(kernelSize: kernelSize, stride: stride, padding: padding)
    }

    /// PyTorch-style configuration summary.
    open override var extraDescription: String { "kernel_size=\(kernelSize), stride=\(stride), padding=\(padding)" }
}

/// The mean over each window of [N, C, H, W] inputs (`torch.nn.AvgPool2d`).
open class AvgPool2d: Module, UnaryLayer {
    /// (kH, kW).
    public let kernelSize: (Int, Int)
    /// Step between windows (PyTorch's default: the kernel size).
    public let stride: (Int, Int)
    /// Zero padding on each side.
    public let padding: (Int, Int)
    /// Whether padded zeros count in the divisor.
    public let countIncludePad: Bool

    /// Average pooling with rectangular windows; `stride` defaults to `kernelSize`.
    public init(kernelSize: (Int, Int), stride: (Int, Int)? = nil, padding: (Int, Int) = (0, 0),
                countIncludePad: Bool = true) {
        self.kernelSize = kernelSize
        self.stride = stride ?? kernelSize
        self.padding = padding
        self.countIncludePad = countIncludePad
        super.init()
    }

    /// Average pooling with square windows; `stride` defaults to `kernelSize`.
    public convenience init(kernelSize: Int, stride: Int? = nil, padding: Int = 0, countIncludePad: Bool = true) {
        self.init(kernelSize: (kernelSize, kernelSize), stride: stride.map { ($0, $0) }, padding: (padding, padding),
                  countIncludePad: countIncludePad)
    }

    /// The pooled input.
    open func forward(_ input: Tensor) -> Tensor {
        input.avgPool2d(kernelSize: kernelSize, stride: stride, padding: padding, countIncludePad: countIncludePad)
    }

    /// PyTorch-style configuration summary.
    open override var extraDescription: String { "kernel_size=\(kernelSize), stride=\(stride), padding=\(padding)" }
}

/// Average pooling to a fixed output size whatever the input size (`torch.nn.AdaptiveAvgPool2d`):
/// output cell (i, j) averages input rows ⌊i·H/h⌋ ..< ⌈(i+1)·H/h⌉ and likewise columns.
open class AdaptiveAvgPool2d: Module, UnaryLayer {
    /// (h, w) of the output.
    public let outputSize: (Int, Int)

    /// Pooling to `outputSize`.
    public init(outputSize: (Int, Int)) {
        self.outputSize = outputSize
        super.init()
    }

    /// Pooling to a square `outputSize` × `outputSize` (1 gives global average pooling).
    public convenience init(outputSize: Int) {
        self.init(outputSize: (outputSize, outputSize))
    }

    /// The pooled input.
    open func forward(_ input: Tensor) -> Tensor {
        input.adaptiveAvgPool2d(outputSize: outputSize)
    }

    /// PyTorch-style configuration summary.
    open override var extraDescription: String { "output_size=\(outputSize)" }
}
