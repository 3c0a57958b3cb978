import Foundation
import Testing
@testable import FlintModels

/// `response_format` parsing (errors name the field) and the schema subset's matcher on hand-written instances.
@Suite struct JSONSchemaTests {
    /// A decoded JSON text (as a request body would be).
    static func json(_ text: String) -> [String: Any] {
        try! JSONSerialization.jsonObject(with: Data(text.utf8)) as! [String: Any]
    }

    static var person: [String: Any] {
        json("""
        {"type": "object", "additionalProperties": false, "required": ["name", "age"],
         "properties": {
           "name": {"type": "string", "description": "ignored annotation"},
           "age": {"type": "integer"},
           "height": {"type": "number"},
           "tags": {"type": "array", "items": {"enum": ["a", "b", "c\\"d"]}, "maxItems": 3},
           "nick": {"type": ["string", "null"]},
           "address": {"type": "object", "properties": {"city": {"type": "string"}, "zip": {"const": 12345}}, "required": ["city"]},
           "ok": {"type": "boolean"}}}
        """)
    }

    static func accepts(_ text: String, _ schema: [String: Any]) throws -> Bool {
        JSONGrammarStateTests.accepts(text, try JSONSchemaSubset(schema: schema, path: "schema"))
    }

    @Test(arguments: [
        #"{"name":"Ann","age":30}"#,
        #"{"age":-3,"name":"","nick":null,"tags":["a","c\"d"],"ok":false}"#,
        #"{"name":"B","age":0,"height":1.5e-3,"address":{"zip":12345,"city":"Oslo"}}"#,
        "{\n  \"name\": \"Ann\",\n  \"age\": 1,\n  \"tags\": []\n}",
    ])
    func personAccepts(_ text: String) throws {
        #expect(try Self.accepts(text, Self.person), "\(text)")
        let value = try JSONSerialization.jsonObject(with: Data(text.utf8))
        #expect(JSONSubsetValidator.violation(value, Self.person) == nil)
    }

    @Test(arguments: [
        #"{"name":"Ann"}"#,                          // age is required
        #"{"name":"Ann","age":30.5}"#,               // integer
        #"{"name":"Ann","age":1e3}"#,                // integers have no exponent
        #"{"name":"Ann","age":1,"extra":1}"#,        // no other properties
        #"{"name":"Ann","name":"B","age":1}"#,       // at most once
        #"{"name":1,"age":1}"#,
        #"{"name":"A","age":1,"tags":["a","a","a","a"]}"#,  // maxItems
        #"{"name":"A","age":1,"tags":["z"]}"#,       // enum
        #"{"name":"A","age":1,"nick":1}"#,
        #"{"name":"A","age":1,"address":{}}"#,       // city is required
        #"{"name":"A","age":1,"address":{"city":"x","zip":1234}}"#,
        #"{"name":"A","age":1,"ok":null}"#,
        #"{"nam":"A","age":1}"#,
        "[]",
    ])
    func personRejects(_ text: String) throws {
        #expect(try !Self.accepts(text, Self.person), "\(text)")
    }

    /// Enum spellings that extend each other (1, 12, 1.5) end where the text ends; const; type filters enum.
    @Test func enumsAndConst() throws {
        let numbers: [String: Any] = ["enum": [1, 12, 1.5, "x", NSNull()]]
        for text in ["1", "12", "1.5", "\"x\"", "null", "[1, 12]"] {
            #expect(try Self.accepts(text, text.hasPrefix("[") ? ["type": "array", "items": numbers] : numbers), "\(text)")
        }
        for text in ["2", "13", "1.50", "\"y\"", "1.0", " 12 "] { #expect(try !Self.accepts(text, numbers), "\(text)") }
        #expect(try Self.accepts("[12,1]", ["type": "array", "items": numbers]))
        #expect(try Self.accepts("{\"k\":[true]}", ["const": ["k": [true]]]))
        #expect(try !Self.accepts("{\"k\":[false]}", ["const": ["k": [true]]]))
        #expect(try Self.accepts("\"x\"", ["type": "string", "enum": [1, "x"]]))
        #expect(try !Self.accepts("1", ["type": "string", "enum": [1, "x"]]))
        #expect(try Self.accepts("[1,2]", ["type": "array", "minItems": 2, "maxItems": 2]))
        #expect(try !Self.accepts("[1]", ["type": "array", "minItems": 2, "maxItems": 2]))
        #expect(try !Self.accepts("[1,2,3]", ["type": "array", "minItems": 2, "maxItems": 2]))
        #expect(try Self.accepts("{\"any\":[{}]}", ["type": "object"]))
        #expect(try !Self.accepts("{\"a\":1}", ["type": "object", "properties": [String: Any]()]))
        #expect(try Self.accepts("{}", ["type": "object", "properties": [String: Any]()]))
    }

    /// Property names with characters JSON escapes are written in their canonical escaped spelling.
    @Test func escapedPropertyNames() throws {
        let schema: [String: Any] = ["type": "object", "properties": ["a\"b": ["type": "null"], "a\\": ["type": "null"], "é\n": ["type": "null"]]]
        #expect(try Self.accepts(#"{"a\"b":null,"a\\":null}"#, schema))
        #expect(try Self.accepts("{\"é\\n\":null}", schema))
        #expect(try !Self.accepts(#"{"a\u0022b":null}"#, schema))
    }

    @Test(arguments: [
        (#"{"type": "object", "properties": {"age": {"type": "integer", "pattern": "x"}}}"#,
         "response_format.json_schema.schema.properties.age.pattern: not supported"),
        (#"{"anyOf": [{"type": "string"}]}"#, "response_format.json_schema.schema.anyOf: not supported"),
        (#"{"type": "object", "properties": {"a": {"type": "string"}}, "additionalProperties": true}"#,
         "response_format.json_schema.schema.additionalProperties: not supported (only false: the listed properties and no others)"),
        (#"{"type": "object", "properties": {"a": {"type": "string"}}, "required": ["a", "b"]}"#,
         "response_format.json_schema.schema.required[1]: 'b' is not in properties (no other properties are allowed)"),
        (#"{"type": ["string", "date"]}"#, "response_format.json_schema.schema.type[1]: must be one of object, array, string, number, integer, boolean, null"),
        (#"{"type": "array", "items": [{"type": "string"}]}"#, "response_format.json_schema.schema.items: not supported as an array (tuple validation)"),
        (#"{"type": "array", "minItems": 3, "maxItems": 2}"#, "response_format.json_schema.schema.minItems: is greater than maxItems"),
        (#"{"type": "array", "maxItems": -1}"#, "response_format.json_schema.schema.maxItems: must be an integer ≥ 0"),
        (#"{"type": "string", "enum": [1, 2]}"#, "response_format.json_schema.schema.enum: no value is allowed (empty, or none matches type)"),
        (##"{"type": "object", "properties": {"a": {"$ref": "#/$defs/x"}}}"##, "response_format.json_schema.schema.properties.a.$ref: not supported"),
        (#"{"type": "string", "minLength": 1}"#, "response_format.json_schema.schema.minLength: not supported"),
    ])
    func unsupportedSchemasNameTheKeyword(_ schema: String, _ message: String) {
        let body = Self.json(#"{"type": "json_schema", "json_schema": {"name": "test", "strict": true, "schema": "# + schema + "}}")
        #expect(throws: ResponseFormatError.self) { try ResponseFormat(json: body) }
        do {
            _ = try ResponseFormat(json: body)
        } catch {
            #expect("\(error)" == message)
        }
    }

    @Test func responseFormatParsing() throws {
        #expect(try ResponseFormat(json: ["type": "text"]) == .text)
        #expect(try ResponseFormat(json: ["type": "json_object"]) == .jsonObject)
        #expect(ResponseFormat.jsonObject.schema == .anyObject && ResponseFormat.text.schema == nil)
        // From a real request body, as JSONSerialization decodes it.
        let body = #"{"type":"json_schema","json_schema":{"name":"person","strict":true,"schema":{"type":"object","properties":{"ok":{"type":"boolean"}},"required":["ok"]}}}"#
        let format = try ResponseFormat(json: try JSONSerialization.jsonObject(with: Data(body.utf8)))
        guard case .jsonSchema(let schema) = format else { Issue.record("not a schema: \(format)"); return }
        #expect(schema.name == "person" && schema.strict == true)
        #expect(schema.schema.canonicalText == #"{"properties":{"ok":{"type":"boolean"}},"required":["ok"],"type":"object"}"#)
        #expect(JSONGrammarStateTests.accepts("{\"ok\":true}", schema.schema))
        #expect(!JSONGrammarStateTests.accepts("{\"ok\":1}", schema.schema))
        let errors: [(Any, String)] = [
            ("json_object", "response_format: must be an object"),
            (["type": "xml"], "response_format.type: must be text, json_object or json_schema (got 'xml')"),
            (["type": "json_schema"], "response_format.json_schema: is required when type is json_schema"),
            (["type": "json_schema", "json_schema": ["schema": [String: Any]()]], "response_format.json_schema.name: is required (a string)"),
            (["type": "json_schema", "json_schema": ["name": "a b"]], "response_format.json_schema.name: must be 1–64 letters, digits, '_' or '-' (got 'a b')"),
            (["type": "json_schema", "json_schema": ["name": "a", "strict": "yes"]], "response_format.json_schema.strict: must be a boolean"),
            (["type": "json_schema", "json_schema": ["name": "a", "schema": [String: Any](), "format": 1]], "response_format.json_schema.format: not supported"),
        ]
        for (json, message) in errors {
            do {
                _ = try ResponseFormat(json: json)
                Issue.record("accepted: \(message)")
            } catch {
                #expect("\(error)" == message)
            }
        }
    }
}
