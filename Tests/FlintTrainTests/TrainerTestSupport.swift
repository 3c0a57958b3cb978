import Foundation
import Flint
import FlintNN
import FlintData
import FlintModels
@testable import FlintTrain

/// A tiny task and model for Trainer tests: sequences of 3–9 random tokens from 5…19; the label is 1
/// when token 7 occurs, else 0 — learnable by a 1-layer BERT in a few dozen steps.
enum TinyTask {
    static func table(count: Int, seed: UInt64) throws -> DataTable {
        var generator = RandomGenerator(seed: seed)
        var ids: [[Int]] = [], labels: [Int] = []
        for i in 0..<count {
            let length = 3 + generator.nextInt(below: 7)
            var row = [2] + (0..<length).map { _ in 5 + generator.nextInt(below: 15) }.map { $0 == 7 ? 8 : $0 } + [3]
            if i % 2 == 0 { row[1 + generator.nextInt(below: length)] = 7 }
            ids.append(row)
            labels.append(row.contains(7) ? 1 : 0)
        }
        return try DataTable(columns: [("input_ids", .integerArrays(ids)), ("label", .integers(labels))])
    }

    static let configuration = BertConfiguration(vocabularySize: 20, hiddenSize: 16, hiddenLayerCount: 1, attentionHeadCount: 2,
                                                 intermediateSize: 32, maximumPositionEmbeddings: 16, labelCount: 2,
                                                 idToLabel: [0: "absent", 1: "present"])

    /// A freshly initialised model (seeded: the same weights every call).
    static func model(seed: UInt64 = 7) throws -> BertForSequenceClassification {
        try RandomGenerator.withScopedDefault(seed: seed) { try BertForSequenceClassification(configuration: configuration) }.train()
    }

    static func arguments(_ directory: URL) -> TrainingArguments {
        var arguments = TrainingArguments(outputDirectory: directory.path)
        arguments.perDeviceTrainBatchSize = 8
        arguments.perDeviceEvalBatchSize = 16
        arguments.learningRate = 3e-3
        arguments.warmupSteps = 4
        arguments.weightDecay = 0.01
        arguments.loggingSteps = 4
        arguments.saveStrategy = .no
        arguments.showProgress = false
        arguments.seed = 11
        return arguments
    }

    static func temporaryDirectory(_ name: String) -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("flint-trainer-\(name)-\(UUID().uuidString)", isDirectory: true)
        try? FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }
}
