import Foundation
import Testing
import Flint
import FlintNN
import FlintText
import FlintTestSupport
@testable import FlintModels

/// `savePretrained` round trips: MiniLM with a seeded 3-label head is saved, loaded back with
/// `fromPretrained` and the text-classification pipeline, and must give the in-memory model's logits.
///
/// With `FLINT_SAVE_CHECK_DIR` set, the saved folders and the in-memory logits are left there for
/// `scripts/check-saved-model.py`, which loads them with Python's transformers: `saved-model/` +
/// `flint_logits.json` (MiniLM), `wordpiece-model/` + `wordpiece_logits.json` (a trained WordPiece vocabulary).
@Suite struct SavePretrainedTests {
    static let labels = ["neg", "neu", "pos"]
    static let texts = [
        "This product is great, I love it!",
        "The service was terrible and slow.",
        "It arrived on Tuesday.",
        "Shares rose 5% after the earnings call; analysts were surprised.",
    ]

    /// A fresh scratch folder (removed by the caller).
    static func scratch() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("flint-save-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    /// MiniLM with a new 3-label head set from a seeded generator.
    static func classifier(seed: UInt64) throws -> BertForSequenceClassification {
        let model = try BertForSequenceClassification.fromPretrained(try TestModels.miniLM.path, labels: labels)
        let (weight, bias) = RandomGenerator.withScopedDefault(seed: seed) {
            (Tensor.normal([3, 384], std: 0.5), Tensor.normal([3], std: 0.5))
        }
        withNoGrad {
            model.classifier.weight.copy(from: weight)
            model.classifier.bias!.copy(from: bias)
        }
        return model
    }

    /// The model's logits for each text on its own (no padding), in evaluation mode.
    static func logits(_ model: BertForSequenceClassification, tokenizer: Tokenizer) -> [[Float]] {
        model.eval()
        return texts.map { text in
            let ids = tokenizer.encode(text).ids
            return withNoGrad { model(inputIds: Tensor(integers: ids, shape: [1, ids.count])) }.toArray()
        }
    }

    /// For each text and logit i, the worst-case difference between two summation orders of the classifier's
    /// dot product: γ_n·(|b_i| + Σ_j |W_ij·p_j|) with n = hidden + 1 and γ_n = n·u / (1 − n·u), u = 2⁻²⁴.
    static func reorderingBounds(_ model: BertForSequenceClassification, tokenizer: Tokenizer) throws -> [[Float]] {
        model.eval()
        let weight = model.classifier.weight.toArray(), bias = try #require(model.classifier.bias).toArray()
        let hidden = model.configuration.hiddenSize
        let n = Double(hidden + 1), u = 0x1p-24
        let gamma = n * u / (1 - n * u)
        return texts.map { text in
            let ids = tokenizer.encode(text).ids
            let pooled = withNoGrad { model.bert(inputIds: Tensor(integers: ids, shape: [1, ids.count])).poolerOutput! }.toArray()
            return bias.indices.map { i in
                var magnitude = Double(abs(bias[i]))
                for j in 0..<hidden { magnitude += Double(abs(weight[i * hidden + j] * pooled[j])) }
                return Float(gamma * magnitude)
            }
        }
    }

    @Test func miniLMClassifierRoundTripsThroughFromPretrainedAndThePipeline() throws {
        let scratch = try Self.scratch()
        defer { try? FileManager.default.removeItem(at: scratch) }
        let checkDirectory = ProcessInfo.processInfo.environment["FLINT_SAVE_CHECK_DIR"].flatMap { $0.isEmpty ? nil : URL(fileURLWithPath: $0) }
        let folder = (checkDirectory ?? scratch).appendingPathComponent("saved-model", isDirectory: true)

        let model = try Self.classifier(seed: 42)
        let tokenizer = try Tokenizer.fromPretrained(try TestModels.miniLM)
        let expected = Self.logits(model, tokenizer: tokenizer)
        try model.savePretrained(to: folder, tokenizerFrom: try TestModels.miniLM)

        let names = try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted()
        #expect(names == ["config.json", "model.safetensors", "special_tokens_map.json", "tokenizer.json",
                          "tokenizer_config.json", "vocab.txt"])

        // The weights: transformers' names, float32, the model's values bit for bit.
        let file = try SafeTensorsFile(contentsOf: folder.appendingPathComponent("model.safetensors"))
        #expect(file.metadata == ["format": "pt"])
        let state = model.stateDict()
        #expect(Set(file.names) == Set(state.keys))
        #expect(file.names.contains("bert.embeddings.word_embeddings.weight") && file.names.contains("classifier.weight"))
        for (name, tensor) in state {
            let saved = try file.tensor(named: name)
            #expect(saved.dtype == .float32 && saved.shape == tensor.shape, "\(name)")
            #expect(saved.toArray() == tensor.toArray(), "\(name)")
        }

        // Back through fromPretrained (the trainable model) and the pipeline (the inference engine).
        let reloaded = try BertForSequenceClassification.fromPretrained(folder.path)
        #expect(reloaded.labelNames == Self.labels)
        let reloadedLogits = Self.logits(reloaded, tokenizer: try Tokenizer.fromPretrained(folder))
        #expect(reloadedLogits == expected)   // same weights, same code: bit for bit
        let classifier = try pipeline(.textClassification, model: folder.path)
        #expect(classifier.labels == Self.labels)
        let pipelineLogits = try classifier.logits(Self.texts)
        // The pipeline (BertEncoder, weights packed into GEMM panels) and the trainable model compute the same
        // network with different summation orders, and OpenBLAS picks its kernel per CPU. A float32 sum of n
        // terms in any order is within γ_n·Σ|terms| of the exact sum (γ_n ≈ n·u, u = 2⁻²⁴). For logit
        // z_i = b_i + Σ_j W_ij·p_j (p the pooled [CLS] vector, n = hidden + 1 terms) the bound is
        // γ_n·(|b_i| + Σ_j |W_ij·p_j|); the encoder's own rounding reaches p through LayerNorm and tanh at the same
        // relative order, and the 0.5-std head dominates the magnitudes. Measured here: |Δ| ≈ 1e-6, bound ≈ 1e-3.
        let bounds = try Self.reorderingBounds(model, tokenizer: tokenizer)
        for (text, (ours, (theirs, bound))) in zip(Self.texts, zip(expected, zip(pipelineLogits, bounds))) {
            for (a, (b, limit)) in zip(ours, zip(theirs, bound)) {
                #expect(abs(a - b) <= limit, "pipeline vs in-memory logit \(b) vs \(a) (|Δ| \(abs(a - b)) > bound \(limit)) for \"\(text)\"")
            }
        }

        // Saving a loaded model back over its own folder (weights memory-mapped from it, tokenizer read from it).
        try reloaded.savePretrained(to: folder, tokenizerFrom: folder)
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted() == names)
        let again = try BertForSequenceClassification.fromPretrained(folder.path)
        #expect(Self.logits(again, tokenizer: try Tokenizer.fromPretrained(folder)) == expected)

        if let checkDirectory {
            let json: [String: Any] = ["texts": Self.texts, "logits": expected.map { $0.map(Double.init) }]
            try JSONSerialization.data(withJSONObject: json, options: [.prettyPrinted, .sortedKeys])
                .write(to: checkDirectory.appendingPathComponent("flint_logits.json"))
        }
    }

    /// The saved folder in Python's transformers (AutoModelForSequenceClassification + AutoTokenizer, offline):
    /// no missing or unexpected weights and the same logits, checked by scripts/check-saved-model.py in the
    /// peer environment. Runs whenever that environment exists (see ``PeerPython``).
    @Test(.enabled(if: PeerPython.isAvailable, .init(rawValue: PeerPython.skipComment)))
    func savedFolderLoadsInTransformers() throws {
        let scratch = try Self.scratch()
        defer { try? FileManager.default.removeItem(at: scratch) }
        let folder = scratch.appendingPathComponent("saved-model", isDirectory: true)
        let model = try Self.classifier(seed: 42)
        let expected = Self.logits(model, tokenizer: try Tokenizer.fromPretrained(TestModels.miniLM))
        try model.savePretrained(to: folder, tokenizerFrom: try TestModels.miniLM)
        let json: [String: Any] = ["texts": Self.texts, "logits": expected.map { $0.map(Double.init) }]
        try JSONSerialization.data(withJSONObject: json).write(to: scratch.appendingPathComponent("flint_logits.json"))
        let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let script = repository.appendingPathComponent("scripts/check-saved-model.py")
        let output = try PeerPython.run(arguments: [script.path, folder.path])
        #expect(output.status == 0, "check-saved-model.py exited \(output.status):\n\(output.standardOutput)\n\(output.standardError)")
    }

    @Test func configurationRoundTrips() throws {
        let scratch = try Self.scratch()
        defer { try? FileManager.default.removeItem(at: scratch) }
        var configuration = BertConfiguration(vocabularySize: 40, hiddenSize: 8, hiddenLayerCount: 1, attentionHeadCount: 2,
                                              intermediateSize: 16, maximumPositionEmbeddings: 16, labelCount: 2,
                                              idToLabel: [0: "ham", 1: "spam"], problemType: "single_label_classification",
                                              classifierDropout: 0.2)
        configuration.layerNormEpsilon = 1e-7
        let model = try BertForSequenceClassification(configuration: configuration)
        let folder = scratch.appendingPathComponent("tiny")
        try model.savePretrained(to: folder)

        let url = folder.appendingPathComponent("config.json")
        let saved = try BertConfiguration.load(from: url)
        var expected = configuration
        expected.architectures = ["BertForSequenceClassification"]
        #expect(saved == expected)
        let json = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any])
        #expect(json["model_type"] as? String == "bert")
        #expect(json["architectures"] as? [String] == ["BertForSequenceClassification"])
        #expect(json["id2label"] as? [String: String] == ["0": "ham", "1": "spam"])
        #expect(json["label2id"] as? [String: Int] == ["ham": 0, "spam": 1])
        #expect(json["num_labels"] as? Int == 2)
        #expect(json["problem_type"] as? String == "single_label_classification")
        #expect(json["dtype"] as? String == "float32" && json["torch_dtype"] as? String == "float32")
        #expect(json["transformers_version"] as? String == BertSavePretrained.transformersVersion)
        #expect(json["layer_norm_eps"] as? Double == 1e-7)

        // The bare encoder: BertModel names, no prefix.
        let encoderFolder = scratch.appendingPathComponent("encoder")
        try model.bert.savePretrained(to: encoderFolder)
        let file = try SafeTensorsFile(contentsOf: encoderFolder.appendingPathComponent("model.safetensors"))
        #expect(Set(file.names) == Set(model.bert.stateDict().keys))
        #expect(file.names.contains("pooler.dense.weight") && !file.names.contains { $0.hasPrefix("bert.") })
        #expect(try BertConfiguration.load(from: encoderFolder.appendingPathComponent("config.json")).architectures == ["BertModel"])
    }

    @Test func savingOverAFolderReplacesItWholeAndKeepsOtherEntries() throws {
        let scratch = try Self.scratch()
        defer { try? FileManager.default.removeItem(at: scratch) }
        let configuration = BertConfiguration(vocabularySize: 40, hiddenSize: 8, hiddenLayerCount: 1, attentionHeadCount: 2,
                                              intermediateSize: 16, maximumPositionEmbeddings: 16, labelCount: 2)
        let first = try RandomGenerator.withScopedDefault(seed: 1) { try BertForSequenceClassification(configuration: configuration) }
        let second = try RandomGenerator.withScopedDefault(seed: 2) { try BertForSequenceClassification(configuration: configuration) }
        let folder = scratch.appendingPathComponent("run")
        try first.savePretrained(to: folder)
        // A trainer's checkpoint and a stale weight file of another save.
        try FileManager.default.createDirectory(at: folder.appendingPathComponent("checkpoint-10"), withIntermediateDirectories: true)
        try Data("{}".utf8).write(to: folder.appendingPathComponent("checkpoint-10/trainer_state.json"))
        try Data("stale".utf8).write(to: folder.appendingPathComponent("pytorch_model.bin"))

        try second.savePretrained(to: folder)
        let names = try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted()
        #expect(names == ["checkpoint-10", "config.json", "model.safetensors"])
        #expect(FileManager.default.fileExists(atPath: folder.appendingPathComponent("checkpoint-10/trainer_state.json").path))
        let loaded = try BertForSequenceClassification.fromPretrained(folder.path)
        #expect(loaded.classifier.weight.toArray() == second.classifier.weight.toArray())
        #expect(loaded.classifier.weight.toArray() != first.classifier.weight.toArray())
        // No staging or replaced folder is left next to it.
        #expect(try FileManager.default.contentsOfDirectory(atPath: scratch.path) == ["run"])
    }

    @Test func aSaveThatStopsBeforeCommitLeavesTheOldFolderComplete() throws {
        let scratch = try Self.scratch()
        defer { try? FileManager.default.removeItem(at: scratch) }
        let configuration = BertConfiguration(vocabularySize: 40, hiddenSize: 8, hiddenLayerCount: 1, attentionHeadCount: 2,
                                              intermediateSize: 16, maximumPositionEmbeddings: 16, labelCount: 2)
        let model = try RandomGenerator.withScopedDefault(seed: 3) { try BertForSequenceClassification(configuration: configuration) }
        let folder = scratch.appendingPathComponent("run")
        try model.savePretrained(to: folder)
        let before = try Data(contentsOf: folder.appendingPathComponent("model.safetensors"))

        // A crash mid-save: files written into the staging folder, never committed.
        var writer = try ModelFolderWriter(destination: folder)
        try writer.write(Data("{\"model_type\": \"bert\"}".utf8), named: "config.json")
        try writer.write(Data("half".utf8), named: "model.safetensors")
        #expect(try Data(contentsOf: folder.appendingPathComponent("model.safetensors")) == before)
        #expect(try BertForSequenceClassification.fromPretrained(folder.path).classifier.weight.toArray() == model.classifier.weight.toArray())
        writer.discard()
        #expect(try FileManager.default.contentsOfDirectory(atPath: scratch.path) == ["run"])

        // A save that fails (no tokenizer in `tokenizerFrom`) writes nothing.
        let empty = scratch.appendingPathComponent("empty")
        try FileManager.default.createDirectory(at: empty, withIntermediateDirectories: true)
        #expect(throws: HubError.self) { try model.savePretrained(to: folder, tokenizerFrom: empty) }
        #expect(try FileManager.default.contentsOfDirectory(atPath: scratch.path).sorted() == ["empty", "run"])
        #expect(try Data(contentsOf: folder.appendingPathComponent("model.safetensors")) == before)
    }

    @Test func aTrainedWordPieceVocabularyFolderIsATokenizerSource() throws {
        let scratch = try Self.scratch()
        defer { try? FileManager.default.removeItem(at: scratch) }
        var trainer = WordPieceTrainer(settings: WordPieceTrainingSettings(vocabularySize: 120, minimumFrequency: 1))
        trainer.feed(["这个产品质量很好", "服务态度太差了", "质量很好，服务也好", "The quality is good."])
        let vocabulary = trainer.train()
        let vocabularyFolder = scratch.appendingPathComponent("vocabulary")
        try vocabulary.write(to: vocabularyFolder)

        let configuration = BertConfiguration(vocabularySize: vocabulary.tokens.count, hiddenSize: 8, hiddenLayerCount: 1,
                                              attentionHeadCount: 2, intermediateSize: 16, maximumPositionEmbeddings: 32,
                                              labelCount: 2, idToLabel: [0: "negative", 1: "positive"])
        let model = try RandomGenerator.withScopedDefault(seed: 4) { try BertForSequenceClassification(configuration: configuration) }
        let checkDirectory = ProcessInfo.processInfo.environment["FLINT_SAVE_CHECK_DIR"].flatMap { $0.isEmpty ? nil : URL(fileURLWithPath: $0) }
        let folder = (checkDirectory ?? scratch).appendingPathComponent("wordpiece-model")
        try model.savePretrained(to: folder, tokenizerFrom: vocabularyFolder)
        let names = try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted()
        #expect(names == ["config.json", "model.safetensors", "tokenizer_config.json", "vocab.txt"])

        let text = "这个服务很好"
        let expectedIds = try vocabulary.tokenizer().encode(text).ids
        #expect(try Tokenizer.fromPretrained(folder).encode(text).ids == expectedIds)
        let classifier = try pipeline(.textClassification, model: folder.path)
        let logits = try classifier.logits([text])[0]
        let expected = withNoGrad { model.eval()(inputIds: Tensor(integers: expectedIds, shape: [1, expectedIds.count])) }.toArray()
        #expect(zip(logits, expected).allSatisfy { abs($0 - $1) <= 1e-5 })
        if let checkDirectory {
            let json: [String: Any] = ["texts": [text], "logits": [expected.map(Double.init)]]
            try JSONSerialization.data(withJSONObject: json, options: [.prettyPrinted, .sortedKeys])
                .write(to: checkDirectory.appendingPathComponent("wordpiece_logits.json"))
        }
    }
}
