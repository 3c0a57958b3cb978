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

    /// The reviews CSV and a 1-layer BERT `config.json` (2 heads, intermediate 2 × hidden) in `directory`.
    static func writeInputs(in directory: URL, vocabularySize: Int, hiddenSize: Int) throws -> (data: URL, configuration: URL) {
        let data = directory.appendingPathComponent("reviews.csv")
        try writeReviews(to: data)
        let configuration = directory.appendingPathComponent("config.json")
        try Data("""
            {"model_type": "bert", "vocab_size": \(vocabularySize), "hidden_size": \(hiddenSize), "num_hidden_layers": 1,
             "num_attention_heads": 2, "intermediate_size": \(2 * hiddenSize), "max_position_embeddings": 32}
            """.utf8).write(to: configuration)
        return (data, configuration)
    }

    @Test("from scratch on a CSV: trains a vocabulary and a tiny BERT, beats chance on the hash-split test set, saves a loadable folder")
    func fromScratchOnCSV() throws {
        try RandomGenerator.withScopedDefault(seed: 1) {
            let directory = TinyTask.temporaryDirectory("job")
            defer { try? FileManager.default.removeItem(at: directory) }
            let (data, config) = try Self.writeInputs(in: directory, vocabularySize: 200, hiddenSize: 32)
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

    @Test("a from-scratch job resumed from its checkpoint reuses the checkpoint's vocabulary and ends with the same weights")
    func resumeFromScratch() throws {
        try RandomGenerator.withScopedDefault(seed: 1) {
            let directory = TinyTask.temporaryDirectory("job-resume")
            defer { try? FileManager.default.removeItem(at: directory) }
            let (data, config) = try Self.writeInputs(in: directory, vocabularySize: 120, hiddenSize: 16)
            // The resumed job has another seed for initialisation and dropout (the checkpoint must replace both)
            // and the same data seed (the batch order is part of the run's arguments).
            func job(_ output: String, seed: UInt64) -> FineTuneJob {
                var arguments = TrainingArguments(outputDirectory: directory.appendingPathComponent(output).path)
                arguments.seed = seed
                arguments.dataSeed = 42
                arguments.maximumSteps = 12
                arguments.learningRate = 2e-3
                arguments.perDeviceTrainBatchSize = 16
                arguments.saveStrategy = .steps
                arguments.saveSteps = 6
                arguments.showProgress = false
                var job = FineTuneJob(model: .fromScratch(configuration: config.path), data: .file(data.path, testFile: nil),
                                      arguments: arguments)
                job.maximumLength = 24
                job.validationFraction = 0
                job.vocabularyMinimumFrequency = 1
                return job
            }
            let full = try job("a", seed: 42).run { _ in }
            let resumed = try job("b", seed: 7).run(resumeFromCheckpoint: directory.appendingPathComponent("a/checkpoint-6")) { _ in }
            #expect(resumed.training.globalStep == 12)
            #expect(resumed.testAccuracy == full.testAccuracy)
            let a = try SafeTensorsFile(contentsOf: full.outputDirectory.appendingPathComponent("model.safetensors")).loadAll()
            let b = try SafeTensorsFile(contentsOf: resumed.outputDirectory.appendingPathComponent("model.safetensors")).loadAll()
            #expect(Set(a.keys) == Set(b.keys))
            for (name, tensor) in a { #expect(tensor.toArray() == b[name]!.toArray(), "\(name) differs after resuming") }
            let vocabularyA = try String(contentsOf: full.outputDirectory.appendingPathComponent("vocab.txt"), encoding: .utf8)
            let vocabularyB = try String(contentsOf: resumed.outputDirectory.appendingPathComponent("vocab.txt"), encoding: .utf8)
            #expect(vocabularyA == vocabularyB)
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
