import Flint

/// ``crossEntropy(logits:targets:labelSmoothing:ignoreIndex:reduction:)`` with fixed options, as
/// `torch.nn.CrossEntropyLoss`: `let loss = CrossEntropyLoss(labelSmoothing: 0.1); loss(logits, y)`.
public struct CrossEntropyLoss: Sendable {
    /// The smoothing ε.
    public var labelSmoothing: Float
    /// The target value that is skipped.
    public var ignoreIndex: Int
    /// How per-target losses combine.
    public var reduction: Reduction

    /// A loss with the given options (PyTorch's defaults).
    public init(labelSmoothing: Float = 0, ignoreIndex: Int = -100, reduction: Reduction = .mean) {
        self.labelSmoothing = labelSmoothing
        self.ignoreIndex = ignoreIndex
        self.reduction = reduction
    }

    /// The loss of `logits` against class-index `targets`; throws as ``crossEntropy(logits:targets:labelSmoothing:ignoreIndex:reduction:)``.
    public func callAsFunction(_ logits: Tensor, _ targets: Tensor) throws -> Tensor {
        try crossEntropy(logits: logits, targets: targets, labelSmoothing: labelSmoothing, ignoreIndex: ignoreIndex,
                     reduction: reduction)
    }
}

/// ``nllLoss(logProbabilities:targets:ignoreIndex:reduction:)`` with fixed options (`torch.nn.NLLLoss`).
public struct NLLLoss: Sendable {
    /// The target value that is skipped.
    public var ignoreIndex: Int
    /// How per-target losses combine.
    public var reduction: Reduction

    /// A loss with the given options.
    public init(ignoreIndex: Int = -100, reduction: Reduction = .mean) {
        self.ignoreIndex = ignoreIndex
        self.reduction = reduction
    }

    /// The loss of `logProbabilities` against class-index `targets`; throws as ``nllLoss(logProbabilities:targets:ignoreIndex:reduction:)``.
    public func callAsFunction(_ logProbabilities: Tensor, _ targets: Tensor) throws -> Tensor {
        try nllLoss(logProbabilities: logProbabilities, targets: targets, ignoreIndex: ignoreIndex, reduction: reduction)
    }
}

/// ``mseLoss(_:_:reduction:)`` with a fixed reduction (`torch.nn.MSELoss`).
public struct MSELoss: Sendable {
    /// How per-element losses combine.
    public var reduction: Reduction

    /// A loss with the given reduction.
    public init(reduction: Reduction = .mean) { self.reduction = reduction }

    /// The loss of `input` against `target`.
    public func callAsFunction(_ input: Tensor, _ target: Tensor) -> Tensor {
        mseLoss(input, target, reduction: reduction)
    }
}

/// ``binaryCrossEntropyWithLogits(_:_:reduction:)`` with a fixed reduction (`torch.nn.BCEWithLogitsLoss`).
public struct BCEWithLogitsLoss: Sendable {
    /// How per-element losses combine.
    public var reduction: Reduction

    /// A loss with the given reduction.
    public init(reduction: Reduction = .mean) { self.reduction = reduction }

    /// The loss of `logits` against `targets`.
    public func callAsFunction(_ logits: Tensor, _ targets: Tensor) -> Tensor {
        binaryCrossEntropyWithLogits(logits, targets, reduction: reduction)
    }
}
