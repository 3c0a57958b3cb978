import Foundation

/// The progress of a ``Trainer`` run, saved as `trainer_state.json` in every checkpoint with
/// transformers' keys (`global_step`, `epoch`, `log_history`, `best_metric`, `best_model_checkpoint`, …).
public struct TrainerState: Codable, Sendable, Equatable {
    /// Optimizer steps taken.
    public var globalStep: Int = 0
    /// Fractional epochs done (`global_step / updates_per_epoch`).
    public var epoch: Double = 0
    /// The total number of optimizer steps of the run.
    public var maximumSteps: Int = 0
    /// Epochs of the run (whole, rounded up).
    public var trainingEpochs: Int = 0
    /// Every training log and evaluation, in order (`{"loss": …, "learning_rate": …, "step": …}`).
    public var logHistory: [[String: Double]] = []
    /// The best value of the best-model metric so far.
    public var bestMetric: Double? = nil
    /// The checkpoint folder with that value.
    public var bestModelCheckpoint: String? = nil
    /// The training batch size.
    public var trainBatchSize: Int = 0
    /// Logging, evaluation and save intervals of the run.
    public var loggingSteps: Int = 0
    public var evaluationSteps: Int = 0
    public var saveSteps: Int = 0
    /// Total floating-point operations are not tracked; transformers' key is kept at 0 for tools that read it.
    public var totalFloatingPointOperations: Double = 0

    /// An empty state.
    public init() {}

    enum CodingKeys: String, CodingKey {
        case globalStep = "global_step", epoch, maximumSteps = "max_steps", trainingEpochs = "num_train_epochs"
        case logHistory = "log_history", bestMetric = "best_metric", bestModelCheckpoint = "best_model_checkpoint"
        case trainBatchSize = "train_batch_size", loggingSteps = "logging_steps", evaluationSteps = "eval_steps"
        case saveSteps = "save_steps", totalFloatingPointOperations = "total_flos"
    }
}
