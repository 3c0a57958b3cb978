import Foundation
import Testing
import Flint
import FlintNN
import FlintTestSupport
@testable import FlintModels

/// The trainable BertModel with the real all-MiniLM-L6-v2 weights against Hugging Face's numbers.
@Suite struct BertModelReferenceTests {
    @Test func firstHiddenStatesMatchTransformers() throws {
        let model = try BertModelTestFixtures.model
        let cases = try #require(BertModelTestFixtures.reference["last_hidden_state_first3"] as? [String: [String: Any]])
        #expect(cases.count == 4)
        for (key, entry) in cases {
            let ids = try #require(entry["input_ids"] as? [Int])
            let expected = BertModelTestFixtures.floats(entry["first3_tokens_last_hidden_state"])
            let hidden = withNoGrad { model(inputIds: Tensor(integers: ids, shape: [1, ids.count])).lastHiddenState }
            #expect(hidden.shape == [1, ids.count, 384])
            // The fixture holds the first min(3, T) tokens.
            #expect(expected.count == min(3, ids.count) * 384)
            let first3 = Array(hidden.toArray()[0..<expected.count])
            let difference = BertModelTestFixtures.maxDifference(first3, expected)
            #expect(difference <= 1e-4, "\(key): max |Δ| = \(difference)")
        }
    }

    @Test func sentenceEmbeddingsMatchSentenceTransformersForAllTexts() throws {
        let configuration = try SentenceTransformerConfiguration.load(from: try TestModels.miniLM)
        let encoder = SentenceTransformer(bert: try BertModelTestFixtures.model, sentenceConfiguration: configuration)
        let texts = BertModelTestFixtures.texts
        #expect(texts.count == 24)
        // Batches of 8 with padding, as sentence-transformers batches them.
        for start in stride(from: 0, to: texts.count, by: 8) {
            let group = Array(texts[start..<min(start + 8, texts.count)])
            let batch = BertInputBatch(sequences: group.map(\.embeddingInputIds))
            let embeddings = withNoGrad { encoder(inputIds: batch.inputIds, attentionMask: batch.attentionMask) }.toArray()
            for (row, text) in group.enumerated() {
                let actual = Array(embeddings[(row * 384)..<((row + 1) * 384)])
                let cosine = BertModelTestFixtures.cosine(actual, text.embedding)
                let difference = BertModelTestFixtures.maxDifference(actual, text.embedding)
                #expect(cosine >= 0.9999, "\(text.key): cosine \(cosine)")
                #expect(difference <= 1e-4, "\(text.key): max |Δ| = \(difference)")
            }
        }
    }

    @Test func paddedBatchOfMixedLengthsEqualsSingleSequences() throws {
        let model = try BertModelTestFixtures.model
        let texts = BertModelTestFixtures.texts.filter { ["plain_1", "emoji_only", "punctuation_heavy", "korean", "empty"].contains($0.key) }
        #expect(texts.count == 5)
        let batch = BertInputBatch(sequences: texts.map(\.inputIds))
        let padded = withNoGrad { model(inputIds: batch.inputIds, attentionMask: batch.attentionMask, tokenTypeIds: batch.tokenTypeIds) }
        let length = batch.inputIds.shape[1]
        let hidden = padded.lastHiddenState.toArray()
        let pooled = padded.poolerOutput!.toArray()
        for (row, text) in texts.enumerated() {
            let single = withNoGrad { model(inputIds: Tensor(integers: text.inputIds, shape: [1, text.inputIds.count])) }
            let start = row * length * 384
            let rows = Array(hidden[start..<(start + text.inputIds.count * 384)])
            #expect(BertModelTestFixtures.maxDifference(rows, single.lastHiddenState.toArray()) <= 1e-5, "\(text.key)")
            #expect(BertModelTestFixtures.maxDifference(Array(pooled[(row * 384)..<((row + 1) * 384)]),
                                                        single.poolerOutput!.toArray()) <= 1e-5, "\(text.key)")
        }
    }
}
