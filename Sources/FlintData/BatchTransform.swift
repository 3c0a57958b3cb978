import Flint

/// A transformation of a whole batch of inputs, applied after gathering (data augmentation or
/// normalisation), like a torchvision transform vectorised over the batch.
///
/// Random transforms draw from the generator they are given, so a ``DataLoader`` with a fixed
/// seed produces the same augmented batches on every run, with or without prefetching.
public protocol BatchTransform: Sendable {
    /// Transforms `inputs` (for images `[N, C, H, W]` float32) into a new tensor; `inputs` is
    /// not modified.
    func apply(to inputs: Tensor, using generator: inout RandomGenerator) -> Tensor
}

/// Several transforms applied in order, like `torchvision.transforms.Compose`.
public struct ComposedTransform: BatchTransform {
    /// The transforms, first applied first.
    public let transforms: [any BatchTransform]

    /// Applies `transforms` in order.
    public init(_ transforms: [any BatchTransform]) {
        self.transforms = transforms
    }

    /// Applies each transform to the output of the previous one, all drawing from `generator`.
    public func apply(to inputs: Tensor, using generator: inout RandomGenerator) -> Tensor {
        var x = inputs
        for transform in transforms {
            x = transform.apply(to: x, using: &generator)
        }
        return x
    }
}
