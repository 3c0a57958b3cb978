import Foundation
import Testing
import Flint
import FlintData
import FlintText
import FlintModels
@testable import FlintTrain

@Suite("Fine-tune job")
struct FineTuneJobTests {
    /// 400 short reviews: positive ones contain a positive word, negative ones a negative word, among
    /// neutral filler; labels are strings, as in a user's CSV.
    static func writeReviews(to url: URL) throws {
        var generator = RandomGenerator(seed: 21)
        let positive = ["good", "great", "excellent", "lovely", "perfect"], negative = ["bad", "awful", "terrible", "broken", "poor"]
        let filler = ["the", "phone", "arrived", "today", "and", "battery", "screen", "is", "really", "quite", "delivery", "box"]
        var lines = ["text,label"]
        for i in 0..<400 {
            let isPositive = i % 2 == 0
            var words = (0..<(4 + generator.nextInt(below: 5))).map { _ in filler[generator.nextInt(below: filler.count)] }
            let key = isPositive ? positive[generator.nextInt(below: 5)] : negative[generator.nextInt(below: 5)]
            words.insert(key, at: generator.nextInt(below: words.count + 1))
            lines.append("\"\(words.joined(separator: " ")) #\(i)\",\(isPositive ? "positive" : "negative")")
        }
        try Data((lines.joined(separator: "\n") + "\n").utf8).write(to: url)
    }

    @Test("from scratch on a CSV: trains a vocabulary and a tiny BERT, beats chance on the hash-split test set, saves a loadable folder")
    func fromScratchOnCSV() throws {
        try RandomGenerator.withScopedDefault(seed: 1) {
            let directory = TinyTask.temporaryDirectory("job")
            defer { try? FileManager.default.removeItem(at: directory) }
            let data = directory.appendingPathComponent("reviews.csv")
            try Self.writeReviews(to: data)
            let config = directory.appendingPathComponent("config.json")
            try Data("""
                {"model_type": "bert", "vocab_size": 200, "hidden_size": 32, "num_hidden_layers": 1, "num_attention_heads": 2,
                 "intermediate_size": 64, "max_position_embeddings": 32}
                """.utf8).write(to: config)
            var arguments = TrainingArguments(outputDirectory: directory.appendingPathComponent("model").path)
            arguments.epochs = 6
            arguments.learningRate = 2e-3
            arguments.perDeviceTrainBatchSize = 16
            arguments.warmupRatio = 0.1
            arguments.evaluationStrategy = .epoch
            arguments.saveStrategy = .epoch
            arguments.saveTotalLimit = 1
            arguments.loadBestModelAtEnd = true
            arguments.metricForBestModel = "accuracy"
            arguments.loggingSteps = 10
            arguments.showProgress = false
            var job = FineTuneJob(model: .fromScratch(configuration: config.path), data: .file(data.path, testFile: nil),
                                  arguments: arguments)
            job.maximumLength = 24
            job.vocabularyMinimumFrequency = 1
            var lines: [String] = []
            let result = try job.run { lines.append($0) }
            #expect(result.labelNames == ["negative", "positive"])
            let counts = result.splitCounts
            #expect(counts["train"]! + counts["validation"]! + counts["test"]! == 400)
            #expect(counts["test"]! > 20)
            #expect(result.testAccuracy >= 0.9, "test accuracy \(result.testAccuracy); \(lines)")
            #expect(result.macroF1 >= 0.9)
            let folder = result.outputDirectory
            for name in ["config.json", "model.safetensors", "vocab.txt", "tokenizer_config.json", "test_results.json"] {
                #expect(FileManager.default.fileExists(atPath: folder.appendingPathComponent(name).path), "missing \(name)")
            }
            // The saved folder classifies through the pipeline with the trained vocabulary.
            let classifier = try pipeline(.textClassification, model: folder.path)
            let predictions = try classifier(["the screen is excellent", "the box arrived broken"]).map(\.label)
            #expect(predictions == ["positive", "negative"])
            // save_total_limit 1 keeps the newest checkpoint and, when it differs, the best one (as transformers does).
            #expect((1...2).contains(TrainerCheckpoint.list(in: folder).count))
        }
    }

    @Test("file errors name the file and what is wrong")
    func fileErrors() throws {
        let directory = TinyTask.temporaryDirectory("job-errors")
        defer { try? FileManager.default.removeItem(at: directory) }
        let data = directory.appendingPathComponent("reviews.csv")
        try Data("text,stars\nfine,5\n".utf8).write(to: data)
        let job = FineTuneJob(model: .pretrained("/nonexistent"), data: .file(data.path, testFile: nil),
                              arguments: TrainingArguments(outputDirectory: directory.path))
        do {
            _ = try job.loadData()
            Issue.record("a file without a label column loaded")
        } catch {
            #expect("\(error)".contains("reviews.csv"))
            #expect("\(error)".contains("'label'"))
        }
        let other = FineTuneJob(model: .pretrained("/nonexistent"), data: .file(directory.appendingPathComponent("data.parquet").path, testFile: nil),
                                arguments: TrainingArguments(outputDirectory: directory.path))
        #expect(throws: DataError.self) { _ = try other.loadData() }
    }
}
