import Foundation
import Testing
import Flint
import FlintTestSupport
@testable import FlintModels

/// Pipelines end to end: text in, Hugging Face's numbers out (tokenizer + model folder + encoder).
@Suite struct PipelineTests {
    struct FixtureText: Decodable {
        let key: String
        let text: String
        let input_ids: [Int]
        let embedding: [Float]
    }
    struct HiddenStates: Decodable { let first3_tokens_last_hidden_state: [[Float]] }
    struct Reference: Decodable {
        let texts: [FixtureText]
        let last_hidden_state_first3: [String: HiddenStates]
    }
    struct Similarity: Decodable { let sentences: [String]; let cosine: [[Float]] }
    struct ClassifierReference: Decodable {
        struct Head: Decodable { let weight: [[Float]]; let bias: [Float] }
        let keys: [String]
        let id2label: [String: String]
        let classifier: Head
        let logits: [[Float]]
    }

    static func fixture<T: Decodable>(_ name: String, as type: T.Type) throws -> T {
        let url = try #require(Bundle.module.url(forResource: "Fixtures/\(name)", withExtension: "json"))
        return try JSONDecoder().decode(T.self, from: Data(contentsOf: url))
    }

    static let reference: Reference = try! fixture("minilm_reference", as: Reference.self)
    nonisolated(unsafe) private static let embedderResult = Result { try pipeline(.sentenceEmbedding, model: try TestModels.miniLM.path) }
    /// The MiniLM sentence-embedding pipeline (loaded once; throws when the model is missing).
    static var embedder: SentenceEmbeddingPipeline { get throws { try embedderResult.get() } }

    @Test func sentenceEmbeddingsMatchSentenceTransformersOnEveryFixtureText() throws {
        let texts = Self.reference.texts
        let vectors = try Self.embedder(texts.map(\.text))
        #expect(try Self.embedder.maximumLength == 256)
        #expect(try Self.embedder.pooling == .mean && Self.embedder.normalizes)
        for (text, vector) in zip(texts, vectors) {
            let cosine = SentenceEmbeddingPipeline.cosineSimilarity(vector, text.embedding)
            let difference = zip(vector, text.embedding).map { abs($0 - $1) }.max() ?? .infinity
            #expect(cosine >= 0.9999, "\(text.key): cosine \(cosine)")
            #expect(difference <= 1e-4, "\(text.key): max |Δ| \(difference)")
        }
    }

    @Test func similarityMatrixMatchesReference() throws {
        let similarity = try Self.fixture("minilm_similarity_reference", as: Similarity.self)
        let vectors = try Self.embedder(similarity.sentences)
        for i in vectors.indices {
            for j in vectors.indices {
                let cosine = SentenceEmbeddingPipeline.cosineSimilarity(vectors[i], vectors[j])
                #expect(abs(cosine - similarity.cosine[i][j]) < 1e-3, "cos(\(i), \(j)) = \(cosine)")
            }
        }
    }

    @Test func aThousandTextsBatchThemselvesAndKeepTheirOrder() throws {
        let base = Self.reference.texts.map(\.text)
        let texts = (0..<1000).map { base[($0 * 7) % base.count] + ($0 % 3 == 0 ? "" : " \($0)") }
        let small = try pipeline(.sentenceEmbedding, model: try TestModels.miniLM.path, options: PipelineOptions(batchSize: 7))
        let batched = try Self.embedder(texts)
        #expect(batched.count == 1000)
        for index in [0, 1, 2, 499, 998, 999] {
            let alone = try small(texts[index])
            let difference = zip(alone, batched[index]).map { abs($0 - $1) }.max() ?? .infinity
            #expect(difference <= 1e-5, "text \(index): max |Δ| \(difference)")
        }
        let chunked = try small(Array(texts[100..<140]))
        for (offset, vector) in chunked.enumerated() {
            let difference = zip(vector, batched[100 + offset]).map { abs($0 - $1) }.max() ?? .infinity
            #expect(difference <= 1e-5)
        }
        #expect(try Self.embedder([]).isEmpty)
    }

    @Test func featureExtractionGivesTheFirstHiddenStates() throws {
        let extractor = try pipeline(.featureExtraction, model: try TestModels.miniLM.path)
        #expect(extractor.maximumLength == 512)
        let byKey = Dictionary(uniqueKeysWithValues: Self.reference.texts.map { ($0.key, $0) })
        let keys = Self.reference.last_hidden_state_first3.keys.sorted()
        let states = try extractor(keys.map { byKey[$0]!.text })
        for (key, state) in zip(keys, states) {
            let expected = Self.reference.last_hidden_state_first3[key]!.first3_tokens_last_hidden_state
            #expect(state.shape == [byKey[key]!.input_ids.count, 384])
            let values = state.toArray()
            var worst: Float = 0
            for row in expected.indices { for column in 0..<384 { worst = max(worst, abs(values[row * 384 + column] - expected[row][column])) } }
            #expect(worst <= 1e-4, "\(key): max |Δ| \(worst)")
        }
    }

    @Test func truncationFollowsTheOption() throws {
        let long = String(repeating: "word ", count: 700)
        let extractor = try pipeline(.featureExtraction, model: try TestModels.miniLM.path, options: PipelineOptions(maximumLength: 16))
        #expect(try extractor(long).shape == [16, 384])
        #expect(try Self.embedder(long).count == 384)
    }

    /// A sequence-classification folder: MiniLM's files plus a 3-label head, as a two-shard checkpoint whose
    /// first shard is MiniLM's own model.safetensors (linked, not copied).
    static func makeClassifierFolder(_ reference: ClassifierReference, problemType: String? = nil) throws -> URL {
        let fileManager = FileManager.default
        let folder = fileManager.temporaryDirectory.appendingPathComponent("flint-classifier-\(UUID().uuidString)")
        try fileManager.createDirectory(at: folder, withIntermediateDirectories: true)
        let miniLM = try TestModels.miniLM
        for name in ["tokenizer.json", "tokenizer_config.json", "vocab.txt", "special_tokens_map.json"] {
            try fileManager.createSymbolicLink(at: folder.appendingPathComponent(name),
                                               withDestinationURL: miniLM.appendingPathComponent(name))
        }
        try fileManager.createSymbolicLink(at: folder.appendingPathComponent("model-00001-of-00002.safetensors"),
                                           withDestinationURL: miniLM.appendingPathComponent("model.safetensors"))
        let head = reference.classifier
        try SafeTensors.save([
            "classifier.weight": Tensor(head.weight.flatMap { $0 }, shape: [head.weight.count, head.weight[0].count]),
            "classifier.bias": Tensor(head.bias, shape: [head.bias.count]),
        ], to: folder.appendingPathComponent("model-00002-of-00002.safetensors"))
        var weightMap: [String: String] = ["classifier.weight": "model-00002-of-00002.safetensors",
                                           "classifier.bias": "model-00002-of-00002.safetensors"]
        for name in try SafeTensorsFile(contentsOf: miniLM.appendingPathComponent("model.safetensors")).names {
            weightMap[name] = "model-00001-of-00002.safetensors"
        }
        let index: [String: Any] = ["metadata": [:] as [String: Any], "weight_map": weightMap]
        try JSONSerialization.data(withJSONObject: index).write(to: folder.appendingPathComponent("model.safetensors.index.json"))
        var config = try JSONSerialization.jsonObject(with: Data(contentsOf: miniLM.appendingPathComponent("config.json"))) as! [String: Any]
        config["architectures"] = ["BertForSequenceClassification"]
        config["id2label"] = reference.id2label
        config["label2id"] = Dictionary(uniqueKeysWithValues: reference.id2label.map { ($1, Int($0)!) })
        if let problemType { config["problem_type"] = problemType }
        try JSONSerialization.data(withJSONObject: config).write(to: folder.appendingPathComponent("config.json"))
        return folder
    }

    @Test func textClassificationMatchesTransformers() throws {
        let reference = try Self.fixture("bert_classifier_reference", as: ClassifierReference.self)
        let folder = try Self.makeClassifierFolder(reference)
        defer { try? FileManager.default.removeItem(at: folder) }
        let classifier = try pipeline(.textClassification, model: folder.path)
        #expect(classifier.labels == ["negative", "neutral", "positive"])
        #expect(classifier.scoreFunction == .softmax)
        let byKey = Dictionary(uniqueKeysWithValues: Self.reference.texts.map { ($0.key, $0.text) })
        let texts = reference.keys.map { byKey[$0]! }
        let logits = try classifier.logits(texts)
        let results = try classifier(texts)
        for (index, expected) in reference.logits.enumerated() {
            let difference = zip(logits[index], expected).map { abs($0 - $1) }.max() ?? .infinity
            #expect(difference <= 1e-4, "\(reference.keys[index]): max |Δ| \(difference)")
            let exps = expected.map { Foundation.exp(Double($0)) }
            let probabilities = exps.map { Float($0 / exps.reduce(0, +)) }
            let best = probabilities.indices.max { probabilities[$0] < probabilities[$1] }!
            #expect(results[index].label == classifier.labels[best])
            #expect(abs(results[index].score - probabilities[best]) < 1e-4)
            #expect(results[index].probabilities.map(\.label) == classifier.labels)
            #expect(abs(results[index].probabilities.map(\.score).reduce(0, +) - 1) < 1e-5)
        }
    }

    @Test func multiLabelModelsUseSigmoid() throws {
        let reference = try Self.fixture("bert_classifier_reference", as: ClassifierReference.self)
        let folder = try Self.makeClassifierFolder(reference, problemType: "multi_label_classification")
        defer { try? FileManager.default.removeItem(at: folder) }
        let classifier = try pipeline(.textClassification, model: folder.path)
        #expect(classifier.scoreFunction == .sigmoid)
        let text = Self.reference.texts.first { $0.key == reference.keys[0] }!.text
        let result = try classifier(text)
        for (score, logit) in zip(result.probabilities.map(\.score), reference.logits[0]) {
            #expect(abs(score - Float(1 / (1 + Foundation.exp(-Double(logit))))) < 1e-4)
        }
    }

    @Test func classificationNeedsAHead() throws {
        #expect(throws: BertEncoderError.self) { try pipeline(.textClassification, model: try TestModels.miniLM.path) }
    }

    @Test func zeroShotClassificationByEmbeddingSimilarity() throws {
        let classifier = try pipeline(.zeroShotClassification, model: try TestModels.miniLM.path)
        let labels = ["sport", "business", "politics", "technology", "entertainment"]
        let texts = [
            "The striker scored twice in the second half.",
            "Shares fell 5% after the quarterly earnings report.",
            "The new smartphone has a faster chip and a better camera.",
            "The prime minister called an early election.",
            "The film won three awards at the festival.",
        ]
        let results = try classifier(texts, candidateLabels: labels)
        #expect(results.map(\.label) == ["sport", "business", "technology", "politics", "entertainment"])
        for result in results {
            #expect(abs(result.probabilities.map(\.score).reduce(0, +) - 1) < 1e-5)
            #expect(result.probabilities.map(\.label) == labels)
        }
        // The score is the softmax of cosine / τ against the hypothesis sentences.
        let hypotheses = try Self.embedder(labels.map { "This example is \($0)." })
        let vector = try Self.embedder(texts[0])
        let logits = hypotheses.map { Double(SentenceEmbeddingPipeline.cosineSimilarity(vector, $0)) / 0.05 }
        let expected = Foundation.exp(logits[0]) / logits.map { Foundation.exp($0) }.reduce(0, +)
        #expect(abs(Double(results[0].score) - expected) < 1e-4)
        #expect(throws: FlintError.self) { try classifier(texts, candidateLabels: []) }
        #expect(throws: FlintError.self) { try classifier(texts, candidateLabels: ["a", "a"]) }
        #expect(throws: FlintError.self) { try classifier(texts, candidateLabels: ["a"], hypothesisTemplate: "no slot") }
    }

    @Test func unknownModelFolderIsAnError() throws {
        #expect(throws: (any Error).self) { try pipeline(.sentenceEmbedding, model: "/nonexistent/flint-model") }
    }
}

/// `fromPretrained` on the model types: the same numbers as the pipelines.
@Suite struct FromPretrainedTests {
    @Test func trainableModelsLoadFromTheFolder() throws {
        let path = try TestModels.miniLM.path
        let sentence = try SentenceTransformer.fromPretrained(path)
        let ids = [101, 1996, 4633, 2003, 8403, 2651, 1012, 102]
        let embedding = withNoGrad { sentence(inputIds: Tensor(integers: ids, shape: [1, ids.count], dtype: .int64)) }
        let engine = try BertEncoder.fromPretrained(path)
        let fast = try engine.sentenceEmbeddingArrays(inputIds: [ids])[0]
        let difference = zip(embedding.toArray(), fast).map { abs($0 - $1) }.max() ?? .infinity
        #expect(difference <= 1e-5)
        let classifier = try BertForSequenceClassification.fromPretrained(path, labels: ["neg", "pos"])
        #expect(classifier.labelNames == ["neg", "pos"])
        #expect(try BertModel.fromPretrained(path).pooler != nil)
        #expect(!classifier.isTraining && !sentence.isTraining)
    }
}
