import Foundation
import Testing
import Flint
import FlintNN
import FlintData
import FlintModels
@testable import FlintTrain

@Suite("Trainer")
struct TrainerTests {
    @Test("a tiny BERT learns the task: eval accuracy ≥ 0.9 after training, near chance before")
    func learns() throws {
        try RandomGenerator.withScopedDefault(seed: 1) {
            let directory = TinyTask.temporaryDirectory("learns")
            defer { try? FileManager.default.removeItem(at: directory) }
            let train = try TinyTask.table(count: 192, seed: 1), evaluation = try TinyTask.table(count: 96, seed: 2)
            var arguments = TinyTask.arguments(directory)
            arguments.epochs = 8
            arguments.evaluationStrategy = .epoch
            let model = try TinyTask.model()
            let trainer = Trainer(model: model, arguments: arguments, trainDataset: train, evalDataset: evaluation,
                                  computeMetrics: ClassificationMetrics.compute)
            let before = try trainer.evaluate()
            let output = try trainer.train()
            let after = try trainer.evaluate()
            #expect(output.globalStep == 8 * 24)
            #expect(before["eval_accuracy"]! < 0.7)
            #expect(after["eval_accuracy"]! >= 0.9, "eval accuracy \(after["eval_accuracy"]!)")
            #expect(after["eval_loss"]! < before["eval_loss"]! * 0.6)
            // Logs: training losses every 4 steps, an evaluation per epoch, the final summary.
            let history = trainer.state.logHistory
            #expect(history.filter { $0["loss"] != nil }.count == 48)
            #expect(history.filter { $0["eval_accuracy"] != nil }.count == 8)
            #expect(history.last?["train_runtime"] != nil)
            let firstLoss = history.first { $0["loss"] != nil }!["loss"]!
            let lastLoss = history.last { $0["loss"] != nil }!["loss"]!
            #expect(lastLoss < firstLoss * 0.5, "loss \(firstLoss) → \(lastLoss)")
            // The learning rate follows linear warm-up (4 steps) and decay to 0.
            let rates = history.compactMap { $0["learning_rate"] }
            #expect(abs(rates[0] - 3e-3) < 1e-9)   // after step 4 warm-up is complete
            #expect(rates.last! < 1e-9)            // and the rate has decayed to 0 after the last step
        }
    }

    @Test("the learning rate at each logged step is transformers' linear schedule")
    func learningRateSchedule() throws {
        try RandomGenerator.withScopedDefault(seed: 1) {
            let directory = TinyTask.temporaryDirectory("schedule")
            defer { try? FileManager.default.removeItem(at: directory) }
            var arguments = TinyTask.arguments(directory)
            arguments.maximumSteps = 10
            arguments.warmupSteps = 0
            arguments.warmupRatio = 0.2   // ⌈0.2 × 10⌉ = 2 warm-up steps
            arguments.loggingSteps = 1
            arguments.learningRate = 1e-3
            let trainer = Trainer(model: try TinyTask.model(), arguments: arguments, trainDataset: try TinyTask.table(count: 40, seed: 3))
            try trainer.train()
            // As in transformers, the rate logged after step s (1-based) is the schedule's rate for the next
            // step: warm-up s/2 for s < 2, then (10 − s)/8, reaching 0 after the last step.
            let rates = trainer.state.logHistory.compactMap { $0["learning_rate"] }
            var expected: [Double] = []
            for step in 1...10 {
                let fraction: Double = step < 2 ? Double(step) / 2 : Double(10 - step) / 8
                expected.append(1e-3 * fraction)
            }
            #expect(rates.count == 10)
            for (rate, want) in zip(rates, expected) { #expect(abs(rate - want) < 1e-9, "\(rates) vs \(expected)") }
        }
    }

    @Test("resuming from a checkpoint ends with the same weights and losses as the uninterrupted run")
    func resumeEquality() throws {
        try RandomGenerator.withScopedDefault(seed: 1) {
            let first = TinyTask.temporaryDirectory("resume-a"), second = TinyTask.temporaryDirectory("resume-b")
            defer {
                try? FileManager.default.removeItem(at: first)
                try? FileManager.default.removeItem(at: second)
            }
            let train = try TinyTask.table(count: 60, seed: 4)   // 8 batches of 8 (last 4): 8 steps per epoch
            var arguments = TinyTask.arguments(first)
            arguments.epochs = 3
            arguments.saveStrategy = .steps
            arguments.saveSteps = 5
            arguments.loggingSteps = 1
            arguments.gradientAccumulationSteps = 2   // 4 optimizer steps per epoch, 12 in all
            let uninterrupted = Trainer(model: try TinyTask.model(), arguments: arguments, trainDataset: train)
            let full = try uninterrupted.train()
            #expect(full.globalStep == 12)
            let checkpoint = first.appendingPathComponent("checkpoint-5")
            #expect(FileManager.default.fileExists(atPath: checkpoint.appendingPathComponent("optimizer.safetensors").path))

            arguments.outputDirectory = second.path
            let resumedModel = try TinyTask.model(seed: 99)   // different initial weights: the checkpoint must replace them
            let resumed = Trainer(model: resumedModel, arguments: arguments, trainDataset: train)
            let rest = try resumed.train(resumeFromCheckpoint: checkpoint)
            #expect(rest.globalStep == 12)
            let losses = { (trainer: Trainer<BertForSequenceClassification>) in
                trainer.state.logHistory.filter { $0["loss"] != nil }.map { [$0["step"]!, $0["loss"]!] }
            }
            #expect(losses(resumed) == losses(uninterrupted), "resumed \(losses(resumed)) vs \(losses(uninterrupted))")
            let a = uninterrupted.model.stateDict(), b = resumed.model.stateDict()
            for (name, tensor) in a { #expect(tensor.toArray() == b[name]!.toArray(), "\(name) differs after resuming") }
        }
    }

    @Test("checkpoints hold the model folder and the resume state; save_total_limit deletes the oldest but keeps the best")
    func checkpointsAndRotation() throws {
        try RandomGenerator.withScopedDefault(seed: 1) {
            let directory = TinyTask.temporaryDirectory("rotate")
            defer { try? FileManager.default.removeItem(at: directory) }
            var arguments = TinyTask.arguments(directory)
            arguments.maximumSteps = 12
            arguments.saveStrategy = .steps
            arguments.saveSteps = 2
            arguments.evaluationStrategy = .steps
            arguments.evaluationSteps = 2
            arguments.saveTotalLimit = 2
            arguments.loadBestModelAtEnd = true
            arguments.metricForBestModel = "loss"
            let trainer = Trainer(model: try TinyTask.model(), arguments: arguments, trainDataset: try TinyTask.table(count: 64, seed: 5),
                                  evalDataset: try TinyTask.table(count: 32, seed: 6), computeMetrics: ClassificationMetrics.compute)
            try trainer.train()
            let left = TrainerCheckpoint.list(in: directory).map(\.step)
            let best = try #require(trainer.state.bestModelCheckpoint)
            let bestStep = Int(URL(fileURLWithPath: best).lastPathComponent.dropFirst(TrainerCheckpoint.prefix.count))!
            #expect(left.contains(12))
            #expect(left.contains(bestStep))
            #expect(left.count == (bestStep == 12 ? 2 : 3) || left.count == 2)
            #expect(left.count <= 3)
            // Every eval was logged; the best one has the lowest loss.
            let evalLosses = trainer.state.logHistory.compactMap { entry in entry["eval_loss"].map { (Int(entry["step"]!), $0) } }
            #expect(evalLosses.count == 6)
            #expect(evalLosses.min { $0.1 < $1.1 }!.0 == bestStep)
            // A checkpoint is a loadable model folder plus resume state; no staging folder is left behind.
            let folder = directory.appendingPathComponent("checkpoint-12")
            for name in ["config.json", "model.safetensors", "optimizer.safetensors", "scheduler.json", "rng_state.json",
                         "trainer_state.json", "training_args.json"] {
                #expect(FileManager.default.fileExists(atPath: folder.appendingPathComponent(name).path), "missing \(name)")
            }
            let names = try FileManager.default.contentsOfDirectory(atPath: directory.path)
            #expect(!names.contains { $0.hasPrefix(".") && $0 != ".DS_Store" }, "left over: \(names)")
            let state = try JSONDecoder().decode(TrainerState.self, from: Data(contentsOf: folder.appendingPathComponent("trainer_state.json")))
            #expect(state.globalStep == 12)
            let loaded = try BertForSequenceClassification.fromPretrained(folder.path)
            #expect(loaded.labelNames == ["absent", "present"])
            // load_best_model_at_end: the trainer's model now has the best checkpoint's weights.
            let bestWeights = try SafeTensorsFile(contentsOf: URL(fileURLWithPath: best).appendingPathComponent("model.safetensors")).loadAll()
            let current = trainer.model.stateDict()
            #expect(bestWeights["classifier.weight"]!.toArray() == current["classifier.weight"]!.toArray())
        }
    }

    @Test("the Trainer writes TensorBoard scalars that the event reader reads back with their steps")
    func tensorBoard() throws {
        try RandomGenerator.withScopedDefault(seed: 1) {
            let directory = TinyTask.temporaryDirectory("board")
            defer { try? FileManager.default.removeItem(at: directory) }
            var arguments = TinyTask.arguments(directory)
            arguments.maximumSteps = 8
            arguments.loggingSteps = 2
            arguments.evaluationStrategy = .steps
            arguments.evaluationSteps = 4
            let trainer = Trainer(model: try TinyTask.model(), arguments: arguments, trainDataset: try TinyTask.table(count: 64, seed: 7),
                                  evalDataset: try TinyTask.table(count: 16, seed: 8), computeMetrics: ClassificationMetrics.compute)
            try trainer.train()
            let runs = directory.appendingPathComponent("runs")
            let files = try FileManager.default.contentsOfDirectory(atPath: runs.path).filter { $0.hasPrefix("events.out.tfevents.") }
            #expect(files.count == 1)
            let events = try TensorBoardEventReader.events(in: runs.appendingPathComponent(files[0]))
            func steps(_ tag: String) -> [Int64] {
                events.filter { $0.summary?.contains { $0.tag == tag } ?? false }.map(\.step)
            }
            #expect(steps("train/loss") == [2, 4, 6, 8])
            #expect(steps("train/learning_rate") == [2, 4, 6, 8])
            #expect(steps("eval/accuracy") == [4, 8])
            #expect(steps("eval/loss") == [4, 8])
            let loggedLoss = trainer.state.logHistory.first { $0["loss"] != nil && $0["step"] == 2 }!["loss"]!
            let boardLoss = events.first { $0.step == 2 }!.summary!.first { $0.tag == "train/loss" }!.simpleValue!
            #expect(abs(Double(boardLoss) - loggedLoss) < 1e-6)
        }
    }

    @Test("predict returns logits in data-set order; savePretrained after training round-trips in Flint")
    func predictAndSave() throws {
        try RandomGenerator.withScopedDefault(seed: 1) {
            let directory = TinyTask.temporaryDirectory("save")
            defer { try? FileManager.default.removeItem(at: directory) }
            var arguments = TinyTask.arguments(directory)
            arguments.maximumSteps = 6
            arguments.perDeviceEvalBatchSize = 5
            let data = try TinyTask.table(count: 23, seed: 9)
            let trainer = Trainer(model: try TinyTask.model(), arguments: arguments, trainDataset: data,
                                  computeMetrics: ClassificationMetrics.compute)
            try trainer.train()
            let output = try trainer.predict(data)
            #expect(output.logits.count == 23)
            #expect(output.labels == data[column: "label"].integers)
            #expect(output.metrics["test_accuracy"] != nil && output.metrics["test_loss"] != nil)
            // Row by row through the model gives the same logits (order restored, padding masked).
            let model = trainer.model.eval()
            for index in [0, 7, 22] {
                let batch = try PaddedBatch(table: data, indices: [index])
                let logits = withNoGrad { model.logits(for: batch) }.toArray()
                for (x, y) in zip(logits, output.logits[index]) { #expect(abs(x - y) < 1e-4) }
            }
            try trainer.saveModel()
            let reloaded = try BertForSequenceClassification.fromPretrained(directory.path)
            let batch = try PaddedBatch(table: data, indices: Array(0..<23))
            let again = withNoGrad { reloaded.logits(for: batch) }.toArray()
            let original = withNoGrad { model.logits(for: batch) }.toArray()
            #expect(again == original)
            #expect(FileManager.default.fileExists(atPath: directory.appendingPathComponent("training_args.json").path))
        }
    }

    @Test("bad data, arguments and checkpoints throw errors that name the problem")
    func errors() throws {
        let directory = TinyTask.temporaryDirectory("errors")
        defer { try? FileManager.default.removeItem(at: directory) }
        let model = try TinyTask.model()
        let text = try DataTable(["text": .strings(["a", "b"]), "label": .integers([0, 1])])
        #expect(throws: TrainerError.self) { try Trainer(model: model, arguments: TinyTask.arguments(directory), trainDataset: text).train() }
        do {
            try Trainer(model: model, arguments: TinyTask.arguments(directory), trainDataset: text).train()
        } catch {
            #expect("\(error)".contains("input_ids"))
        }
        var arguments = TinyTask.arguments(directory)
        arguments.loadBestModelAtEnd = true
        arguments.evaluationStrategy = .epoch
        arguments.saveStrategy = .steps
        #expect(throws: TrainerError.invalidArguments("load_best_model_at_end needs save_strategy (steps) to match eval_strategy (epoch)")) {
            try arguments.validate()
        }
        arguments = TinyTask.arguments(directory)
        arguments.gradientAccumulationSteps = 0
        #expect(throws: TrainerError.self) { try arguments.validate() }
        // A checkpoint folder without its files.
        let broken = directory.appendingPathComponent("checkpoint-3")
        try FileManager.default.createDirectory(at: broken, withIntermediateDirectories: true)
        try Data("{\"generator\": [1, 2]}".utf8).write(to: broken.appendingPathComponent("rng_state.json"))
        let trainer = Trainer(model: model, arguments: TinyTask.arguments(directory), trainDataset: try TinyTask.table(count: 16, seed: 1))
        do {
            try trainer.train(resumeFromCheckpoint: broken)
            Issue.record("resuming from a broken checkpoint did not throw")
        } catch let error as TrainerError {
            guard case .invalidCheckpoint(let path, let message) = error else { Issue.record("\(error)"); return }
            #expect(path.hasSuffix("checkpoint-3/rng_state.json"))
            #expect(message.contains("expected 5 integers"))
        }
    }
}
