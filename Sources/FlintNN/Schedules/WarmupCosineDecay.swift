import Flint
import Foundation

/// Linear warm-up then a half-cosine decay to zero, as Hugging Face's
/// `get_cosine_schedule_with_warmup` (one half cycle):
///
///     lr(t) = initial · t / warmupSteps                                   for t < warmupSteps
///     lr(t) = initial · ½ · (1 + cos(π · p)),  p = (t − warmupSteps) / (totalSteps − warmupSteps)   otherwise
///
/// (denominators at least 1; p is clamped to [0, 1], so the rate stays 0 after `totalSteps`).
public struct WarmupCosineDecay: LearningRateSchedule {
    /// The peak rate, reached at `warmupSteps`.
    public let initial: Float
    /// Steps of linear warm-up from 0.
    public let warmupSteps: Int
    /// The step at which the rate reaches 0.
    public let totalSteps: Int

    /// A warm-up/cosine schedule.
    public init(initial: Float, warmupSteps: Int, totalSteps: Int) {
        require(warmupSteps >= 0 && totalSteps >= warmupSteps,
                     "WarmupCosineDecay: need 0 ≤ warmupSteps ≤ totalSteps, got \(warmupSteps) and \(totalSteps)")
        self.initial = initial
        self.warmupSteps = warmupSteps
        self.totalSteps = totalSteps
    }

    /// The rate at `step` (see the type's formula).
    public func learningRate(at step: Int) -> Float {
        if step < warmupSteps {
            return initial * Float(Double(step) / Double(max(1, warmupSteps)))
        }
        let progress = min(1, Double(step - warmupSteps) / Double(max(1, totalSteps - warmupSteps)))
        return initial * Float(0.5 * (1 + cos(Double.pi * progress)))
    }
}
