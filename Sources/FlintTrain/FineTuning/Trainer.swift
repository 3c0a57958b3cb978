import Foundation
import Logging
import Flint
import FlintNN
import FlintData
import FlintSupport

/// Fine-tunes a sequence classifier the way Hugging Face's `transformers.Trainer` does: AdamW with
/// weight decay on matrices only, linear warm-up and decay, gradient accumulation and clipping,
/// evaluation and `checkpoint-N/` saves by steps or epochs, the best checkpoint reloaded at the end,
/// TensorBoard event files, progress bars — and a run resumed from a checkpoint continues exactly as
/// the uninterrupted run would have.
///
/// Data sets are ``FlintData/DataTable``s with an integer-array column `input_ids` (optionally
/// `attention_mask` and `token_type_ids`) and, for training and evaluation, an integer column `label`;
/// ``FlintData/DataTable/tokenized(with:textColumn:maximumLength:)`` makes them from text. Each batch is
/// padded to its longest row (dynamic padding).
///
/// ```swift
/// let model = try BertForSequenceClassification.fromPretrained(base, labels: BBCNews.classNames).train()
/// var arguments = TrainingArguments(outputDirectory: "runs/bbc")
/// arguments.evaluationStrategy = .epoch
/// let trainer = Trainer(model: model, arguments: arguments, trainDataset: train, evalDataset: validation,
///                       tokenizerFolder: URL(fileURLWithPath: base), computeMetrics: ClassificationMetrics.compute)
/// try trainer.train()
/// print(try trainer.evaluate(test))
/// try trainer.saveModel()
/// ```
public final class Trainer<Model: SequenceClassifier> {
    /// The model being trained (updated in place).
    public let model: Model
    /// The run's settings.
    public let arguments: TrainingArguments
    /// Training examples.
    public let trainDataset: DataTable?
    /// Examples for ``evaluate(_:metricKeyPrefix:)`` during and after training.
    public let evalDataset: DataTable?
    /// The folder whose tokenizer files are saved with every checkpoint and by ``saveModel(to:)``.
    public let tokenizerFolder: URL?
    /// The id padding fills `input_ids` with.
    public let padTokenID: Int
    /// Turns logits and labels into named metrics (`accuracy`, `f1`, …); nil: loss only.
    public let computeMetrics: (@Sendable (EvaluationPrediction) -> [String: Double])?
    /// Progress of the current or last run.
    public private(set) var state = TrainerState()
    private let logger = Logger(label: "flint.trainer")

    /// A trainer for `model` (put it in training mode and seed the generator before creating it if its
    /// initialisation should be reproducible; ``train(resumeFromCheckpoint:)`` reseeds for dropout).
    public init(model: Model, arguments: TrainingArguments, trainDataset: DataTable? = nil, evalDataset: DataTable? = nil,
                tokenizerFolder: URL? = nil, padTokenID: Int = 0,
                computeMetrics: (@Sendable (EvaluationPrediction) -> [String: Double])? = nil) {
        self.model = model
        self.arguments = arguments
        self.trainDataset = trainDataset
        self.evalDataset = evalDataset
        self.tokenizerFolder = tokenizerFolder
        self.padTokenID = padTokenID
        self.computeMetrics = computeMetrics
    }

    /// What ``train(resumeFromCheckpoint:)`` returns (`TrainOutput`).
    public struct TrainOutput: Sendable {
        /// Optimizer steps taken in total.
        public let globalStep: Int
        /// Mean training loss over the steps of this call.
        public let trainingLoss: Double
        /// `train_runtime`, `train_samples_per_second`, `train_steps_per_second`, `train_loss`, `epoch`.
        public let metrics: [String: Double]
    }

    // MARK: - Training

    /// Trains for the configured epochs or steps.
    ///
    /// - Parameter resumeFromCheckpoint: a `checkpoint-N/` folder of an earlier run with the same
    ///   arguments: its weights, optimizer moments, schedule position, random-generator state and trainer
    ///   state are restored, the steps it had done are skipped (the data order is a function of the seed
    ///   and the epoch), and training continues to the same end as an uninterrupted run.
    /// - Throws: ``TrainerError`` for bad arguments, data or checkpoints; ``FlintData/DataError`` naming the
    ///   row and column of a malformed example; I/O errors naming the path of a failed save.
    @discardableResult
    public func train(resumeFromCheckpoint: URL? = nil) throws -> TrainOutput {
        try arguments.validate()
        guard let train = trainDataset else { throw TrainerError.invalidArguments("train() needs a trainDataset") }
        try checkColumns(train, needsLabels: true, name: "trainDataset")
        if arguments.evaluationStrategy != .no {
            guard let evalDataset else {
                throw TrainerError.invalidArguments("eval_strategy \"\(arguments.evaluationStrategy.rawValue)\" needs an evalDataset")
            }
            try checkColumns(evalDataset, needsLabels: true, name: "evalDataset")
        }
        RandomGenerator.withDefault { $0 = RandomGenerator(seed: arguments.seed) }

        let lengths = arguments.groupByLength ? train[column: "input_ids"].integerArrays!.map(\.count) : nil
        let order = TrainingBatchOrder(count: train.count, batchSize: arguments.perDeviceTrainBatchSize,
                                       dropLast: arguments.dropLastBatch, seed: arguments.dataSeed ?? arguments.seed,
                                       lengths: lengths)
        guard order.batchesPerEpoch > 0 else {
            throw TrainerError.invalidDataset("trainDataset has \(train.count) rows: no full batch of \(arguments.perDeviceTrainBatchSize)")
        }
        let accumulation = arguments.gradientAccumulationSteps
        let updatesPerEpoch = (order.batchesPerEpoch + accumulation - 1) / accumulation
        let totalSteps: Int
        let epochCount: Int
        if let maximumSteps = arguments.maximumSteps, maximumSteps > 0 {
            totalSteps = maximumSteps
            epochCount = (maximumSteps + updatesPerEpoch - 1) / updatesPerEpoch
        } else {
            totalSteps = max(1, Int((arguments.epochs * Double(updatesPerEpoch)).rounded(.up)))
            epochCount = Int(arguments.epochs.rounded(.up))
        }
        let warmup = arguments.warmupSteps > 0 ? arguments.warmupSteps
            : Int((arguments.warmupRatio * Double(totalSteps)).rounded(.up))

        let (decayed, notDecayed) = model.parametersSplitForWeightDecay()
        func options(_ decay: Double) -> Adam.Options {
            Adam.Options(learningRate: Float(arguments.learningRate),
                         betas: (Float(arguments.adamBeta1), Float(arguments.adamBeta2)),
                         epsilon: Float(arguments.adamEpsilon), weightDecay: Float(decay))
        }
        let optimizer = AdamW(groups: [ParameterGroup(decayed, options: options(arguments.weightDecay)),
                                       ParameterGroup(notDecayed, options: options(0))])
        let scheduler = LearningRateScheduler(optimizer: optimizer,
                                              schedule: LinearWarmupDecay(initial: Float(arguments.learningRate),
                                                                          warmupSteps: warmup, totalSteps: totalSteps))
        state = TrainerState()
        state.maximumSteps = totalSteps
        state.trainingEpochs = epochCount
        state.trainBatchSize = arguments.perDeviceTrainBatchSize
        state.loggingSteps = arguments.loggingSteps
        state.evaluationSteps = arguments.evaluationSteps ?? arguments.loggingSteps
        state.saveSteps = arguments.saveSteps

        if let resumeFromCheckpoint {
            let contents = try TrainerCheckpoint.read(resumeFromCheckpoint)
            do {
                try model.loadWeights(contents.weights, source: resumeFromCheckpoint.appendingPathComponent("model.safetensors").path)
                try optimizer.loadStateDict(contents.optimizerState)
            } catch let error as TrainerError { throw error } catch {
                throw TrainerError.invalidCheckpoint(path: resumeFromCheckpoint.path, message: "\(error)")
            }
            guard contents.state.maximumSteps == totalSteps else {
                throw TrainerError.invalidCheckpoint(path: resumeFromCheckpoint.appendingPathComponent("trainer_state.json").path,
                    message: "max_steps \(contents.state.maximumSteps) does not match this run's \(totalSteps): resume with the same arguments and data")
            }
            scheduler.currentStep = contents.schedulerStep
            RandomGenerator.withDefault { $0 = RandomGenerator(state: contents.generatorState)! }
            state = contents.state
            logger.info("resuming from \(resumeFromCheckpoint.path) at step \(state.globalStep)")
        }

        let outputDirectory = URL(fileURLWithPath: arguments.outputDirectory, isDirectory: true)
        try FileManager.default.createDirectory(at: outputDirectory, withIntermediateDirectories: true)
        let board = arguments.reportToTensorBoard
            ? try TensorBoardWriter(logDirectory: URL(fileURLWithPath: arguments.resolvedLoggingDirectory, isDirectory: true))
            : nil
        defer { try? board?.close() }

        let examples = train.count
        let progress = ProgressBar(total: totalSteps, label: "train", isTerminal: arguments.showProgress ? nil : false,
                                   completed: state.globalStep)
        progress.log("Training: \(examples) examples, \(epochCount) epochs, batch \(arguments.perDeviceTrainBatchSize)"
            + (accumulation > 1 ? " × \(accumulation) accumulated" : "") + ", \(totalSteps) optimizer steps, warm-up \(warmup)")
        let started = Date()
        let firstStep = state.globalStep
        var lossSinceLog = 0.0, stepsSinceLog = 0, lossThisCall = 0.0
        var lastGradientNorm: Double? = nil
        var pendingBest = false
        let parameters = optimizer.parameters
        model.train()

        func log(_ values: [String: Double]) throws {
            var entry = values
            entry["step"] = Double(state.globalStep)
            entry["epoch"] = (state.epoch * 10_000).rounded() / 10_000
            state.logHistory.append(entry)
            try board?.addScalars(values.sorted { $0.key < $1.key }.map { key, value in
                let tag = key.hasPrefix("eval_") ? "eval/" + key.dropFirst(5) : "train/" + key
                return (tag: tag, value: Float(value))
            }, step: state.globalStep)
            try board?.flush()
        }
        func logTraining() throws {
            guard stepsSinceLog > 0 else { return }
            var values = ["loss": lossSinceLog / Double(stepsSinceLog), "learning_rate": Double(optimizer.learningRate),
                          "epoch": (state.epoch * 10_000).rounded() / 10_000]
            if let lastGradientNorm { values["grad_norm"] = lastGradientNorm }
            try log(values)
            progress.log(String(format: "step %d/%d  epoch %.2f  loss %.4f  lr %.3e", state.globalStep, totalSteps,
                                state.epoch, values["loss"]!, values["learning_rate"]!)
                + (lastGradientNorm.map { String(format: "  grad norm %.3f", $0) } ?? ""))
            lossSinceLog = 0
            stepsSinceLog = 0
        }
        func evaluateNow() throws {
            let metrics = try evaluate(nil, metricKeyPrefix: "eval", progress: progress)
            try log(metrics.filter { !$0.key.hasSuffix("_runtime") && !$0.key.hasSuffix("_per_second") })
            progress.log("eval  step \(state.globalStep)  " + Self.summary(metrics, prefix: "eval_"))
            if let value = metrics[arguments.bestMetricKey] {
                let better = state.bestMetric.map { arguments.resolvedGreaterIsBetter ? value > $0 : value < $0 } ?? true
                if better {
                    state.bestMetric = value
                    pendingBest = true
                }
            } else if arguments.loadBestModelAtEnd {
                throw TrainerError.invalidArguments("metric_for_best_model '\(arguments.bestMetricKey)' is not among the evaluation metrics \(metrics.keys.sorted())")
            }
        }
        func saveNow() throws {
            let folder = outputDirectory.appendingPathComponent(TrainerCheckpoint.prefix + String(state.globalStep), isDirectory: true)
            if pendingBest {
                state.bestModelCheckpoint = folder.path
                pendingBest = false
            }
            try TrainerCheckpoint.write(model: model, tokenizerFolder: tokenizerFolder, optimizer: optimizer,
                                        schedulerStep: scheduler.currentStep, state: state, arguments: arguments, to: folder)
            if let limit = arguments.saveTotalLimit {
                try TrainerCheckpoint.rotate(in: outputDirectory, limit: limit, best: state.bestModelCheckpoint)
            }
            logger.debug("saved \(folder.path)")
        }

        let startEpoch = state.globalStep / updatesPerEpoch
        epochs: for epoch in startEpoch..<max(epochCount, startEpoch) {
            let batches = order.batches(epoch: epoch)
            let firstUpdate = epoch == startEpoch ? state.globalStep - epoch * updatesPerEpoch : 0
            for update in firstUpdate..<updatesPerEpoch {
                if state.globalStep >= totalSteps { break }
                let group = batches[(update * accumulation)..<min((update + 1) * accumulation, batches.count)]
                model.zeroGrad()
                var stepLoss = 0.0
                for indices in group {
                    let batch = try PaddedBatch(table: train, indices: indices, padTokenID: padTokenID)
                    let loss = try model.loss(logits: model.logits(for: batch), labels: batch.labels!)
                    let value = Double(loss.item())
                    guard value.isFinite else {
                        throw TrainerError.invalidArguments("the training loss became \(value) at step \(state.globalStep + 1): lower learning_rate or check the labels")
                    }
                    stepLoss += value / Double(group.count)
                    (group.count > 1 ? loss * (1 / Float(group.count)) : loss).backward()
                }
                if arguments.maximumGradientNorm > 0 {
                    lastGradientNorm = Double(clipGradientNorm(parameters: parameters, maxNorm: Float(arguments.maximumGradientNorm)))
                }
                let rate = optimizer.learningRate
                optimizer.step()
                scheduler.step()
                state.globalStep += 1
                state.epoch = Double(epoch) + Double(update + 1) / Double(updatesPerEpoch)
                lossSinceLog += stepLoss
                stepsSinceLog += 1
                lossThisCall += stepLoss
                progress.advance(status: String(format: "loss %.4f lr %.2e", stepLoss, rate))
                let step = state.globalStep
                if arguments.loggingStrategy == .steps && step % arguments.loggingSteps == 0 { try logTraining() }
                if arguments.evaluationStrategy == .steps && step % (arguments.evaluationSteps ?? arguments.loggingSteps) == 0 {
                    try evaluateNow()
                }
                if arguments.saveStrategy == .steps && step % arguments.saveSteps == 0 { try saveNow() }
            }
            if arguments.loggingStrategy == .epoch { try logTraining() }
            if arguments.evaluationStrategy == .epoch { try evaluateNow() }
            if arguments.saveStrategy == .epoch { try saveNow() }
            if state.globalStep >= totalSteps { break epochs }
        }
        if arguments.loggingStrategy != .no { try logTraining() }
        progress.finish()

        if arguments.loadBestModelAtEnd, let best = state.bestModelCheckpoint {
            let weightsURL = URL(fileURLWithPath: best).appendingPathComponent("model.safetensors")
            do {
                try model.loadWeights(try SafeTensorsFile(contentsOf: weightsURL).loadAll(), source: weightsURL.path)
            } catch {
                throw TrainerError.invalidCheckpoint(path: weightsURL.path, message: "cannot load the best model: \(error)")
            }
            progress.log("Loaded the best model from \(best) (\(arguments.bestMetricKey) = \(state.bestMetric.map { String(format: "%.4f", $0) } ?? "?"))")
        }
        let runtime = Date().timeIntervalSince(started)
        let stepsDone = state.globalStep - firstStep
        let trainingLoss = stepsDone > 0 ? lossThisCall / Double(stepsDone) : 0
        let metrics: [String: Double] = [
            "train_runtime": runtime, "train_loss": trainingLoss, "epoch": state.epoch,
            "train_samples_per_second": Double(stepsDone * accumulation * arguments.perDeviceTrainBatchSize) / max(runtime, 1e-9),
            "train_steps_per_second": Double(stepsDone) / max(runtime, 1e-9),
        ]
        state.logHistory.append(metrics.merging(["step": Double(state.globalStep)]) { $1 })
        progress.log(String(format: "Training done: %d steps in %@, mean loss %.4f", stepsDone,
                            ProgressBar.formatDuration(runtime), trainingLoss))
        model.eval()
        return TrainOutput(globalStep: state.globalStep, trainingLoss: trainingLoss, metrics: metrics)
    }

    // MARK: - Evaluation and prediction

    /// Evaluates on `dataset` (default: the evaluation set): `<prefix>_loss`, the `computeMetrics` values
    /// as `<prefix>_<name>`, `<prefix>_runtime`, `<prefix>_samples_per_second`, `<prefix>_steps_per_second`.
    public func evaluate(_ dataset: DataTable? = nil, metricKeyPrefix: String = "eval") throws -> [String: Double] {
        try evaluate(dataset, metricKeyPrefix: metricKeyPrefix, progress: nil)
    }

    /// Logits for every example of `dataset` in order, with loss and metrics when it has labels.
    public func predict(_ dataset: DataTable, metricKeyPrefix: String = "test") throws -> PredictionOutput {
        try predictionLoop(dataset, metricKeyPrefix: metricKeyPrefix, progress: nil)
    }

    /// Saves the model (config, weights, tokenizer files) to `folder` (default: the output directory),
    /// atomically; checkpoints already in the folder are kept.
    public func saveModel(to folder: URL? = nil) throws {
        let destination = folder ?? URL(fileURLWithPath: arguments.outputDirectory, isDirectory: true)
        try model.savePretrained(to: destination, tokenizerFrom: tokenizerFolder) { writer in
            try writer.write(TrainerCheckpoint.encoded(arguments), named: "training_args.json")
        }
    }

    func evaluate(_ dataset: DataTable?, metricKeyPrefix: String, progress: ProgressBar?) throws -> [String: Double] {
        guard let dataset = dataset ?? evalDataset else { throw TrainerError.invalidArguments("evaluate() needs an evalDataset") }
        try checkColumns(dataset, needsLabels: true, name: "evaluation data set")
        var metrics = try predictionLoop(dataset, metricKeyPrefix: metricKeyPrefix, progress: progress).metrics
        metrics["epoch"] = state.epoch
        return metrics
    }

    func predictionLoop(_ dataset: DataTable, metricKeyPrefix prefix: String, progress: ProgressBar?) throws -> PredictionOutput {
        try checkColumns(dataset, needsLabels: false, name: "prediction data set")
        let started = Date()
        let wasTraining = model.isTraining
        model.eval()
        defer { if wasTraining { model.train() } }
        // Longest first, so batches hold similar lengths; results go back to data-set order.
        let lengths = dataset[column: "input_ids"].integerArrays!.map(\.count)
        let order = lengths.indices.sorted { lengths[$0] != lengths[$1] ? lengths[$0] > lengths[$1] : $0 < $1 }
        let batchSize = arguments.perDeviceEvalBatchSize
        let hasLabels = dataset.hasColumn("label")
        var logits = [[Float]](repeating: [], count: dataset.count)
        var lossSum = 0.0
        var batchCount = 0
        let bar = (progress == nil && arguments.showProgress && dataset.count > batchSize * 4)
            ? ProgressBar(total: (dataset.count + batchSize - 1) / batchSize, label: prefix) : nil
        var start = 0
        while start < order.count {
            let indices = Array(order[start..<min(start + batchSize, order.count)])
            let batch = try PaddedBatch(table: dataset, indices: indices, padTokenID: padTokenID)
            try withNoGrad {
                let output = model.logits(for: batch)
                if let labels = batch.labels {
                    let loss = Double(try model.loss(logits: output, labels: labels).item())
                    guard loss.isFinite else { throw TrainerError.invalidArguments("the \(prefix) loss is \(loss)") }
                    lossSum += loss * Double(indices.count)
                }
                let values = output.contiguous().toArray()
                let classes = output.shape[1]
                for (row, index) in indices.enumerated() {
                    logits[index] = Array(values[(row * classes)..<((row + 1) * classes)])
                }
            }
            batchCount += 1
            bar?.advance()
            start += batchSize
        }
        bar?.finish()
        let runtime = Date().timeIntervalSince(started)
        var metrics: [String: Double] = [
            "\(prefix)_runtime": runtime,
            "\(prefix)_samples_per_second": Double(dataset.count) / max(runtime, 1e-9),
            "\(prefix)_steps_per_second": Double(batchCount) / max(runtime, 1e-9),
        ]
        var labels: [Int]? = nil
        if hasLabels {
            let values = dataset[column: "label"].integers!
            labels = values
            metrics["\(prefix)_loss"] = dataset.count > 0 ? lossSum / Double(dataset.count) : 0
            if let computeMetrics {
                for (key, value) in computeMetrics(EvaluationPrediction(logits: logits, labels: values)) {
                    metrics["\(prefix)_\(key)"] = value
                }
            }
        }
        return PredictionOutput(logits: logits, labels: labels, metrics: metrics)
    }

    // MARK: - Helpers

    /// Checks that `table` has integer-array `input_ids` within the model's vocabulary and, when
    /// `needsLabels`, integer `label`s within its classes — user data, so a bad value is a thrown
    /// ``TrainerError`` naming the data set, the row and the value, not a crash in an embedding lookup.
    func checkColumns(_ table: DataTable, needsLabels: Bool, name: String) throws {
        guard let ids = table.column(named: "input_ids") else {
            throw TrainerError.invalidDataset("\(name) has no 'input_ids' column (columns \(table.columnNames)): tokenise it first, e.g. table.tokenized(with: tokenizer)")
        }
        guard let idRows = ids.integerArrays else {
            throw TrainerError.invalidDataset("\(name) column 'input_ids': expected integer arrays, found \(ids.typeName)")
        }
        let vocabularySize = model.vocabularySize
        for (row, values) in idRows.enumerated() {
            if let bad = values.first(where: { $0 < 0 || $0 >= vocabularySize }) {
                throw TrainerError.invalidDataset("\(name) row \(row) column 'input_ids': token id \(bad) is outside the model's vocabulary 0..<\(vocabularySize) (a tokenizer that does not match the model?)")
            }
        }
        if needsLabels {
            guard let labels = table.column(named: "label") else {
                throw TrainerError.invalidDataset("\(name) has no 'label' column (columns \(table.columnNames))")
            }
            guard let values = labels.integers else {
                throw TrainerError.invalidDataset("\(name) column 'label': expected integers (class indices), found \(labels.typeName)")
            }
            let classes = model.labelNames.count
            if let row = values.firstIndex(where: { $0 < 0 || $0 >= classes }) {
                throw TrainerError.invalidDataset("\(name) row \(row) column 'label': class index \(values[row]) is outside the model's \(classes) classes 0..<\(classes)")
            }
        }
        guard table.count > 0 else { throw TrainerError.invalidDataset("\(name) is empty") }
    }

    static func summary(_ metrics: [String: Double], prefix: String) -> String {
        metrics.keys.filter { $0.hasPrefix(prefix) && !$0.hasSuffix("_runtime") && !$0.hasSuffix("_per_second") }
            .sorted().map { String(format: "%@ %.4f", String($0.dropFirst(prefix.count)), metrics[$0]!) }
            .joined(separator: "  ")
    }
}
