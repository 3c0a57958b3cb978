import Foundation

/// Cosine annealing from `initial` to `minimum` over `totalSteps`
/// (`torch.optim.lr_scheduler.CosineAnnealingLR` with T_max = totalSteps, in its closed form):
///
///     lr(t) = minimum + (initial − minimum) · (1 + cos(π·t / totalSteps)) / 2.
///
/// As in PyTorch's closed form the curve is periodic: after `totalSteps` it rises again.
public struct CosineAnnealingLR: LearningRateSchedule {
    /// The rate at step 0.
    public let initial: Float
    /// The half period T_max.
    public let totalSteps: Int
    /// The rate at step `totalSteps` (η_min).
    public let minimum: Float

    /// A cosine schedule.
    public init(initial: Float, totalSteps: Int, minimum: Float = 0) {
        precondition(totalSteps > 0, "CosineAnnealingLR: totalSteps must be positive, got \(totalSteps)")
        self.initial = initial
        self.totalSteps = totalSteps
        self.minimum = minimum
    }

    /// The rate at `step` (see the type's formula).
    public func learningRate(at step: Int) -> Float {
        let phase = Double.pi * Double(step) / Double(totalSteps)
        return Float(Double(minimum) + Double(initial - minimum) * (1 + Foundation.cos(phase)) / 2)
    }
}
