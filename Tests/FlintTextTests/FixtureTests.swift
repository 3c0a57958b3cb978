import Foundation
import Testing

/// The Hugging Face reference fixture (../shared/fixtures/minilm_reference.json) ships with the tests.
@Suite struct FixtureTests {
    @Test func miniLMFixtureHasEveryText() throws {
        let url = try #require(Bundle.module.url(forResource: "Fixtures/minilm_reference", withExtension: "json"))
        let object = try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any]
        let texts = try #require(object?["texts"] as? [[String: Any]])
        #expect(texts.count == 24)
        #expect(texts.allSatisfy { $0["input_ids"] is [Int] && $0["tokens"] is [String] })
    }
}
