import Foundation
import Testing
import FlintData
import FlintText
import FlintModels
import FlintTestSupport
import FlintTrain

/// The README's fine-tuning example, run as written but cut to 2 steps on 64 BBC News articles (the full
/// run is `flint finetune`, whose numbers the README reports), so the front door keeps compiling and working.
@Suite struct ReadmeFineTuneExampleTests {
    @Test func fineTuningExampleRunsAndSavesAFolderThatClassifies() throws {
        let output = FileManager.default.temporaryDirectory.appendingPathComponent("flint-readme-finetune-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: output) }
        let base = try TestModels.miniLM.path

        let tokenizer = try Tokenizer.fromPretrained(URL(fileURLWithPath: base))
        let splits = try BBCNews.loadSplits()                                   // cleaned, sha1 hash split
        let parts = splits["train"]!.shuffled(seed: 1).select(Array(0..<64))      // README: splits["train"]!
            .trainTestSplit(testSize: 0.25, seed: 42)
        let train = try parts["train"]!.tokenized(with: tokenizer, maximumLength: 64)
        let validation = try parts["test"]!.tokenized(with: tokenizer, maximumLength: 64)

        let model = try BertForSequenceClassification.fromPretrained(base, labels: BBCNews.classNames).train()
        var arguments = TrainingArguments(outputDirectory: output.path)
        arguments.maximumSteps = 2                                               // README: arguments.epochs = 3
        arguments.learningRate = 1e-4
        arguments.perDeviceTrainBatchSize = 16
        arguments.warmupRatio = 0.06
        arguments.weightDecay = 0.01
        arguments.evaluationStrategy = .epoch
        arguments.saveStrategy = .epoch
        arguments.loadBestModelAtEnd = true
        arguments.metricForBestModel = "accuracy"
        arguments.showProgress = false
        let trainer = Trainer(model: model, arguments: arguments, trainDataset: train, evalDataset: validation,
                              tokenizerFolder: URL(fileURLWithPath: base), computeMetrics: ClassificationMetrics.compute)
        try trainer.train()

        let test = try splits["test"]!.select(Array(0..<16)).tokenized(with: tokenizer, maximumLength: 64)
        let metrics = try trainer.evaluate(test, metricKeyPrefix: "test")
        #expect(metrics["test_accuracy"] != nil && metrics["test_f1"] != nil)
        try trainer.saveModel()

        let classifier = try pipeline(.textClassification, model: output.path)
        #expect(classifier.labels == BBCNews.classNames)
        #expect(try classifier(["Shares rose after record profits."]).count == 1)
        #expect(FileManager.default.fileExists(atPath: output.appendingPathComponent("checkpoint-2/trainer_state.json").path))
    }
}
