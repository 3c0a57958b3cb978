import Foundation
import Testing
import Flint
import FlintData
import FlintModels
@testable import FlintTrain

/// BERT's 15% / 80-10-10 masking, the masked-LM pre-training loop, and `FineTuneJob` with masked-LM
/// pre-training before fine-tuning.
@Suite("Masked language modeling")
struct MaskedLanguageModelingTests {
    /// Ids 0…4 are special ([PAD] 0, [UNK] 1, [CLS] 2, [SEP] 3, [MASK] 4) in a vocabulary of 1000.
    static let masking = MaskedLanguageModeling(maskTokenID: 4, vocabularySize: 1000, specialTokenIDs: [0, 1, 2, 3])

    /// `count` rows [CLS] w… [SEP] of 20…59 random words, every tenth word [UNK], padded with [PAD] to 61
    /// (attention mask 0 there).
    static func rows(count: Int, seed: UInt64) -> [(ids: [Int], attention: [Int])] {
        var generator = RandomGenerator(seed: seed)
        return (0..<count).map { _ in
            let length = 20 + generator.nextInt(below: 40)
            let words = (0..<length).map { $0 % 10 == 9 ? 1 : 5 + generator.nextInt(below: 995) }
            let ids = [2] + words + [3]
            let padding = 61 - ids.count
            return (ids + Array(repeating: 0, count: padding), Array(repeating: 1, count: ids.count) + Array(repeating: 0, count: padding))
        }
    }

    @Test("15% of eligible tokens are chosen, 80% of them become [MASK], 10% random, 10% unchanged; special and padding never")
    func statistics() {
        var generator = RandomGenerator(seed: 5)
        var eligible = 0, chosen = 0, masked = 0, replaced = 0, unchanged = 0
        for (ids, attention) in Self.rows(count: 3000, seed: 1) {
            let (inputs, labels) = Self.masking.mask(ids, attentionMask: attention, generator: &generator)
            #expect(labels.count == ids.count && inputs.count == ids.count)
            for i in ids.indices {
                let isEligible = attention[i] == 1 && ids[i] > 4
                if isEligible { eligible += 1 }
                if labels[i] == -100 {
                    #expect(inputs[i] == ids[i])
                    continue
                }
                #expect(isEligible, "chose special or padding id \(ids[i]) at \(i)")
                #expect(labels[i] == ids[i])
                chosen += 1
                if inputs[i] == 4 { masked += 1 } else if inputs[i] == ids[i] { unchanged += 1 } else {
                    replaced += 1
                    #expect(inputs[i] > 4, "random replacement \(inputs[i]) is special")
                }
            }
        }
        // ≈ 106 000 eligible tokens, ≈ 16 000 chosen: 4 standard deviations are about ±0.0045 and ±0.013.
        let rate = Double(chosen) / Double(eligible)
        #expect(abs(rate - 0.15) < 0.005, "chosen \(rate)")
        #expect(abs(Double(masked) / Double(chosen) - 0.8) < 0.013, "masked \(masked) of \(chosen)")
        // A random replacement equal to the original (1 in 995) counts as unchanged.
        #expect(abs(Double(replaced) / Double(chosen) - 0.1 * 994 / 995) < 0.01, "replaced \(replaced) of \(chosen)")
        #expect(abs(Double(unchanged) / Double(chosen) - 0.1) < 0.01, "unchanged \(unchanged) of \(chosen)")
    }

    @Test("masks are a function of the seed")
    func deterministicPerSeed() {
        let rows = Self.rows(count: 50, seed: 2)
        func run(_ seed: UInt64) -> [[Int]] {
            var generator = RandomGenerator(seed: seed)
            return rows.flatMap { row in
                let (inputs, labels) = Self.masking.mask(row.ids, attentionMask: row.attention, generator: &generator)
                return [inputs, labels]
            }
        }
        #expect(run(9) == run(9))
        #expect(run(9) != run(10))
    }

    @Test("every sequence with a maskable token gets at least one; one without gets none")
    func atLeastOnePerSequence() {
        var generator = RandomGenerator(seed: 3)
        for word in 5..<400 {
            let (inputs, labels) = Self.masking.mask([2, word, 3], generator: &generator)
            #expect(labels == [-100, word, -100])
            #expect(inputs[0] == 2 && inputs[2] == 3)
        }
        let (inputs, labels) = Self.masking.mask([2, 1, 3, 0], attentionMask: [1, 1, 1, 0], generator: &generator)
        #expect(inputs == [2, 1, 3, 0] && labels == [-100, -100, -100, -100])
    }

    @Test("a padded batch is masked row by row into int64 tensors")
    func paddedBatch() throws {
        let table = try DataTable(columns: [("input_ids", .integerArrays([[2, 10, 11, 12, 3], [2, 13, 3]]))])
        let batch = try PaddedBatch(table: table, indices: [0, 1], padTokenID: 0)
        var generator = RandomGenerator(seed: 4)
        let (inputs, labels) = Self.masking.mask(batch, generator: &generator)
        #expect(inputs.shape == [2, 5] && labels.shape == [2, 5] && inputs.dtype == .int64 && labels.dtype == .int64)
        let ids = inputs.toIntArray(), targets = labels.toIntArray()
        #expect(Array(ids[8..<10]) == [0, 0] && Array(targets[8..<10]) == [-100, -100])
        #expect(targets[6] == 13)   // the second row's only maskable token
        #expect(targets[0] == -100 && targets[4] == -100 && targets[5] == -100 && targets[7] == -100)
    }

    /// Rows [CLS] a a … a [SEP] of one word id a in 5…24: a masked token is predictable from any other.
    static func repetitionTable(count: Int) throws -> DataTable {
        var generator = RandomGenerator(seed: 8)
        let ids = (0..<count).map { _ -> [Int] in
            let word = 5 + generator.nextInt(below: 20), length = 6 + generator.nextInt(below: 6)
            return [2] + Array(repeating: word, count: length) + [3]
        }
        return try DataTable(columns: [("input_ids", .integerArrays(ids))])
    }

    @Test("pre-training lowers the masked-LM loss well below chance on repetitive sequences")
    func pretrainingLearns() throws {
        let configuration = BertConfiguration(vocabularySize: 25, hiddenSize: 16, hiddenLayerCount: 1, attentionHeadCount: 2,
                                              intermediateSize: 32, hiddenDropoutProbability: 0, attentionDropoutProbability: 0,
                                              maximumPositionEmbeddings: 16, initializerRange: 0.2)
        let model = try RandomGenerator.withScopedDefault(seed: 1) { try BertForMaskedLM(configuration: configuration) }
        var pretraining = MaskedLanguageModelPretraining(epochs: 8)
        pretraining.learningRate = 1e-2
        pretraining.batchSize = 16
        pretraining.loggingSteps = 10
        pretraining.showProgress = false
        let masking = MaskedLanguageModeling(maskTokenID: 4, vocabularySize: 25, specialTokenIDs: [0, 1, 2, 3])
        var lines: [String] = []
        let output = try pretraining.train(model, on: try Self.repetitionTable(count: 160), masking: masking, padTokenID: 0) { lines.append($0) }
        #expect(output.steps == 80 && output.epochLosses.count == 8)
        #expect(output.loggedLosses.map(\.step) == [10, 20, 30, 40, 50, 60, 70, 80])
        // Chance is ln 20 ≈ 3.0 over the 20 word ids.
        #expect(output.epochLosses[0] > 2.0, "\(output.epochLosses)")
        #expect(output.epochLosses.last! < 1.0, "\(output.epochLosses)")
        #expect(lines.contains { $0.hasPrefix("Masked-LM pre-training done: 80 steps") })
        // Same seed, same run.
        let again = try RandomGenerator.withScopedDefault(seed: 1) { try BertForMaskedLM(configuration: configuration) }
        let repeated = try pretraining.train(again, on: try Self.repetitionTable(count: 160), masking: masking, padTokenID: 0) { _ in }
        #expect(repeated.epochLosses == output.epochLosses)
    }

    @Test("a from-scratch job pre-trains a masked LM, saves it to mlm/, and fine-tunes from its encoder")
    func jobWithPretraining() throws {
        try RandomGenerator.withScopedDefault(seed: 1) {
            let directory = TinyTask.temporaryDirectory("job-mlm")
            defer { try? FileManager.default.removeItem(at: directory) }
            let (data, config) = try FineTuneJobTests.writeInputs(in: directory, vocabularySize: 120, hiddenSize: 16)
            var arguments = TrainingArguments(outputDirectory: directory.appendingPathComponent("model").path)
            // Two fine-tuning steps at a negligible learning rate: the saved encoder is the pre-trained one.
            arguments.maximumSteps = 2
            arguments.learningRate = 1e-12
            arguments.perDeviceTrainBatchSize = 16
            arguments.saveStrategy = .no
            arguments.loggingSteps = 10
            arguments.showProgress = false
            var job = FineTuneJob(model: .fromScratch(configuration: config.path), data: .file(data.path, testFile: nil),
                                  arguments: arguments)
            job.maximumLength = 24
            job.validationFraction = 0
            job.vocabularyMinimumFrequency = 1
            job.maskedLanguageModelEpochs = 4
            job.maskedLanguageModelLearningRate = 3e-3
            var lines: [String] = []
            let result = try job.run { lines.append($0) }
            #expect(result.maskedLanguageModelLosses.count == 4)
            #expect(result.maskedLanguageModelLosses.last! < result.maskedLanguageModelLosses.first! - 0.3,
                    "\(result.maskedLanguageModelLosses)")
            #expect(result.maskedLanguageModelRuntime > 0)
            #expect(lines.contains { $0.hasPrefix("Encoder initialised from masked-LM pre-training") }, "\(lines)")
            let mlmFolder = result.outputDirectory.appendingPathComponent("mlm")
            let pretrained = try SafeTensorsFile(contentsOf: mlmFolder.appendingPathComponent("model.safetensors")).loadAll()
            #expect(pretrained["cls.predictions.transform.dense.weight"] != nil && pretrained["bert.pooler.dense.weight"] == nil)
            #expect(FileManager.default.fileExists(atPath: mlmFolder.appendingPathComponent("vocab.txt").path))
            let classifier = try SafeTensorsFile(contentsOf: result.outputDirectory.appendingPathComponent("model.safetensors")).loadAll()
            var compared = 0
            for (name, tensor) in pretrained where name.hasPrefix("bert.") {
                let a = tensor.toArray(), b = classifier[name]!.toArray()
                #expect(zip(a, b).allSatisfy { abs($0 - $1) < 1e-6 }, "\(name) was not copied")
                compared += 1
            }
            #expect(compared == 5 + 16)
            // A pretrained model is not pre-trained again.
            var pretrainedJob = job
            pretrainedJob.model = .pretrained(result.outputDirectory.path)
            #expect(throws: TrainerError.self) { _ = try pretrainedJob.run { _ in } }
        }
    }
}
