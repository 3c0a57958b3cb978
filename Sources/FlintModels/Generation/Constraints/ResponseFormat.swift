import Foundation

/// What shape the generated text must have: OpenAI's `response_format`.
///
/// - `.text`: free text (no constraint).
/// - `.jsonObject` (`{"type": "json_object"}`): any valid JSON object. Tokens that cannot continue valid JSON are
///   masked at every step, end-of-generation tokens until the object is complete, and generation stops as soon
///   as it is (finish reason `stop`). Whitespace between tokens is bounded (llama.cpp's `json.gbnf` rule).
/// - `.jsonSchema` (`{"type": "json_schema", "json_schema": {"name", "schema", "strict"?, "description"?}}`):
///   JSON that validates against the schema, for the subset ``JSONSchemaSubset`` describes.
///
/// As with OpenAI, the output is complete JSON only if `maxTokens` leaves room for it (finish reason `length`
/// otherwise), and a stop string can cut it short.
public enum ResponseFormat: Sendable, Equatable {
    case text
    case jsonObject
    case jsonSchema(JSONSchemaFormat)

    /// Parses the decoded value of a request's `response_format` (Foundation `JSONSerialization` objects or
    /// Swift dictionaries): `{"type": "text"}`, `{"type": "json_object"}` or
    /// `{"type": "json_schema", "json_schema": {...}}`.
    ///
    /// - Parameter path: how errors name the field (default `response_format`).
    /// - Throws: ``ResponseFormatError`` naming the offending field, e.g.
    ///   `response_format.json_schema.schema.properties.age.pattern: not supported`.
    public init(json: Any, path: String = "response_format") throws {
        guard let object = json as? [String: Any] else { throw ResponseFormatError(path: path, message: "must be an object") }
        guard let type = object["type"] as? String else { throw ResponseFormatError(path: "\(path).type", message: "must be a string: text, json_object or json_schema") }
        switch type {
        case "text": self = .text
        case "json_object": self = .jsonObject
        case "json_schema":
            guard let format = object["json_schema"] else { throw ResponseFormatError(path: "\(path).json_schema", message: "is required when type is json_schema") }
            self = .jsonSchema(try JSONSchemaFormat(json: format, path: "\(path).json_schema"))
        default:
            throw ResponseFormatError(path: "\(path).type", message: "must be text, json_object or json_schema (got '\(type)')")
        }
    }

    /// The schema generation follows, or nil for free text.
    public var schema: JSONSchemaSubset? {
        switch self {
        case .text: return nil
        case .jsonObject: return .anyObject
        case .jsonSchema(let format): return format.schema
        }
    }
}

/// The `json_schema` member of a `response_format`: a named schema.
public struct JSONSchemaFormat: Sendable, Equatable {
    /// The schema's name (OpenAI requires one: letters, digits, `_` and `-`, at most 64).
    public let name: String
    public let description: String?
    /// OpenAI's `strict`. Flint constrains the same way either way: only listed properties (see ``JSONSchemaSubset``).
    public let strict: Bool?
    public let schema: JSONSchemaSubset

    public init(name: String, schema: JSONSchemaSubset, description: String? = nil, strict: Bool? = nil) {
        self.name = name
        self.schema = schema
        self.description = description
        self.strict = strict
    }

    /// Parses `{"name", "schema", "strict"?, "description"?}`; errors name fields under `path`.
    public init(json: Any, path: String = "response_format.json_schema") throws {
        guard let object = json as? [String: Any] else { throw ResponseFormatError(path: path, message: "must be an object") }
        for key in object.keys.sorted() where !["name", "schema", "strict", "description"].contains(key) {
            throw ResponseFormatError(path: "\(path).\(key)", message: "not supported")
        }
        guard let name = object["name"] as? String else { throw ResponseFormatError(path: "\(path).name", message: "is required (a string)") }
        let allowed = name.unicodeScalars.allSatisfy { ($0.isASCII && ($0.properties.isAlphabetic || $0.properties.numericType != nil)) || $0 == "_" || $0 == "-" }
        guard !name.isEmpty, name.count <= 64, allowed else {
            throw ResponseFormatError(path: "\(path).name", message: "must be 1–64 letters, digits, '_' or '-' (got '\(name)')")
        }
        var description: String?
        if let value = object["description"] {
            guard let text = value as? String else { throw ResponseFormatError(path: "\(path).description", message: "must be a string") }
            description = text
        }
        var strict: Bool?
        if let value = object["strict"] {
            guard case .boolean(let flag)? = CanonicalJSON.kind(of: value) else { throw ResponseFormatError(path: "\(path).strict", message: "must be a boolean") }
            strict = flag
        }
        // No schema: any JSON object, as json_object.
        let schema = try object["schema"].map { try JSONSchemaSubset(schema: $0, path: "\(path).schema") } ?? .anyObject
        self.init(name: name, schema: schema, description: description, strict: strict)
    }
}
