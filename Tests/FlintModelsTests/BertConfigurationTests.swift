import Foundation
import Testing
import FlintTestSupport
@testable import FlintModels

@Suite struct BertConfigurationTests {
    @Test func readsMiniLMConfiguration() throws {
        let configuration = try BertConfiguration.load(from: try TestModels.miniLM.appendingPathComponent("config.json"))
        #expect(configuration.hiddenSize == 384)
        #expect(configuration.hiddenLayerCount == 6)
        #expect(configuration.attentionHeadCount == 12)
        #expect(configuration.headSize == 32)
        #expect(configuration.intermediateSize == 1536)
        #expect(configuration.vocabularySize == 30522)
        #expect(configuration.layerNormEpsilon == 1e-12)
        #expect(configuration.labelNames == ["LABEL_0", "LABEL_1"])
    }

    @Test func labelsRoundTripThroughJSON() throws {
        let json = #"{"model_type":"bert","hidden_size":8,"num_attention_heads":2,"id2label":{"0":"neg","1":"pos","2":"neutral"},"some_future_key":[1,2]}"#
        let configuration = try JSONDecoder().decode(BertConfiguration.self, from: Data(json.utf8))
        #expect(configuration.labelCount == 3)
        #expect(configuration.labelNames == ["neg", "pos", "neutral"])
        let again = try JSONDecoder().decode(BertConfiguration.self, from: JSONEncoder().encode(configuration))
        #expect(again == configuration)
    }

    @Test func rejectsBadLabelKeys() throws {
        let json = #"{"id2label":{"zero":"neg"}}"#
        #expect(throws: DecodingError.self) { try JSONDecoder().decode(BertConfiguration.self, from: Data(json.utf8)) }
    }
}
