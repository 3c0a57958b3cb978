import Foundation
import Testing
import Flint
import FlintNN
import FlintTestSupport
@testable import FlintModels

/// Parameter names, initialisation and checkpoint loading of the trainable BERT modules.
@Suite struct BertModelStateDictTests {
    @Test func stateDictKeysAreTheHuggingFaceCheckpointNames() throws {
        let checkpoint = Set(try BertModelTestFixtures.weights.keys).subtracting(["embeddings.position_ids"])
        #expect(checkpoint.count == 103)
        let model = try BertModelTestFixtures.model
        #expect(Set(model.stateDict().keys) == checkpoint)
        for (name, tensor) in model.stateDict() { #expect(try tensor.shape == BertModelTestFixtures.weights[name]!.shape, "\(name)") }
        // Parameters are the same tensors, all trainable (no buffers).
        #expect(model.namedParameters().count == 103)
        #expect(model.namedBuffers().isEmpty)
        #expect(model.namedParameters().map(\.0).prefix(6) == [
            "embeddings.word_embeddings.weight", "embeddings.position_embeddings.weight",
            "embeddings.token_type_embeddings.weight", "embeddings.LayerNorm.weight", "embeddings.LayerNorm.bias",
            "encoder.layer.0.attention.self.query.weight"])

        var configuration = try BertModelTestFixtures.configuration
        configuration.labelCount = 3
        let classifier = try BertForSequenceClassification(configuration: configuration)
        let expected = Set(checkpoint.map { "bert." + $0 }).union(["classifier.weight", "classifier.bias"])
        #expect(Set(classifier.stateDict().keys) == expected)
        #expect(classifier.classifier.weight.shape == [3, 384])
    }

    @Test func freshModelIsInitialisedLikeTransformers() throws {
        var configuration = BertModelTestFixtures.tinyConfiguration()
        configuration.hiddenSize = 64
        configuration.attentionHeadCount = 4
        configuration.intermediateSize = 128
        configuration.vocabularySize = 300
        configuration.initializerRange = 0.02
        let model = try RandomGenerator.withScopedDefault(seed: 1) { try BertModel(configuration: configuration) }
        func stdev(_ v: [Float]) -> Float {
            let mean = v.reduce(0, +) / Float(v.count)
            return (v.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Float(v.count)).squareRoot()
        }
        let words = model.embeddings.wordEmbeddings.weight.toArray()
        #expect(Array(words[0..<64]).allSatisfy { $0 == 0 })                       // padding row
        #expect(abs(stdev(Array(words[64...])) - 0.02) < 0.001)
        let query = model.encoder.layers[0].attention.selfAttention.query
        #expect(abs(stdev(query.weight.toArray()) - 0.02) < 0.002)
        #expect(query.bias!.toArray().allSatisfy { $0 == 0 })
        #expect(model.encoder.layers[1].output.layerNorm.weight!.toArray().allSatisfy { $0 == 1 })
        #expect(model.encoder.layers[1].output.layerNorm.bias!.toArray().allSatisfy { $0 == 0 })
        #expect(model.embeddings.layerNorm.epsilon == 1e-12)
    }

    @Test func loadsNamesWithAndWithoutTheBertPrefix() throws {
        let configuration = BertModelTestFixtures.tinyConfiguration()
        let source = try RandomGenerator.withScopedDefault(seed: 2) { try BertForSequenceClassification(configuration: configuration) }
        // A task checkpoint (bert.* + classifier.*) plus an old position_ids buffer and another head.
        var checkpoint = source.stateDict()
        checkpoint["bert.embeddings.position_ids"] = Tensor(integers: Array(0..<16), shape: [1, 16])
        checkpoint["cls.predictions.bias"] = Tensor.zeros([20])
        let target = try RandomGenerator.withScopedDefault(seed: 3) { try BertForSequenceClassification(configuration: configuration) }
        let report = try target.load(weights: checkpoint, source: "task.safetensors")
        #expect(report.initializedKeys.isEmpty)
        #expect(report.unexpectedKeys == ["cls.predictions.bias"])
        for (name, tensor) in target.stateDict() { #expect(tensor.toArray() == checkpoint[name]!.toArray(), "\(name)") }

        // The encoder alone takes the same task checkpoint (prefix removed, head unexpected).
        let encoder = try RandomGenerator.withScopedDefault(seed: 4) { try BertModel(configuration: configuration) }
        let encoderReport = try encoder.load(weights: checkpoint)
        #expect(encoderReport.unexpectedKeys == ["classifier.bias", "classifier.weight", "cls.predictions.bias"])
        #expect(encoder.pooler!.dense.weight.toArray() == checkpoint["bert.pooler.dense.weight"]!.toArray())

        // A classifier from a bare encoder checkpoint keeps its fresh head and says so.
        let fresh = try RandomGenerator.withScopedDefault(seed: 5) { try BertForSequenceClassification(configuration: configuration) }
        let head = fresh.classifier.weight.toArray()
        let freshReport = try fresh.load(weights: encoder.stateDict())
        #expect(freshReport.initializedKeys == ["classifier.bias", "classifier.weight"])
        #expect(fresh.classifier.weight.toArray() == head)
        #expect(fresh.bert.embeddings.wordEmbeddings.weight.toArray() == checkpoint["bert.embeddings.word_embeddings.weight"]!.toArray())
    }

    @Test func missingAndMisshapedWeightsAreListedAndNothingIsCopied() throws {
        let configuration = BertModelTestFixtures.tinyConfiguration()
        let model = try RandomGenerator.withScopedDefault(seed: 6) { try BertModel(configuration: configuration) }
        let before = model.embeddings.wordEmbeddings.weight.toArray()
        var checkpoint = try RandomGenerator.withScopedDefault(seed: 7) { try BertModel(configuration: configuration) }.stateDict()
        checkpoint["encoder.layer.1.intermediate.dense.weight"] = nil
        checkpoint["pooler.dense.bias"] = nil
        checkpoint["encoder.layer.0.attention.self.key.weight"] = Tensor.zeros([8, 4])
        do {
            try model.load(weights: checkpoint, source: "broken.safetensors")
            Issue.record("loading an incomplete checkpoint must throw")
        } catch let error as StateDictError {
            #expect(error.target == "broken.safetensors")
            #expect(error.missingKeys == ["encoder.layer.1.intermediate.dense.weight", "pooler.dense.bias"])
            #expect(error.shapeMismatches == [.init(key: "encoder.layer.0.attention.self.key.weight", expected: [8, 8], found: [8, 4])])
            let message = error.description
            #expect(message.contains("broken.safetensors") && message.contains("expected shape [8, 8], found [8, 4]"))
        }
        #expect(model.embeddings.wordEmbeddings.weight.toArray() == before)
    }

    @Test func unsupportedActivationAndProblemTypeThrow() throws {
        #expect(throws: FlintError.self) { try BertModel(configuration: BertModelTestFixtures.tinyConfiguration(activation: "mystery")) }
        var configuration = BertModelTestFixtures.tinyConfiguration()
        configuration.problemType = "ranking"
        #expect(throws: FlintError.self) { try BertForSequenceClassification(configuration: configuration) }
        #expect(throws: Never.self) { try BertModel(configuration: BertModelTestFixtures.tinyConfiguration(activation: "gelu_new")) }
    }

    @Test func savedClassifierReloadsUnderItsCheckpointNames() throws {
        let configuration = BertModelTestFixtures.tinyConfiguration()
        let model = try RandomGenerator.withScopedDefault(seed: 9) { try BertForSequenceClassification(configuration: configuration) }.eval()
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("flint-bert-\(UUID().uuidString).safetensors")
        defer { try? FileManager.default.removeItem(at: url) }
        try model.save(to: url)
        let saved = try SafeTensorsFile(contentsOf: url).loadAll()
        #expect(Set(saved.keys) == Set(model.stateDict().keys))
        #expect(saved.keys.contains("bert.encoder.layer.1.attention.output.LayerNorm.weight"))
        let reloaded = try BertForSequenceClassification(configuration: configuration, weights: saved, source: url.path).eval()
        let ids = Tensor(integers: [1, 4, 9, 2], shape: [1, 4])
        #expect(withNoGrad { reloaded(inputIds: ids).toArray() } == withNoGrad { model(inputIds: ids).toArray() })
    }

    @Test func halfPrecisionCheckpointsAreConverted() throws {
        let configuration = BertModelTestFixtures.tinyConfiguration()
        let source = try RandomGenerator.withScopedDefault(seed: 8) { try BertModel(configuration: configuration) }
        let half = source.stateDict().mapValues { $0.to(.float16) }
        let model = try BertModel(configuration: configuration, weights: half)
        let expected = half["encoder.layer.0.output.dense.weight"]!.to(.float32).toArray()
        #expect(model.encoder.layers[0].output.dense.weight.toArray() == expected)
    }
}
