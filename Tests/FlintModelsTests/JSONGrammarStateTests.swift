import Foundation
import Testing
import Flint
@testable import FlintModels

/// The JSON pushdown automaton of JSON mode on hand-written byte strings, and a random walk over the bytes it
/// accepts that must always be able to finish (no dead ends) and always give JSON that parses and validates.
@Suite struct JSONGrammarStateTests {
    static let anyValue = try! JSONSchemaSubset(schema: [String: Any](), path: "schema")

    /// How far `bytes` get: nil if all are accepted, else the offset of the first refused byte.
    static func refusal(_ bytes: [UInt8], _ schema: JSONSchemaSubset) -> Int? {
        var state = JSONGrammarState(schema: schema)
        for (offset, byte) in bytes.enumerated() where !state.accept(byte) { return offset }
        return nil
    }

    /// Whether `text` is accepted as a complete value.
    static func accepts(_ text: String, _ schema: JSONSchemaSubset = anyValue) -> Bool { accepts(Array(text.utf8), schema) }

    static func accepts(_ bytes: [UInt8], _ schema: JSONSchemaSubset = anyValue) -> Bool {
        var state = JSONGrammarState(schema: schema)
        return state.accept(bytes) && state.canEnd
    }

    @Test(arguments: [
        "{}", "[]", "0", "-0", "-0.5e+3", "1E-2", "12.25", "123e45", "true", "false", "null", "\"\"",
        #"{"a":1}"#, #"{"a":{"b":[1,2,{"c":null}]},"d":"x"}"#, #"[[[[[]]]],[{}]]"#,
        #""\"\\\/\b\f\n\r\t\u00e9\u0000""#, #""\ud83d\ude00""#, "\"é 😀 日本\"", "\"\u{7F}\"",
        "{\n  \"a\": 1,\n\t\"b\": [ 1, 2 ]\n}", " {}", "{ }", "[ ]", "\n[\n1\n]",
        "{\"a\" : 1 , \"a\" : 2}", "1234567890123456", "0.1234567890123456", "1e99",
    ])
    func acceptsValidJSON(_ text: String) throws {
        #expect(Self.accepts(text), "\(text)")
        // The reference: Foundation parses it too.
        #expect((try? JSONSerialization.jsonObject(with: Data(text.utf8), options: [.fragmentsAllowed])) != nil, "\(text)")
    }

    @Test(arguments: [
        "", "{", "[1,]", "{\"a\":1,}", "{,}", "01", "1.", ".5", "+1", "-", "1e", "1e+", "--1", "0x1", "tru", "nul", "True",
        "{\"a\"}", "{a:1}", "[1 2]", "{}{}", "{} x", "\"abc", #""\x""#, #""\u12""#, #""\ud800""#, #""\udc00""#,
        #""\ud800\u0041""#, "\"a\nb\"", "\"a\tb\"", "[1]]", "}", "NaN", "Infinity", "[-]",
        "{  }", "[1,  2]", "{\n" + String(repeating: " ", count: 21) + "}", "\n\n{}",
        "12345678901234567", "1.12345678901234567", "1e100", " {} ", "{\"a\":1 \n}x",
    ])
    func rejectsInvalidJSON(_ text: String) {
        #expect(!Self.accepts(text), "\(text.debugDescription)")
    }

    /// Invalid UTF-8 inside strings: overlong, surrogate, beyond U+10FFFF, stray continuation, truncated.
    @Test func rejectsInvalidUTF8() {
        for bad: [UInt8] in [[0xC0, 0x80], [0xC1, 0xBF], [0xED, 0xA0, 0x80], [0xF4, 0x90, 0x80, 0x80], [0xF5, 0x80, 0x80, 0x80],
                             [0x80], [0xE2, 0x82], [0xE0, 0x80, 0x80], [0xF0, 0x80, 0x80, 0x80], [0xFF]] {
            let bytes = [0x22] + bad + [0x22]
            #expect(!Self.accepts(bytes), "\(bad)")
            #expect(Self.refusal(bytes, Self.anyValue) != nil, "\(bad)")
        }
        #expect(Self.accepts([0x22, 0xF4, 0x8F, 0xBF, 0xBF, 0x22]))  // U+10FFFF
        #expect(Self.accepts([0x22, 0xED, 0x9F, 0xBF, 0x22]))  // U+D7FF
    }

    /// Whitespace follows `ws ::= "" | " " | "\n" [ \t]{0,20}` between tokens.
    @Test func boundsWhitespace() {
        #expect(Self.accepts("{\n" + String(repeating: " ", count: 20) + "}"))
        #expect(Self.accepts("[1,\n\t\t2]"))
        #expect(!Self.accepts("[1, \n2]"))
        // The refusal is at the first byte too many.
        #expect(Self.refusal(Array("[1,   2]".utf8), Self.anyValue) == 4)
    }

    /// After the top-level value, nothing may follow; a number at the top may end or go on.
    @Test func endOfValue() {
        var state = JSONGrammarState(schema: Self.anyValue)
        let object = state.accept(Array("{\"a\":[1]}".utf8))
        #expect(object && state.canEnd && state.isFinished)
        let space = state.accept(UInt8(ascii: " "))
        #expect(!space)
        var number = JSONGrammarState(schema: Self.anyValue)
        let twelve = number.accept(Array("12".utf8))
        #expect(twelve && number.canEnd && !number.isFinished)
        var full = JSONGrammarState(schema: try! JSONSchemaSubset(schema: ["type": "integer"], path: "schema"))
        let digits = full.accept(Array("1234567890123456".utf8))
        #expect(digits && full.isFinished)
    }

    /// JSON mode's default: the top level must be an object.
    @Test func jsonObjectWantsAnObject() {
        #expect(Self.accepts("{\"a\":[1,\"x\"]}", .anyObject))
        #expect(!Self.accepts("[1]", .anyObject) && !Self.accepts("1", .anyObject) && !Self.accepts("\"a\"", .anyObject))
    }

    /// A random walk over accepted bytes, biased towards closing values, from each schema: every state on the
    /// way has a byte to continue or is complete (no dead end), and the text at the end parses and validates.
    @Test func randomWalksNeverDeadEnd() throws {
        let schemas: [[String: Any]] = [
            [:], ["type": "object"], JSONSchemaTests.person,
            JSONSchemaTests.json(#"{"type": "object", "properties": {"a": {"type": ["array", "null"], "items": {"enum": [1, 12, 1.5, "a", true, {"k": [1]}]}, "minItems": 2, "maxItems": 4}}, "required": ["a"]}"#),
            JSONSchemaTests.json(#"{"type": "object", "properties": {"x": {"type": "object", "properties": {"y": {"type": ["integer", "string"]}}, "required": ["y"]}}, "required": ["x"]}"#),
        ]
        var generator = SeededGenerator(base: RandomGenerator(seed: 2026))
        var finished = 0
        for (index, raw) in schemas.enumerated() {
            let schema = try JSONSchemaSubset(schema: raw, path: "schema")
            for walk in 0..<30 {
                var state = JSONGrammarState(schema: schema)
                var text = [UInt8]()
                var done = false
                for length in 0..<400 {
                    var options = [UInt8]()
                    for byte in 0...255 as ClosedRange<UInt8> {
                        var trial = state
                        if trial.accept(byte) { options.append(byte) }
                    }
                    if state.canEnd && (options.isEmpty || Int.random(in: 0..<4, using: &generator) == 0) { done = true; break }
                    try #require(!options.isEmpty, "dead end after \(String(decoding: text, as: UTF8.self).debugDescription) (schema \(index))")
                    // Past 40 bytes, prefer bytes that close values.
                    let closers = options.filter { [0x22, 0x7D, 0x5D, 0x30].contains($0) }
                    let byte = length > 40 && !closers.isEmpty && Int.random(in: 0..<3, using: &generator) > 0
                        ? closers.randomElement(using: &generator)! : options.randomElement(using: &generator)!
                    let accepted = state.accept(byte)
                    #expect(accepted)
                    text.append(byte)
                }
                guard done else { continue }
                finished += 1
                let value = try JSONSerialization.jsonObject(with: Data(text), options: [.fragmentsAllowed])
                let problem = JSONSubsetValidator.violation(value, raw)
                #expect(problem == nil, "\(problem ?? "") in \(String(decoding: text, as: UTF8.self)) (schema \(index), walk \(walk))")
            }
        }
        #expect(finished >= 120)  // of 150
    }
}

/// Swift's random API over Flint's seeded generator (reproducible walks).
struct SeededGenerator: RandomNumberGenerator {
    var base: RandomGenerator
    mutating func next() -> UInt64 { base.next() }
}
