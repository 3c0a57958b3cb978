/// A learning rate as a function of the step number (0 = before the first update).
public protocol LearningRateSchedule: Sendable {
    /// The learning rate to use for the update after `step` calls of the scheduler.
    func learningRate(at step: Int) -> Float
}
