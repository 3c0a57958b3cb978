import Foundation

/// Decays the rate by `gamma` every `stepSize` steps (`torch.optim.lr_scheduler.StepLR`):
/// lr(t) = initial · gamma^⌊t / stepSize⌋.
public struct StepLR: LearningRateSchedule {
    /// The rate at step 0.
    public let initial: Float
    /// Steps between decays.
    public let stepSize: Int
    /// The multiplicative decay.
    public let gamma: Float

    /// A step decay schedule.
    public init(initial: Float, stepSize: Int, gamma: Float = 0.1) {
        precondition(stepSize > 0, "StepLR: stepSize must be positive, got \(stepSize)")
        self.initial = initial
        self.stepSize = stepSize
        self.gamma = gamma
    }

    /// The rate at `step`: initial · gamma^⌊step / stepSize⌋.
    public func learningRate(at step: Int) -> Float {
        initial * Float(Foundation.pow(Double(gamma), Double(max(step, 0) / stepSize)))
    }
}
