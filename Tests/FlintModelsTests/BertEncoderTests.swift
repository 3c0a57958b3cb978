import Foundation
import Testing
import Flint
import FlintTestSupport
@testable import FlintModels

/// The MiniLM fixture files, decoded once.
enum BertEncoderFixtures {
    struct Text: Decodable {
        let key: String
        let input_ids: [Int]
        let input_ids_trunc256: [Int]?
        let embedding: [Float]
        /// The ids sentence-transformers fed the model (truncated to 256 where that differs).
        var modelInputIds: [Int] { input_ids_trunc256 ?? input_ids }
    }
    struct HiddenStates: Decodable {
        let input_ids: [Int]
        let first3_tokens_last_hidden_state: [[Float]]
    }
    struct Reference: Decodable {
        let texts: [Text]
        let last_hidden_state_first3: [String: HiddenStates]
    }
    struct Pooled: Decodable {
        struct Item: Decodable { let key: String; let input_ids: [Int]; let pooled_output: [Float] }
        struct Pair: Decodable {
            let input_ids: [Int]
            let token_type_ids: [Int]
            let last_hidden_state_first3: [[Float]]
            let pooled_output: [Float]
        }
        struct Classifier: Decodable { let weight: [[Float]]; let bias: [Float]; let logits: [[Float]] }
        let pooled: [Item]
        let pair: Pair
        let classifier: Classifier
    }

    static func decode<T: Decodable>(_ name: String, as type: T.Type) throws -> T {
        let url = try #require(Bundle.module.url(forResource: "Fixtures/\(name)", withExtension: "json"))
        return try JSONDecoder().decode(T.self, from: Data(contentsOf: url))
    }

    static let reference: Reference = try! decode("minilm_reference", as: Reference.self)
    static let pooled: Pooled = try! decode("minilm_pooled_reference", as: Pooled.self)

    /// MiniLM's configuration and mmap'd weights.
    static func miniLMWeights() throws -> (BertConfiguration, [String: Tensor]) {
        let folder = try TestModels.miniLM
        let configuration = try BertConfiguration.load(from: folder.appendingPathComponent("config.json"))
        let weights = try SafeTensorsFile(contentsOf: folder.appendingPathComponent("model.safetensors")).loadAll()
        return (configuration, weights)
    }

    /// One encoder for the whole suite (it is safe to share).
    static let miniLM: BertEncoder = {
        let (configuration, weights) = try! miniLMWeights()
        return try! BertEncoder(configuration: configuration, weights: weights)
    }()
}

func maximumDifference(_ a: [Float], _ b: [Float]) -> Float {
    precondition(a.count == b.count)
    return zip(a, b).map { abs($0 - $1) }.max() ?? 0
}

func cosine(_ a: [Float], _ b: [Float]) -> Float {
    var dot: Float = 0, na: Float = 0, nb: Float = 0
    for (x, y) in zip(a, b) { dot += x * y; na += x * x; nb += y * y }
    return dot / (na.squareRoot() * nb.squareRoot())
}

@Suite struct BertEncoderTests {
    let encoder = BertEncoderFixtures.miniLM

    @Test func sentenceEmbeddingsMatchSentenceTransformers() throws {
        for text in BertEncoderFixtures.reference.texts {
            let embedding = try encoder.sentenceEmbeddingArrays(inputIds: [text.modelInputIds], pooling: .mean, normalize: true)[0]
            let similarity = cosine(embedding, text.embedding)
            let difference = maximumDifference(embedding, text.embedding)
            #expect(similarity >= 0.9999, "\(text.key): cosine \(similarity)")
            #expect(difference <= 1e-4, "\(text.key): max |Δ| \(difference)")
        }
    }

    @Test func lastHiddenStatesMatchTransformers() throws {
        for (key, reference) in BertEncoderFixtures.reference.last_hidden_state_first3 {
            let states = try encoder.lastHiddenStates(inputIds: [reference.input_ids])
            #expect(states.count == 1)
            #expect(states[0].shape == [reference.input_ids.count, 384])
            let values = states[0].toArray()
            for (row, expected) in reference.first3_tokens_last_hidden_state.enumerated() {
                let got = Array(values[row * 384..<(row + 1) * 384])
                let difference = maximumDifference(got, expected)
                #expect(difference <= 1e-4, "\(key) row \(row): max |Δ| \(difference)")
            }
        }
    }

    @Test func mixedLengthBatchEqualsOneAtATime() throws {
        let ids = BertEncoderFixtures.reference.texts.map(\.modelInputIds)
        let batched = try encoder.lastHiddenStates(inputIds: ids)
        let batchedEmbeddings = try encoder.sentenceEmbeddingArrays(inputIds: ids)
        #expect(batched.count == ids.count)
        for (index, sequence) in ids.enumerated() {
            let single = try encoder.lastHiddenStates(inputIds: [sequence])[0]
            #expect(batched[index].shape == [sequence.count, 384])
            // Every row is computed in the same order whatever the batch: the results are identical.
            #expect(batched[index].toArray() == single.toArray(), "sequence \(index)")
            let singleEmbedding = try encoder.sentenceEmbeddingArrays(inputIds: [sequence])[0]
            #expect(batchedEmbeddings[index] == singleEmbedding, "embedding \(index)")
        }
    }

    @Test func pooledOutputsMatchTransformers() throws {
        let items = BertEncoderFixtures.pooled.pooled
        let pooled = try encoder.pooledOutputs(inputIds: items.map(\.input_ids))
        #expect(pooled.shape == [items.count, 384])
        let values = pooled.toArray()
        for (index, item) in items.enumerated() {
            let difference = maximumDifference(Array(values[index * 384..<(index + 1) * 384]), item.pooled_output)
            #expect(difference <= 1e-4, "\(item.key): max |Δ| \(difference)")
        }
    }

    @Test func tokenTypesReachTheEmbeddings() throws {
        let pair = BertEncoderFixtures.pooled.pair
        let states = try encoder.lastHiddenStates(inputIds: [pair.input_ids], tokenTypeIds: [pair.token_type_ids])[0].toArray()
        for (row, expected) in pair.last_hidden_state_first3.enumerated() {
            #expect(maximumDifference(Array(states[row * 384..<(row + 1) * 384]), expected) <= 1e-4, "row \(row)")
        }
        let pooled = try encoder.pooledOutputs(inputIds: [pair.input_ids], tokenTypeIds: [pair.token_type_ids]).toArray()
        #expect(maximumDifference(pooled, pair.pooled_output) <= 1e-4)
        // All-zero types give different states: the pair's second segment really used type 1.
        let zeros = try encoder.lastHiddenStates(inputIds: [pair.input_ids])[0].toArray()
        #expect(maximumDifference(zeros, states) > 1e-2)
    }

    @Test func classifierLogitsMatchBertForSequenceClassification() throws {
        let (configuration, weights) = try BertEncoderFixtures.miniLMWeights()
        let head = BertEncoderFixtures.pooled.classifier
        // A BertForSequenceClassification checkpoint: `bert.` prefix plus classifier.*.
        var prefixed: [String: Tensor] = [:]
        for (name, tensor) in weights { prefixed["bert." + name] = tensor }
        prefixed["classifier.weight"] = Tensor(head.weight.flatMap { $0 }, shape: [3, 384])
        prefixed["classifier.bias"] = Tensor(head.bias, shape: [3])
        let classifierEncoder = try BertEncoder(configuration: configuration, weights: prefixed)
        #expect(classifierEncoder.hasClassifier)
        #expect(classifierEncoder.classifierLabelCount == 3)
        let pooledItems = BertEncoderFixtures.pooled.pooled
        let pair = BertEncoderFixtures.pooled.pair
        let ids = pooledItems.map(\.input_ids) + [pair.input_ids]
        let types = pooledItems.map { [Int](repeating: 0, count: $0.input_ids.count) } + [pair.token_type_ids]
        let logits = try classifierEncoder.classificationLogits(inputIds: ids, tokenTypeIds: types)
        #expect(logits.shape == [ids.count, 3])
        #expect(maximumDifference(logits.toArray(), head.logits.flatMap { $0 }) <= 1e-4)
        #expect(throws: BertEncoderError.self) { try encoder.classificationLogits(inputIds: [[101, 102]]) }
    }

    @Test func poolingModes() throws {
        let ids = BertEncoderFixtures.reference.texts[0].input_ids
        let states = try encoder.lastHiddenStates(inputIds: [ids])[0].toArray()
        let length = ids.count
        let cls = try encoder.sentenceEmbeddingArrays(inputIds: [ids], pooling: .cls, normalize: false)[0]
        #expect(maximumDifference(cls, Array(states[0..<384])) == 0)
        let maximum = try encoder.sentenceEmbeddingArrays(inputIds: [ids], pooling: .max, normalize: false)[0]
        let mean = try encoder.sentenceEmbeddingArrays(inputIds: [ids], pooling: .mean, normalize: false)[0]
        for j in [0, 17, 383] {
            let column = (0..<length).map { states[$0 * 384 + j] }
            #expect(maximum[j] == column.max()!)
            // Two summation orders of n terms differ by at most 2·γ_n·Σ|x| (γ_n ≈ n·u, u = 2⁻²⁴), then ÷ n and one
            // more rounding: a bound from the magnitudes, whatever order the kernel uses.
            let u = Float.ulpOfOne / 2
            let bound = 2 * Float(length + 1) * u * column.map(abs).reduce(0, +) / Float(length) + 1e-30
            #expect(abs(mean[j] - column.reduce(0, +) / Float(length)) <= bound)
        }
        let normalized = try encoder.sentenceEmbeddingArrays(inputIds: [ids], pooling: .max, normalize: true)[0]
        let norm = maximum.map { $0 * $0 }.reduce(0, +).squareRoot()
        // ‖x‖² summed in two orders differs by at most 2·γ_384·‖x‖² (relative), so ‖x‖ by half that; the square
        // root and the division add a rounding each: |Δy_j| ≤ (γ_384 + 3u)·|y_j|, |y_j| ≤ 1.
        let u = Float.ulpOfOne / 2
        let expected = maximum.map { $0 / norm }
        for (a, b) in zip(normalized, expected) {
            #expect(abs(a - b) <= (Float(384 + 3) * u) * abs(b) + Float.leastNormalMagnitude)
        }
    }

    @Test func concurrentCallsAgree() async throws {
        let texts = BertEncoderFixtures.reference.texts.prefix(8)
        let encoder = self.encoder
        let results = try await withThrowingTaskGroup(of: (Int, [Float]).self) { group in
            for (index, text) in texts.enumerated() {
                group.addTask { (index, try encoder.sentenceEmbeddingArrays(inputIds: [text.modelInputIds])[0]) }
            }
            var out: [Int: [Float]] = [:]
            for try await (index, embedding) in group { out[index] = embedding }
            return out
        }
        for (index, text) in texts.enumerated() {
            #expect(maximumDifference(results[index]!, text.embedding) <= 1e-4, "\(text.key)")
        }
    }

    @Test func emptyBatchAndEmptySequence() throws {
        #expect(try encoder.lastHiddenStates(inputIds: []).isEmpty)
        let states = try encoder.lastHiddenStates(inputIds: [[], [101, 102]])
        #expect(states[0].shape == [0, 384])
        #expect(states[1].shape == [2, 384])
        let embeddings = try encoder.sentenceEmbeddingArrays(inputIds: [[]], normalize: true)[0]
        #expect(embeddings.allSatisfy { $0 == 0 })
        #expect(throws: BertEncoderError.self) { try encoder.pooledOutputs(inputIds: [[]]) }
    }
}

@Suite struct BertEncoderErrorTests {
    @Test func missingAndMisshapedWeightsAreListed() throws {
        let (configuration, weights) = try BertEncoderFixtures.miniLMWeights()
        var broken = weights
        broken["encoder.layer.3.attention.self.key.weight"] = nil
        broken["encoder.layer.5.output.dense.bias"] = Tensor.zeros([383])
        do {
            _ = try BertEncoder(configuration: configuration, weights: broken)
            Issue.record("expected an error")
        } catch let error as BertEncoderError {
            guard case .invalidWeights(let problems) = error else {
                Issue.record("unexpected \(error)")
                return
            }
            #expect(problems.count == 2)
            #expect(problems.contains("missing \"encoder.layer.3.attention.self.key.weight\" (expected shape [384, 384])"))
            #expect(problems.contains("\"encoder.layer.5.output.dense.bias\": expected shape [384], found [383]"))
            #expect(error.description.contains("encoder.layer.3.attention.self.key.weight"))
        }
    }

    @Test func badInputsThrow() throws {
        let encoder = BertEncoderFixtures.miniLM
        #expect(throws: BertEncoderError.invalidInput("sequence 1, position 1: token id 30522 outside the vocabulary 0..<30522")) {
            try encoder.lastHiddenStates(inputIds: [[101], [101, 30522]])
        }
        #expect(throws: BertEncoderError.self) { try encoder.lastHiddenStates(inputIds: [[101, -1]]) }
        #expect(throws: BertEncoderError.self) { try encoder.lastHiddenStates(inputIds: [Array(repeating: 100, count: 513)]) }
        #expect(throws: BertEncoderError.self) { try encoder.lastHiddenStates(inputIds: [[101, 102]], tokenTypeIds: [[0]]) }
        #expect(throws: BertEncoderError.self) { try encoder.lastHiddenStates(inputIds: [[101, 102]], tokenTypeIds: [[0, 2]]) }
    }

    @Test func unsupportedActivationThrows() throws {
        let (configuration, weights) = try BertEncoderFixtures.miniLMWeights()
        var changed = configuration
        changed.hiddenActivation = "swish"
        #expect(throws: BertEncoderError.unsupportedConfiguration(
            field: "hidden_act", expected: "gelu, gelu_new, gelu_pytorch_tanh, gelu_fast or relu", found: "swish")) {
            try BertEncoder(configuration: changed, weights: weights)
        }
    }
}

@Suite struct BertEncoderWorkspaceTests {
    @Test func cacheReusesByTokenCountAndDropsTheOldest() throws {
        let cache = BertEncoderWorkspaceCache(capacity: 2, byteLimit: 1 << 30)
        #expect(cache.take(tokenCount: 16) == nil)
        let a = BertEncoderWorkspace(tokenCount: 16, hiddenSize: 8, intermediateSize: 32, threads: 2)
        let b = BertEncoderWorkspace(tokenCount: 32, hiddenSize: 8, intermediateSize: 32, threads: 2)
        let c = BertEncoderWorkspace(tokenCount: 48, hiddenSize: 8, intermediateSize: 32, threads: 2)
        cache.give(a)
        cache.give(b)
        cache.give(c)
        #expect(cache.take(tokenCount: 16) == nil)  // the oldest went beyond capacity 2
        #expect(cache.take(tokenCount: 32) === b)
        #expect(cache.take(tokenCount: 32) == nil)  // taken workspaces are not shared
        #expect(cache.take(tokenCount: 48) === c)
    }

    @Test func cacheKeepsUnderItsByteLimit() throws {
        let small = BertEncoderWorkspace(tokenCount: 4, hiddenSize: 8, intermediateSize: 32, threads: 1)
        let cache = BertEncoderWorkspaceCache(capacity: 8, byteLimit: small.byteCount + 1)
        let large = BertEncoderWorkspace(tokenCount: 64, hiddenSize: 8, intermediateSize: 32, threads: 1)
        cache.give(small)
        cache.give(large)
        #expect(cache.take(tokenCount: 4) == nil)
        #expect(cache.take(tokenCount: 64) === large)  // the most recent one is always kept
    }

    @Test func scoreScratchGrowsToTheLongestSequence() throws {
        let workspace = BertEncoderWorkspace(tokenCount: 40, hiddenSize: 8, intermediateSize: 16, threads: 2)
        workspace.reserveScores(longestSequence: 10)
        #expect(workspace.scoresPerSlot == 100)
        workspace.reserveScores(longestSequence: 5)
        #expect(workspace.scoresPerSlot == 100)
        workspace.reserveScores(longestSequence: 30)
        #expect(workspace.scoresPerSlot == 900)
        #expect(workspace.scoreSlots == 8)
        #expect(workspace.blockCount == 40 * 32)
    }
}
