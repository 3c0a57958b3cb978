import Foundation
import Testing
import Flint

@Suite struct JSONTextTests {
    @Test func quotedEscapesAndRoundTripsThroughJSONSerialization() throws {
        let text = "a \"quote\" \\ back\nline\ttab\r\u{1}\u{1F}é 中 😀"
        let quoted = JSONText.quoted(text)
        #expect(quoted == "\"a \\\"quote\\\" \\\\ back\\nline\\ttab\\r\\u0001\\u001fé 中 😀\"")
        let decoded = try JSONSerialization.jsonObject(with: Data("[\(quoted)]".utf8)) as? [String]
        #expect(decoded == [text])
    }
}
