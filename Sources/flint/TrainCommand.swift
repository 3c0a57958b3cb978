import ArgumentParser
import Foundation
import Logging
import FlintTrain

/// `flint train …`: training jobs.
struct TrainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train", abstract: "Train a model.", subcommands: [TrainCNNCommand.self])
}

/// `flint train cnn`: the reference CNN on an image data set.
struct TrainCNNCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cnn", abstract: "Train the reference CNN (Adam, cross-entropy) and keep the best checkpoint.")

    @Option(help: "The data set: fashion-mnist.")
    var dataset: String = "fashion-mnist"
    @Option(help: "Directory holding the data set's IDX files (default: the Debian package's).")
    var dataDirectory: String?
    @Option(help: "Passes over the training set.")
    var epochs: Int = 1
    @Option(help: "Images per step.")
    var batchSize: Int = 64
    @Option(name: .customLong("lr"), help: "Adam's learning rate.")
    var learningRate: Float = 1e-2
    @Option(help: "Learning-rate schedule: constant, or cosine (linear warm-up, then cosine decay to 0 at the last step).")
    var schedule: String = "cosine"
    @Option(help: "Fraction of all steps spent warming up (cosine schedule).")
    var warmupFraction: Double = 0.1
    @Option(help: "Cross-entropy label smoothing (0 = none).")
    var labelSmoothing: Float = 0.1
    @Option(help: "Seed for initialisation, shuffling and dropout.")
    var seed: UInt64 = 42
    @Option(help: "Directory for best.safetensors and metrics.json.")
    var output: String = "runs/cnn"

    func validate() throws {
        guard dataset == "fashion-mnist" else {
            throw ValidationError("unknown data set '\(dataset)'; available: fashion-mnist")
        }
        guard schedule == "constant" || schedule == "cosine" else {
            throw ValidationError("unknown schedule '\(schedule)'; use constant or cosine")
        }
        guard epochs >= 1, batchSize >= 1 else { throw ValidationError("--epochs and --batch-size must be at least 1") }
        guard learningRate >= 0, learningRate.isFinite else { throw ValidationError("--lr must be a finite number ≥ 0, found \(learningRate)") }
        guard warmupFraction >= 0, warmupFraction <= 1 else { throw ValidationError("--warmup-fraction must be in [0, 1], found \(warmupFraction)") }
        guard labelSmoothing >= 0, labelSmoothing <= 1 else { throw ValidationError("--label-smoothing must be in [0, 1], found \(labelSmoothing)") }
    }

    func run() throws {
        LoggingSystem.bootstrapOnce()
        let configuration = ClassifierTrainingConfiguration(
            epochs: epochs, batchSize: batchSize, learningRate: learningRate, seed: seed,
            outputDirectory: URL(fileURLWithPath: output),
            schedule: schedule == "cosine" ? .warmupCosine(warmupFraction: warmupFraction) : .constant,
            labelSmoothing: labelSmoothing)
        let result = try ReferenceCNNTraining.fashionMNIST(configuration: configuration, directory: dataDirectory)
        if let path = result.checkpointPath { print("Best checkpoint (epoch \(result.bestEpoch)): \(path)") }
        print(String(format: "Test accuracy: %.2f%%", 100 * result.bestTestAccuracy))
    }
}

extension LoggingSystem {
    private static let bootstrapped: Void = {
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = ProcessInfo.processInfo.environment["FLINT_LOG_LEVEL"].flatMap(Logger.Level.init(rawValue:)) ?? .info
            return handler
        }
    }()

    /// Sets up swift-log once: stderr, level from `FLINT_LOG_LEVEL` (default info).
    static func bootstrapOnce() { _ = bootstrapped }
}
