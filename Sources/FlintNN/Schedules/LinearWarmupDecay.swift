/// Linear warm-up then linear decay to zero, exactly as Hugging Face's
/// `get_linear_schedule_with_warmup`:
///
///     lr(t) = initial · t / warmupSteps                                      for t < warmupSteps
///     lr(t) = initial · max(0, (totalSteps − t) / (totalSteps − warmupSteps))  otherwise
///
/// (each denominator at least 1).
public struct LinearWarmupDecay: LearningRateSchedule {
    /// The peak rate, reached at `warmupSteps`.
    public let initial: Float
    /// Steps of linear warm-up from 0.
    public let warmupSteps: Int
    /// The step at which the rate reaches 0.
    public let totalSteps: Int

    /// A warm-up/decay schedule.
    public init(initial: Float, warmupSteps: Int, totalSteps: Int) {
        precondition(warmupSteps >= 0 && totalSteps >= warmupSteps,
                     "LinearWarmupDecay: need 0 ≤ warmupSteps ≤ totalSteps, got \(warmupSteps) and \(totalSteps)")
        self.initial = initial
        self.warmupSteps = warmupSteps
        self.totalSteps = totalSteps
    }

    /// The rate at `step` (see the type's formula).
    public func learningRate(at step: Int) -> Float {
        if step < warmupSteps {
            return initial * Float(Double(step) / Double(max(1, warmupSteps)))
        }
        let remaining = Double(totalSteps - step) / Double(max(1, totalSteps - warmupSteps))
        return initial * Float(max(0, remaining))
    }
}
