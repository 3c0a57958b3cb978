import Foundation
import Testing
import FlintSupport

@Suite struct JSONTextTests {
    @Test func quotedEscapesAndRoundTripsThroughJSONSerialization() throws {
        let text = "a \"quote\" \\ back\nline\ttab\r\u{1}\u{1F}é 中 😀"
        let quoted = JSONText.quoted(text)
        #expect(quoted == "\"a \\\"quote\\\" \\\\ back\\nline\\ttab\\r\\u0001\\u001fé 中 😀\"")
        let decoded = try JSONSerialization.jsonObject(with: Data("[\(quoted)]".utf8)) as? [String]
        #expect(decoded == [text])
    }

    @Test func nonFiniteNumbersAreNull() {
        #expect(JSONText.number(Double.nan) == "null")
        #expect(JSONText.number(Double.infinity) == "null")
        #expect(JSONText.number(-Double.infinity) == "null")
        #expect(JSONText.number(Float.nan) == "null")
        #expect(JSONText.number(-Float.infinity) == "null")
        #expect(JSONText.number(nil as Double?) == "null")
        #expect(JSONText.numbers([1, .nan, 2.5, .infinity] as [Float]) == "[1.0, null, 2.5, null]")
        #expect(JSONText.numbers([-.infinity] as [Double]) == "[null]")
    }

    @Test func finiteNumbersAreShortestRoundTrip() {
        #expect(JSONText.number(0.1) == "0.1")
        #expect(JSONText.number(Float(0.1)) == "0.1")
        #expect(JSONText.number(3.0) == "3.0")
        #expect(JSONText.number(Float(1e-5)) == "1e-05")
        #expect(JSONText.number(-2) == "-2")
        #expect(JSONText.number(Float(1) / 3) == "0.33333334")
        #expect(Float("0.33333334") == Float(1) / 3)
    }

    /// Every value a writer can be handed, NaN and infinities included, gives text a strict JSON parser accepts.
    @Test func outputParsesAsStrictJSON() throws {
        let values: [Float] = [0, -0.0, .leastNonzeroMagnitude, .leastNormalMagnitude, .greatestFiniteMagnitude, -1e30, .nan, .infinity, -.infinity, 0.1]
        let text = JSONText.object([
            ("label", JSONText.quoted("pos \"x\"")), ("score", JSONText.number(Double.nan)),
            ("logits", JSONText.numbers(values)), ("count", JSONText.number(42)), ("ok", JSONText.bool(true)),
            ("nested", JSONText.object([("a", JSONText.array(["1", "null"]))])),
        ])
        #expect(text.hasPrefix(#"{"label": "pos \"x\"", "score": null, "logits": [0.0, -0.0, 1e-45, "#))
        let object = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
        #expect(object["score"] is NSNull)
        let logits = try #require(object["logits"] as? [Any])
        #expect(logits.count == values.count)
        for (value, parsed) in zip(values, logits) {
            if value.isFinite {
                #expect((parsed as? NSNumber)?.floatValue == value, "\(value)")
            } else {
                #expect(parsed is NSNull, "\(value)")
            }
        }
        #expect(object["count"] as? Int == 42)
        #expect(object["ok"] as? Bool == true)
    }
}
