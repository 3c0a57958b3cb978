import Foundation

/// The settings of a ``Trainer`` run, with the names and meanings of Hugging Face's
/// `transformers.TrainingArguments` (the JSON form, `training_args.json`, uses transformers' keys).
///
/// The number of optimizer steps is `maximumSteps` when it is set, otherwise
/// `⌈epochs × updatesPerEpoch⌉` with `updatesPerEpoch = ⌈batchesPerEpoch / gradientAccumulationSteps⌉`.
/// The learning rate warms up linearly from 0 over `warmupSteps` (or `⌈warmupRatio × totalSteps⌉`)
/// steps and then decays linearly to 0 at the last step (transformers' default `linear` schedule).
/// AdamW's decoupled weight decay applies to matrices and embeddings only — not to biases and
/// LayerNorm weights, as transformers' Trainer does.
///
/// ```swift
/// var arguments = TrainingArguments(outputDirectory: "runs/topics")
/// arguments.epochs = 3
/// arguments.learningRate = 5e-5
/// arguments.evaluationStrategy = .epoch
/// arguments.saveStrategy = .epoch
/// arguments.loadBestModelAtEnd = true
/// arguments.metricForBestModel = "accuracy"
/// ```
public struct TrainingArguments: Codable, Sendable, Equatable {
    /// Where checkpoints (`checkpoint-N/`) and the final model go (`output_dir`).
    public var outputDirectory: String
    /// Passes over the training data (`num_train_epochs`); fractions stop part-way through the last epoch.
    public var epochs: Double = 3
    /// When set and positive, the total number of optimizer steps, overriding `epochs` (`max_steps`).
    public var maximumSteps: Int? = nil
    /// Examples per forward/backward pass in training (`per_device_train_batch_size`).
    public var perDeviceTrainBatchSize: Int = 8
    /// Examples per forward pass in evaluation and prediction (`per_device_eval_batch_size`).
    public var perDeviceEvalBatchSize: Int = 8
    /// AdamW's peak learning rate (`learning_rate`).
    public var learningRate: Double = 5e-5
    /// Linear warm-up steps (`warmup_steps`); when 0, `warmupRatio` decides.
    public var warmupSteps: Int = 0
    /// Warm-up as a fraction of all steps (`warmup_ratio`), used when `warmupSteps` is 0.
    public var warmupRatio: Double = 0
    /// AdamW's decoupled weight decay on weights other than biases and LayerNorm (`weight_decay`).
    public var weightDecay: Double = 0
    /// AdamW's β₁ (`adam_beta1`).
    public var adamBeta1: Double = 0.9
    /// AdamW's β₂ (`adam_beta2`).
    public var adamBeta2: Double = 0.999
    /// AdamW's ε (`adam_epsilon`).
    public var adamEpsilon: Double = 1e-8
    /// Batches whose gradients are summed before one optimizer step (`gradient_accumulation_steps`);
    /// each batch's loss is divided by the number of batches in its group.
    public var gradientAccumulationSteps: Int = 1
    /// The global gradient 2-norm is clipped to this before each step; 0 disables (`max_grad_norm`).
    public var maximumGradientNorm: Double = 1.0
    /// When to evaluate on the evaluation set (`eval_strategy`).
    public var evaluationStrategy: IntervalStrategy = .no
    /// Steps between evaluations with ``IntervalStrategy/steps`` (`eval_steps`; nil: `loggingSteps`).
    public var evaluationSteps: Int? = nil
    /// When to write `checkpoint-N/` (`save_strategy`).
    public var saveStrategy: IntervalStrategy = .steps
    /// Steps between checkpoints with ``IntervalStrategy/steps`` (`save_steps`).
    public var saveSteps: Int = 500
    /// Keep at most this many checkpoints, deleting the oldest (never the best) (`save_total_limit`).
    public var saveTotalLimit: Int? = nil
    /// Reload the best checkpoint's weights when training ends (`load_best_model_at_end`); needs
    /// matching evaluation and save strategies.
    public var loadBestModelAtEnd: Bool = false
    /// The evaluation metric that picks the best checkpoint, with or without the `eval_` prefix
    /// (`metric_for_best_model`; nil: `loss`).
    public var metricForBestModel: String? = nil
    /// Whether a larger metric is better (`greater_is_better`; nil: true unless the metric is a loss).
    public var greaterIsBetter: Bool? = nil
    /// When to log the running training loss and learning rate (`logging_strategy`).
    public var loggingStrategy: IntervalStrategy = .steps
    /// Steps between training logs (`logging_steps`).
    public var loggingSteps: Int = 500
    /// Where TensorBoard event files go (`logging_dir`; nil: `<outputDirectory>/runs`).
    public var loggingDirectory: String? = nil
    /// Write TensorBoard event files (`report_to` containing "tensorboard").
    public var reportToTensorBoard: Bool = true
    /// Seeds the random generator before training: dropout and, unless `dataSeed` is set, shuffling (`seed`).
    public var seed: UInt64 = 42
    /// Seeds the order of the training data (`data_seed`; nil: `seed`).
    public var dataSeed: UInt64? = nil
    /// Batch examples of similar length together to reduce padding (`group_by_length`): each epoch's
    /// shuffled order is cut into mega-batches of 50 batches, each sorted by length, longest first.
    public var groupByLength: Bool = false
    /// Drop the last incomplete training batch of each epoch (`dataloader_drop_last`).
    public var dropLastBatch: Bool = false
    /// Show progress bars (`disable_tqdm` inverted); logs are printed either way.
    public var showProgress: Bool = true

    /// Arguments writing to `outputDirectory`, with transformers' defaults for everything else.
    public init(outputDirectory: String) {
        self.outputDirectory = outputDirectory
    }

    /// The TensorBoard folder: `loggingDirectory`, or `<outputDirectory>/runs`.
    public var resolvedLoggingDirectory: String { loggingDirectory ?? outputDirectory + "/runs" }

    /// The metric key that picks the best checkpoint (`eval_…`).
    public var bestMetricKey: String {
        let name = metricForBestModel ?? "loss"
        return name.hasPrefix("eval_") ? name : "eval_" + name
    }

    /// Whether a larger best-model metric is better.
    public var resolvedGreaterIsBetter: Bool {
        if let greaterIsBetter { return greaterIsBetter }
        return !bestMetricKey.hasSuffix("loss")
    }

    /// Checks the combination of settings; throws ``TrainerError/invalidArguments(_:)`` naming the setting.
    public func validate() throws {
        func fail(_ message: String) throws -> Never { throw TrainerError.invalidArguments(message) }
        if perDeviceTrainBatchSize < 1 { try fail("per_device_train_batch_size must be ≥ 1, found \(perDeviceTrainBatchSize)") }
        if perDeviceEvalBatchSize < 1 { try fail("per_device_eval_batch_size must be ≥ 1, found \(perDeviceEvalBatchSize)") }
        if gradientAccumulationSteps < 1 { try fail("gradient_accumulation_steps must be ≥ 1, found \(gradientAccumulationSteps)") }
        if (maximumSteps ?? 0) <= 0 && !(epochs > 0) { try fail("num_train_epochs must be > 0 when max_steps is not set, found \(epochs)") }
        if !(learningRate >= 0) { try fail("learning_rate must be ≥ 0, found \(learningRate)") }
        if warmupSteps < 0 { try fail("warmup_steps must be ≥ 0, found \(warmupSteps)") }
        if !(warmupRatio >= 0 && warmupRatio <= 1) { try fail("warmup_ratio must be in [0, 1], found \(warmupRatio)") }
        if !(weightDecay >= 0) { try fail("weight_decay must be ≥ 0, found \(weightDecay)") }
        if !(maximumGradientNorm >= 0) { try fail("max_grad_norm must be ≥ 0, found \(maximumGradientNorm)") }
        if saveStrategy == .steps && saveSteps < 1 { try fail("save_steps must be ≥ 1 with save_strategy \"steps\", found \(saveSteps)") }
        if loggingStrategy == .steps && loggingSteps < 1 { try fail("logging_steps must be ≥ 1 with logging_strategy \"steps\", found \(loggingSteps)") }
        if evaluationStrategy == .steps && (evaluationSteps ?? loggingSteps) < 1 {
            try fail("eval_steps must be ≥ 1 with eval_strategy \"steps\", found \(evaluationSteps ?? loggingSteps)")
        }
        if let saveTotalLimit, saveTotalLimit < 1 { try fail("save_total_limit must be ≥ 1 when set, found \(saveTotalLimit)") }
        if loadBestModelAtEnd {
            if evaluationStrategy == .no { try fail("load_best_model_at_end needs an eval_strategy other than \"no\"") }
            if saveStrategy != evaluationStrategy {
                try fail("load_best_model_at_end needs save_strategy (\(saveStrategy.rawValue)) to match eval_strategy (\(evaluationStrategy.rawValue))")
            }
            if saveStrategy == .steps && saveSteps % (evaluationSteps ?? loggingSteps) != 0 {
                try fail("load_best_model_at_end needs save_steps (\(saveSteps)) to be a multiple of eval_steps (\(evaluationSteps ?? loggingSteps))")
            }
        }
    }

    enum CodingKeys: String, CodingKey {
        case outputDirectory = "output_dir", epochs = "num_train_epochs", maximumSteps = "max_steps"
        case perDeviceTrainBatchSize = "per_device_train_batch_size", perDeviceEvalBatchSize = "per_device_eval_batch_size"
        case learningRate = "learning_rate", warmupSteps = "warmup_steps", warmupRatio = "warmup_ratio"
        case weightDecay = "weight_decay", adamBeta1 = "adam_beta1", adamBeta2 = "adam_beta2", adamEpsilon = "adam_epsilon"
        case gradientAccumulationSteps = "gradient_accumulation_steps", maximumGradientNorm = "max_grad_norm"
        case evaluationStrategy = "eval_strategy", evaluationSteps = "eval_steps", saveStrategy = "save_strategy"
        case saveSteps = "save_steps", saveTotalLimit = "save_total_limit", loadBestModelAtEnd = "load_best_model_at_end"
        case metricForBestModel = "metric_for_best_model", greaterIsBetter = "greater_is_better"
        case loggingStrategy = "logging_strategy", loggingSteps = "logging_steps", loggingDirectory = "logging_dir"
        case reportToTensorBoard = "report_to_tensorboard", seed, dataSeed = "data_seed", groupByLength = "group_by_length"
        case dropLastBatch = "dataloader_drop_last", showProgress = "show_progress"
    }
}
