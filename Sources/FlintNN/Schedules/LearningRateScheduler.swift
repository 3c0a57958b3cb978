/// Drives an optimizer's learning rate from a ``LearningRateSchedule``, like a
/// `torch.optim.lr_scheduler` object: creating it sets the rate for step 0, and each ``step()``
/// (called after `optimizer.step()`) advances the count and sets the next rate.
public final class LearningRateScheduler {
    /// The optimizer whose rate is set.
    public let optimizer: any Optimizer
    /// The schedule.
    public let schedule: any LearningRateSchedule
    /// The number of ``step()`` calls so far (plus the starting step). Settable to resume from a
    /// checkpoint; setting it applies that step's rate.
    public var currentStep: Int {
        didSet { optimizer.learningRate = schedule.learningRate(at: currentStep) }
    }

    /// Attaches `schedule` to `optimizer` and sets the rate for `startStep`.
    public init(optimizer: any Optimizer, schedule: any LearningRateSchedule, startStep: Int = 0) {
        self.optimizer = optimizer
        self.schedule = schedule
        self.currentStep = startStep
        optimizer.learningRate = schedule.learningRate(at: startStep)
    }

    /// Advances one step and sets the optimizer's rate.
    public func step() {
        currentStep += 1
    }

    /// The rate currently set.
    public var learningRate: Float { optimizer.learningRate }
}
