import Foundation
import Logging
import Flint
import FlintNN
import FlintData
import FlintSupport

/// Settings of a supervised image-classification run.
public struct ClassifierTrainingConfiguration: Sendable {
    /// Passes over the training set.
    public var epochs: Int
    /// Images per optimisation step.
    public var batchSize: Int
    /// Adam's learning rate.
    public var learningRate: Float
    /// Seeds parameter initialisation, shuffling, augmentation and dropout.
    public var seed: UInt64
    /// Where the best checkpoint and the metrics go (created if missing); nil keeps nothing.
    public var outputDirectory: URL?
    /// Print `Batch N, Loss: …, Acc: …` every this many batches.
    public var logInterval: Int
    /// Images per batch when evaluating.
    public var evaluationBatchSize: Int
    /// How the learning rate moves over the run.
    public var schedule: LearningRateScheduleKind
    /// Cross-entropy label smoothing ε (PyTorch's `label_smoothing`); evaluation loss uses none.
    public var labelSmoothing: Float

    public init(epochs: Int = 1, batchSize: Int = 64, learningRate: Float = 1e-3, seed: UInt64 = 42,
                outputDirectory: URL? = nil, logInterval: Int = 100, evaluationBatchSize: Int = 500,
                schedule: LearningRateScheduleKind = .constant, labelSmoothing: Float = 0) {
        require(epochs >= 1 && batchSize >= 1, "ClassifierTrainingConfiguration: epochs and batch size must be ≥ 1")
        self.epochs = epochs
        self.batchSize = batchSize
        self.learningRate = learningRate
        self.seed = seed
        self.outputDirectory = outputDirectory
        self.logInterval = logInterval
        self.evaluationBatchSize = evaluationBatchSize
        self.schedule = schedule
        self.labelSmoothing = labelSmoothing
    }
}

/// The learning-rate policy of a classifier run.
public enum LearningRateScheduleKind: Sendable, Equatable {
    /// The configured rate throughout.
    case constant
    /// Linear warm-up over `warmupFraction` of all steps to the configured rate, then cosine decay
    /// to zero at the last step (``WarmupCosineDecay``).
    case warmupCosine(warmupFraction: Double)
}

/// What one epoch gave.
public struct EpochResult: Codable, Sendable {
    /// 1-based epoch number.
    public var epoch: Int
    /// Mean training loss over the epoch's batches.
    public var trainLoss: Double
    /// Training accuracy (fraction) over the epoch, measured in training mode.
    public var trainAccuracy: Double
    /// Mean loss on the evaluation set.
    public var testLoss: Double
    /// Accuracy (fraction) on the evaluation set.
    public var testAccuracy: Double
    /// Wall seconds spent training (not evaluating).
    public var trainSeconds: Double
    /// Training images per second.
    public var imagesPerSecond: Double
    /// Resident memory (MiB) after the epoch's first 10 batches and at its end: flat means no growth.
    public var residentMiB: [Double]
}

/// The outcome of ``ClassifierTrainer/fit()``.
public struct ClassifierTrainingResult: Codable, Sendable {
    /// Every epoch, in order.
    public var epochs: [EpochResult]
    /// The epoch whose model was kept (best test accuracy).
    public var bestEpoch: Int
    /// The kept model's test accuracy (fraction).
    public var bestTestAccuracy: Double
    /// The loss of every training batch, in order (for reproducibility checks).
    public var batchLosses: [Float]
    /// The kept checkpoint, when an output directory was given.
    public var checkpointPath: String?
}

/// Trains a classifier (logits out, cross-entropy loss) with Adam, evaluates on the test set
/// after every epoch and keeps the best model as a safetensors checkpoint.
///
/// The console shows a progress bar with rate and ETA, and every ``ClassifierTrainingConfiguration/logInterval``
/// batches a line `Batch N, Loss: x.xxxx, Acc: yy.yy%` (mean loss and accuracy over those batches).
public final class ClassifierTrainer {
    public let model: any UnaryLayer
    public let trainSet: TensorDataset
    public let testSet: TensorDataset
    public let configuration: ClassifierTrainingConfiguration
    private let logger: Logger
    private let output: (String) -> Void

    /// - Parameters:
    ///   - output: receives the user-facing lines (default: standard output).
    public init(model: any UnaryLayer, trainSet: TensorDataset, testSet: TensorDataset,
                configuration: ClassifierTrainingConfiguration,
                logger: Logger = Logger(label: "flint.train"), output: ((String) -> Void)? = nil) {
        self.model = model
        self.trainSet = trainSet
        self.testSet = testSet
        self.configuration = configuration
        self.logger = logger
        self.output = output ?? { print($0) }
    }

    /// Runs the configured epochs and returns the per-epoch results. Dropout draws from a generator
    /// private to this run (seeded from the configuration), so the same seed gives the same losses.
    public func fit() throws -> ClassifierTrainingResult {
        try RandomGenerator.withScopedDefault(seed: configuration.seed &+ 1) { try fitInScope() }
    }

    private func fitInScope() throws -> ClassifierTrainingResult {
        let config = configuration
        let optimizer = Adam(parameters: model.parameters(), learningRate: config.learningRate)
        let loader = DataLoader(dataset: trainSet, batchSize: config.batchSize, shuffle: true, seed: config.seed,
                                dropLast: false, prefetch: true)
        var scheduler: LearningRateScheduler? = nil
        if case .warmupCosine(let fraction) = config.schedule {
            let total = loader.count * config.epochs
            scheduler = LearningRateScheduler(optimizer: optimizer, schedule: WarmupCosineDecay(
                initial: config.learningRate, warmupSteps: Int(Double(total) * fraction), totalSteps: total))
        }
        if let directory = config.outputDirectory {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        }
        var epochs: [EpochResult] = []
        var batchLosses: [Float] = []
        var best = (epoch: 0, accuracy: -1.0)
        var checkpointPath: String? = nil
        for epoch in 1...config.epochs {
            let bar = ProgressBar(total: loader.count, label: "Epoch \(epoch)/\(config.epochs)")
            model.train()
            var windowLoss = 0.0, windowCorrect = 0, windowSeen = 0, windowBatches = 0
            var epochLoss = 0.0, epochCorrect = 0, epochSeen = 0
            let start = ProcessResources.now()
            var residentEarly = Double.nan
            for (index, batch) in loader.enumerated() {
                if index == 10 { residentEarly = ProcessResources.residentMiB() }
                let logits = model(batch.inputs)
                let loss = try crossEntropy(logits: logits, targets: batch.labels, labelSmoothing: config.labelSmoothing)
                optimizer.zeroGrad()
                loss.backward()
                optimizer.step()
                scheduler?.step()
                let lossValue = loss.item()
                batchLosses.append(lossValue)
                let correct = Self.correctCount(logits: logits, labels: batch.labels)
                windowLoss += Double(lossValue); windowCorrect += correct; windowSeen += batch.count; windowBatches += 1
                epochLoss += Double(lossValue) * Double(batch.count); epochCorrect += correct; epochSeen += batch.count
                bar.advance(status: String(format: "loss %.4f", lossValue))
                if (index + 1) % config.logInterval == 0 {
                    bar.log(String(format: "Batch %d, Loss: %.4f, Acc: %.2f%%", index + 1,
                                   windowLoss / Double(windowBatches), 100 * Double(windowCorrect) / Double(windowSeen)))
                    windowLoss = 0; windowCorrect = 0; windowSeen = 0; windowBatches = 0
                }
            }
            bar.finish()
            let seconds = ProcessResources.now() - start
            let (testLoss, testAccuracy) = try evaluate(testSet)
            let result = EpochResult(epoch: epoch, trainLoss: epochLoss / Double(max(epochSeen, 1)),
                                     trainAccuracy: Double(epochCorrect) / Double(max(epochSeen, 1)),
                                     testLoss: testLoss, testAccuracy: testAccuracy, trainSeconds: seconds,
                                     imagesPerSecond: Double(epochSeen) / seconds,
                                     residentMiB: [residentEarly, ProcessResources.residentMiB()])
            epochs.append(result)
            output(String(format: "Epoch %d/%d: train loss %.4f, train acc %.2f%%, test loss %.4f, test acc %.2f%% (%.0f img/s, %.1f s, resident %.0f→%.0f MiB)",
                          epoch, config.epochs, result.trainLoss, 100 * result.trainAccuracy, testLoss,
                          100 * testAccuracy, result.imagesPerSecond, seconds, result.residentMiB[0], result.residentMiB[1]))
            if testAccuracy > best.accuracy {
                best = (epoch, testAccuracy)
                if let directory = config.outputDirectory {
                    let url = directory.appendingPathComponent("best.safetensors")
                    try SafeTensors.save(model.stateDict(), metadata: ["epoch": "\(epoch)",
                                                                       "test_accuracy": String(format: "%.4f", testAccuracy)],
                                         to: url)
                    checkpointPath = url.path
                    logger.info("saved best checkpoint", metadata: ["path": "\(url.path)", "epoch": "\(epoch)"])
                }
            }
            if let directory = config.outputDirectory {
                let summary = ClassifierTrainingResult(epochs: epochs, bestEpoch: best.epoch, bestTestAccuracy: best.accuracy,
                                                       batchLosses: [], checkpointPath: checkpointPath)
                try AtomicFile.write(try JSONEncoder.pretty.encode(summary), to: directory.appendingPathComponent("metrics.json"))
            }
        }
        return ClassifierTrainingResult(epochs: epochs, bestEpoch: best.epoch, bestTestAccuracy: best.accuracy,
                                        batchLosses: batchLosses, checkpointPath: checkpointPath)
    }

    /// Mean cross-entropy and accuracy of the model on `dataset`, in eval mode with no graph.
    ///
    /// - Throws: ``FlintError/invalidArgument(operation:message:)`` when a label is outside the model's classes.
    public func evaluate(_ dataset: TensorDataset) throws -> (loss: Double, accuracy: Double) {
        model.eval()
        defer { model.train() }
        return try withNoGrad {
            var totalLoss = 0.0, correct = 0
            let n = dataset.count
            var start = 0
            while start < n {
                let end = min(n, start + configuration.evaluationBatchSize)
                let batch = dataset.batch(indices: Array(start..<end))
                let logits = model(batch.inputs)
                totalLoss += Double(try crossEntropy(logits: logits, targets: batch.labels, reduction: .sum).item())
                correct += Self.correctCount(logits: logits, labels: batch.labels)
                start = end
            }
            return (totalLoss / Double(max(n, 1)), Double(correct) / Double(max(n, 1)))
        }
    }

    /// How many rows of `logits` have their largest value at the label.
    static func correctCount(logits: Tensor, labels: Tensor) -> Int {
        let predictions = withNoGrad { logits.detached().argmax(axis: 1) }.toIntArray()
        let truth = labels.toIntArray()
        var correct = 0
        for i in 0..<min(predictions.count, truth.count) where predictions[i] == truth[i] { correct += 1 }
        return correct
    }
}

extension JSONEncoder {
    static var pretty: JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        return encoder
    }
}
