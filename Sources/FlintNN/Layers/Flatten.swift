import Flint

/// Flattens dimensions `startAxis...endAxis` into one (`torch.nn.Flatten`; by default every
/// dimension after the batch: [N, C, H, W] → [N, C·H·W]).
open class Flatten: Module, UnaryLayer {
    /// The first dimension merged.
    public let startAxis: Int
    /// The last dimension merged (negative counts from the end).
    public let endAxis: Int

    /// Merges `startAxis...endAxis`.
    public init(startAxis: Int = 1, endAxis: Int = -1) {
        self.startAxis = startAxis
        self.endAxis = endAxis
        super.init()
    }

    /// The flattened view (a copy only if the input is not contiguous).
    open func forward(_ input: Tensor) -> Tensor {
        input.flattened(from: startAxis, to: endAxis)
    }

    /// PyTorch-style configuration summary.
    open override var extraDescription: String { "start_dim=\(startAxis), end_dim=\(endAxis)" }
}
