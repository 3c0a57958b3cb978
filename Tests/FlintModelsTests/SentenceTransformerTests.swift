import Foundation
import Testing
import Flint
import FlintNN
import FlintTestSupport
@testable import FlintModels

/// sentence-transformers folder configuration, pooling and normalisation.
@Suite struct SentenceTransformerTests {
    /// A temporary folder with the given files (relative path → contents).
    private func folder(_ files: [String: String]) throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("flint-st-\(UUID().uuidString)")
        for (path, contents) in files {
            let file = url.appendingPathComponent(path)
            try FileManager.default.createDirectory(at: file.deletingLastPathComponent(), withIntermediateDirectories: true)
            try contents.write(to: file, atomically: true, encoding: .utf8)
        }
        return url
    }

    private let modules = #"[{"idx":0,"name":"0","path":"","type":"sentence_transformers.models.Transformer"},{"idx":1,"name":"1","path":"1_Pooling","type":"sentence_transformers.models.Pooling"}]"#

    @Test func readsTheMiniLMFolder() throws {
        let configuration = try SentenceTransformerConfiguration.load(from: try TestModels.miniLM)
        #expect(configuration.modules.map(\.kind) == [.transformer, .pooling, .normalize])
        #expect(configuration.modules[1].path == "1_Pooling")
        #expect(configuration.maximumSequenceLength == 256)
        #expect(configuration.doLowerCase == false)
        #expect(configuration.pooling == SentencePooling(modes: [.mean], embeddingDimension: 384))
        #expect(configuration.normalizes)
    }

    @Test func readsBothPoolingConfigurationFormats() throws {
        let legacy = try folder([
            "modules.json": modules,
            "sentence_bert_config.json": #"{"max_seq_length": 128, "do_lower_case": true}"#,
            "1_Pooling/config.json": #"{"word_embedding_dimension": 8, "pooling_mode_cls_token": true, "pooling_mode_mean_tokens": true, "pooling_mode_max_tokens": true, "pooling_mode_mean_sqrt_len_tokens": false}"#,
        ])
        let a = try SentenceTransformerConfiguration.load(from: legacy)
        // The legacy flags concatenate in sentence-transformers' order: cls, max, mean.
        #expect(a.pooling.modes == [.cls, .max, .mean])
        #expect(a.pooling.outputDimension == 24)
        #expect(a.maximumSequenceLength == 128 && a.doLowerCase && !a.normalizes)
        let modern = try folder([
            "modules.json": modules,
            "1_Pooling/config.json": #"{"embedding_dimension": 8, "pooling_mode": ["mean_sqrt_len_tokens", "lasttoken"], "include_prompt": false}"#,
        ])
        let b = try SentenceTransformerConfiguration.load(from: modern)
        #expect(b.pooling.modes == [.meanSquareRootLength, .lastToken])
        #expect(b.pooling.includePrompt == false)
        #expect(b.maximumSequenceLength == nil)
        let single = try folder(["modules.json": modules, "1_Pooling/config.json": #"{"embedding_dimension": 4, "pooling_mode": "cls"}"#])
        #expect(try SentenceTransformerConfiguration.load(from: single).pooling.modes == [.cls])
    }

    @Test func badFilesThrowErrorsNamingFileAndField() throws {
        func message(_ files: [String: String]) throws -> String {
            let url = try folder(files)
            do {
                _ = try SentenceTransformerConfiguration.load(from: url)
                return "no error"
            } catch let error as FlintError {
                return error.description
            }
        }
        let dense = #"[{"idx":0,"name":"0","path":"","type":"sentence_transformers.models.Transformer"},{"idx":1,"name":"1","path":"1_Pooling","type":"sentence_transformers.models.Pooling"},{"idx":2,"name":"2","path":"2_Dense","type":"sentence_transformers.models.Dense"}]"#
        let unknownType = try message(["modules.json": dense])
        #expect(unknownType.contains("modules.json") && unknownType.contains("module 2 type") && unknownType.contains("Dense"))
        let badMode = try message(["modules.json": modules, "1_Pooling/config.json": #"{"embedding_dimension": 4, "pooling_mode": "median"}"#])
        #expect(badMode.contains("config.json") && badMode.contains("pooling_mode") && badMode.contains("\"median\""))
        let noDimension = try message(["modules.json": modules, "1_Pooling/config.json": #"{"pooling_mode_mean_tokens": true}"#])
        #expect(noDimension.contains("word_embedding_dimension"))
        let badLength = try message(["modules.json": modules, "sentence_bert_config.json": #"{"max_seq_length": "long"}"#,
                                     "1_Pooling/config.json": #"{"embedding_dimension": 4}"#])
        #expect(badLength.contains("sentence_bert_config.json") && badLength.contains("max_seq_length"))
        let notJSON = try message(["modules.json": "[{"])
        #expect(notJSON.contains("modules.json") && notJSON.contains("JSON"))
        let missing = try message([:])
        #expect(missing.contains("modules.json"))
    }

    @Test func poolingModesMatchHandComputedValues() throws {
        // Batch 2, length 3, hidden 2; the second sequence has one padding position.
        let hidden = Tensor([1, 2, 3, -4, 5, 6,
                             -1, 0, 2, 2, 100, 100], shape: [2, 3, 2])
        let mask = Tensor(integers: [1, 1, 1, 1, 1, 0], shape: [2, 3])
        func pool(_ mode: SentencePoolingMode) -> [Float] {
            SentencePooling(modes: [mode], embeddingDimension: 2)(hiddenStates: hidden, attentionMask: mask).toArray()
        }
        #expect(pool(.cls) == [1, 2, -1, 0])
        #expect(pool(.max) == [5, 6, 2, 2])
        #expect(GradientCheck.allClose(pool(.mean), [3, 4.0 / 3, 0.5, 1]))
        #expect(GradientCheck.allClose(pool(.meanSquareRootLength), [9 / Float(3).squareRoot(), 4 / Float(3).squareRoot(),
                                                                     1 / Float(2).squareRoot(), 2 / Float(2).squareRoot()]))
        // Weights 1, 2, 3 (and 1, 2): (1·x₀ + 2·x₁ + 3·x₂) / 6.
        let weightedMean: [Float] = [22.0 / 6, 12.0 / 6, 3.0 / 3, 4.0 / 3]
        #expect(GradientCheck.allClose(pool(.weightedMean), weightedMean))
        #expect(pool(.lastToken) == [5, 6, 2, 2])
        let both = SentencePooling(modes: [.cls, .mean], embeddingDimension: 2)(hiddenStates: hidden, attentionMask: mask)
        #expect(both.shape == [2, 4])
        #expect(GradientCheck.allClose(both.toArray(), [1, 2, 3, 4.0 / 3, -1, 0, 0.5, 1]))
        // No mask: every token counts.
        let unmasked = SentencePooling(modes: [.mean], embeddingDimension: 2)(hiddenStates: hidden, attentionMask: nil).toArray()
        #expect(GradientCheck.allClose(unmasked, [3, 4.0 / 3, 101.0 / 3, 34]))
    }

    @Test func poolingAndNormalisationGradientsMatchFiniteDifferences() throws {
        let mask = Tensor(integers: [1, 1, 1, 1, 0, 1, 1, 0, 0, 0], shape: [2, 5])
        let pooling = SentencePooling(modes: SentencePoolingMode.allCases, embeddingDimension: 3)
        let hidden = GradientCheck.random([2, 5, 3], seed: 9)
        let error = GradientCheck.maxError([hidden], epsilon: 1e-3) { inputs in
            pooling(hiddenStates: inputs[0], attentionMask: mask).l2Normalized()
        }
        #expect(error < 2e-3, "max error \(error)")
        // Padding never receives gradient.
        hidden.zeroGrad()
        pooling(hiddenStates: hidden, attentionMask: mask).sum().backward()
        let g = hidden.grad!.toArray()
        #expect(Array(g[(12)..<15]).allSatisfy { $0 == 0 })
        #expect(Array(g[(21)..<30]).allSatisfy { $0 == 0 })
    }

    @Test func l2NormalisationGivesUnitVectors() throws {
        let x = Tensor([3, 4, 0, 0, 1, -1], shape: [3, 2]).l2Normalized().toArray()
        #expect(GradientCheck.allClose(x, [0.6, 0.8, 0, 0, 1 / Float(2).squareRoot(), -1 / Float(2).squareRoot()]))
    }

    @Test func oneTrainingStepPullsAPairOfEmbeddingsTogether() throws {
        let bert = try RandomGenerator.withScopedDefault(seed: 31) { try BertModel(configuration: BertModelTestFixtures.tinyConfiguration()) }
        let configuration = SentenceTransformerConfiguration(pooling: SentencePooling(modes: [.mean], embeddingDimension: 8), normalizes: true)
        let model = SentenceTransformer(bert: bert, sentenceConfiguration: configuration).train()
        let batch = BertInputBatch(sequences: [[1, 5, 7, 2], [1, 9, 2]])
        func similarity() -> Tensor {
            let e = model(inputIds: batch.inputIds, attentionMask: batch.attentionMask)        // [2, 8], unit rows
            #expect(GradientCheck.allClose(withNoGrad { e.square().sum(axis: 1) }.toArray(), [1, 1], tolerance: 1e-5))
            return (e.select(axis: 0, index: 0) * e.select(axis: 0, index: 1)).sum()
        }
        let optimizer = AdamW(parameters: model.parameters(), learningRate: 1e-2)
        let before = similarity()
        (1 - before).backward()
        optimizer.step()
        let after = withNoGrad { similarity() }.item()
        #expect(after > before.item() + 1e-3, "cosine \(before.item()) → \(after)")
    }

    @Test func sentenceTransformerStateDictIsTheCheckpointLayout() throws {
        let configuration = try SentenceTransformerConfiguration.load(from: try TestModels.miniLM)
        let model = SentenceTransformer(bert: try BertModelTestFixtures.model, sentenceConfiguration: configuration)
        let checkpoint = Set(try BertModelTestFixtures.weights.keys).subtracting(["embeddings.position_ids"])
        #expect(Set(model.stateDict().keys) == checkpoint)
        #expect(model.embeddingDimension == 384)
    }
}
