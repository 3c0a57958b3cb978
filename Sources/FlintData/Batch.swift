import Flint

/// A mini-batch: stacked inputs and their class labels.
public struct Batch: Sendable {
    /// The inputs, batch dimension first (for images `[N, C, H, W]`, float32).
    public let inputs: Tensor
    /// The class index of each input, `[N]`, int64.
    public let labels: Tensor

    /// Pairs `inputs` with `labels`; the batch sizes must agree and labels must be int64.
    public init(inputs: Tensor, labels: Tensor) {
        require(labels.dtype == .int64, "Batch: labels must be int64, got \(labels.dtype)")
        require(labels.rank == 1 && inputs.rank >= 1 && inputs.shape[0] == labels.shape[0],
                     "Batch: inputs \(inputs.shape) and labels \(labels.shape) disagree on the batch size")
        self.inputs = inputs
        self.labels = labels
    }

    /// The number of examples.
    public var count: Int { labels.shape[0] }
}
