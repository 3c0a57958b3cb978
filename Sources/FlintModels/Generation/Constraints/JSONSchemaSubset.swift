import Foundation

/// The subset of JSON Schema that constrained generation follows, compiled into a flat table of nodes that
/// ``JSONGrammarState`` walks.
///
/// Supported keywords: `type` (a name or a list of `object`, `array`, `string`, `number`, `integer`, `boolean`,
/// `null`), `enum`, `const`, `properties`, `required`, `additionalProperties: false`, `items` (one schema),
/// `minItems`, `maxItems`; the annotations `title`, `description`, `$schema`, `$id`, `$comment`, `default`,
/// `examples`, `deprecated`, `readOnly`, `writeOnly` are ignored. Any other keyword is an error naming its path.
///
/// Choices (llama.cpp's `json-schema-to-grammar` makes the same ones where it has to choose):
/// - An object schema with `properties` allows those properties only (`additionalProperties` false is implied,
///   with or without `strict`; `additionalProperties: true` or a schema is not supported), each at most once,
///   in any order; every `required` one must appear before `}`. An object schema without `properties` allows
///   any object (any keys, any values).
/// - `integer` is written without a fraction or an exponent; `number` as JSON's number. Integral parts and
///   fractions are at most 16 digits and exponents at most 2 (llama.cpp's `json.gbnf` bounds them likewise).
/// - `enum` and `const` values are written in their canonical spelling (``CanonicalJSON``), filtered by `type`.
/// - A schema without `type` or `enum` allows any JSON value.
public final class JSONSchemaSubset: Sendable, Equatable, CustomStringConvertible {
    /// The JSON types, as bits.
    struct Types: OptionSet, Sendable {
        let rawValue: UInt8
        static let object = Types(rawValue: 1)
        static let array = Types(rawValue: 2)
        static let string = Types(rawValue: 4)
        static let number = Types(rawValue: 8)
        static let integer = Types(rawValue: 16)
        static let boolean = Types(rawValue: 32)
        static let null = Types(rawValue: 64)
        static let all: Types = [.object, .array, .string, .number, .integer, .boolean, .null]
    }

    /// One schema: the values it allows.
    struct Node: Sendable {
        var types: Types = .all
        /// `enum`/`const`: the allowed values' canonical bytes are `literals[literalStart ..< literalStart + literalCount]`,
        /// sorted; -1: no such restriction.
        var literalStart: Int32 = 0
        var literalCount: Int32 = -1
        /// Objects: the properties are `propertyNames` / `propertyNodes` `[propertyStart ..< propertyStart + propertyCount]`,
        /// names (escaped, without quotes) sorted by bytes; -1: any keys with any values.
        var propertyStart: Int32 = 0
        var propertyCount: Int32 = -1
        /// Bit i: the i-th property (in sorted order) is required.
        var required: UInt64 = 0
        /// Arrays: the node of every item, and the bounds on the item count.
        var items: Int32 = 0
        var minItems: Int32 = 0
        var maxItems: Int32 = .max
    }

    /// The most properties one object schema may list (the seen-set of an object is one 64-bit word).
    public static let maximumProperties = 64

    let nodes: [Node]
    let literals: [[UInt8]]
    let propertyNames: [[UInt8]]
    let propertyNodes: [Int32]
    /// The node of the whole value.
    let root: Int32
    /// The node that allows any JSON value.
    static let anyNode: Int32 = 0
    /// The schema's canonical JSON text (what equality compares).
    public let canonicalText: String

    public var description: String { canonicalText }

    public static func == (lhs: JSONSchemaSubset, rhs: JSONSchemaSubset) -> Bool { lhs.canonicalText == rhs.canonicalText }

    /// Any JSON object (OpenAI's JSON mode: `{"type": "json_object"}`).
    public static let anyObject: JSONSchemaSubset = try! JSONSchemaSubset(schema: ["type": "object"], path: "")

    /// Compiles a decoded JSON schema (Foundation `JSONSerialization` objects, or Swift dictionaries, arrays,
    /// strings, numbers and booleans).
    ///
    /// - Parameter path: how errors name the schema itself, e.g. `response_format.json_schema.schema`.
    /// - Throws: ``ResponseFormatError`` naming the first unsupported keyword or invalid field, e.g.
    ///   `response_format.json_schema.schema.properties.age.pattern: not supported`.
    public init(schema: Any, path: String = "response_format.json_schema.schema") throws {
        var builder = Builder()
        builder.nodes.append(Node())  // anyNode
        let root = try builder.compile(schema, path: path)
        nodes = builder.nodes
        literals = builder.literals
        propertyNames = builder.propertyNames
        propertyNodes = builder.propertyNodes
        self.root = root
        canonicalText = String(decoding: try CanonicalJSON.encode(schema, path: path), as: UTF8.self)
    }

    private struct Builder {
        var nodes: [Node] = []
        var literals: [[UInt8]] = []
        var propertyNames: [[UInt8]] = []
        var propertyNodes: [Int32] = []

        static let ignored: Set<String> = ["title", "description", "$schema", "$id", "$comment", "default", "examples",
                                           "deprecated", "readOnly", "writeOnly"]
        static let typeNames: [String: Types] = ["object": .object, "array": .array, "string": .string, "number": .number,
                                                 "integer": .integer, "boolean": .boolean, "null": .null]

        mutating func compile(_ value: Any, path: String) throws -> Int32 {
            guard let schema = value as? [String: Any] else {
                if case .boolean(true)? = CanonicalJSON.kind(of: value) { return JSONSchemaSubset.anyNode }
                throw ResponseFormatError(path: path, message: "must be a JSON object (a schema)")
            }
            for key in schema.keys.sorted() where !Builder.ignored.contains(key) {
                switch key {
                case "type", "enum", "const", "properties", "required", "additionalProperties", "items", "minItems", "maxItems": continue
                default: throw ResponseFormatError(path: "\(path).\(key)", message: "not supported")
                }
            }
            var node = Node()
            if let type = schema["type"] {
                node.types = []
                let names: [Any]
                if let list = type as? [Any] { names = list } else { names = [type] }
                if names.isEmpty { throw ResponseFormatError(path: "\(path).type", message: "must name at least one type") }
                for (index, name) in names.enumerated() {
                    let field = type is [Any] ? "\(path).type[\(index)]" : "\(path).type"
                    guard let name = name as? String, let bit = Builder.typeNames[name] else {
                        throw ResponseFormatError(path: field, message: "must be one of object, array, string, number, integer, boolean, null")
                    }
                    node.types.insert(bit)
                }
            }
            // enum / const: the allowed values, filtered by type.
            var allowed: [(bytes: [UInt8], path: String)]?
            if let values = schema["enum"] {
                guard let list = values as? [Any] else { throw ResponseFormatError(path: "\(path).enum", message: "must be an array") }
                allowed = try list.enumerated().map { (try CanonicalJSON.encode($0.element, path: "\(path).enum[\($0.offset)]"), "\(path).enum[\($0.offset)]") }
                    .filter { Builder.matches($0.0, node.types) }
            }
            if let value = schema["const"] {
                let bytes = try CanonicalJSON.encode(value, path: "\(path).const")
                allowed = (allowed ?? [(bytes, "")]).filter { $0.bytes == bytes && Builder.matches(bytes, node.types) }
            }
            if let allowed {
                let unique = Array(Set(allowed.map(\.bytes))).sorted { $0.lexicographicallyPrecedes($1) }
                if unique.isEmpty {
                    throw ResponseFormatError(path: "\(path).\(schema["const"] != nil ? "const" : "enum")", message: "no value is allowed (empty, or none matches type)")
                }
                node.literalStart = Int32(literals.count)
                node.literalCount = Int32(unique.count)
                literals += unique
            }
            // Objects.
            if let additional = schema["additionalProperties"] {
                guard case .boolean(false)? = CanonicalJSON.kind(of: additional) else {
                    throw ResponseFormatError(path: "\(path).additionalProperties", message: "not supported (only false: the listed properties and no others)")
                }
            }
            var requiredNames: [String] = []
            if let required = schema["required"] {
                guard let list = required as? [Any] else { throw ResponseFormatError(path: "\(path).required", message: "must be an array of strings") }
                for (index, name) in list.enumerated() {
                    guard let name = name as? String else { throw ResponseFormatError(path: "\(path).required[\(index)]", message: "must be a string") }
                    requiredNames.append(name)
                }
            }
            let index = Int32(nodes.count)
            nodes.append(node)
            if let properties = schema["properties"] {
                guard let object = properties as? [String: Any] else { throw ResponseFormatError(path: "\(path).properties", message: "must be an object") }
                if object.count > JSONSchemaSubset.maximumProperties {
                    throw ResponseFormatError(path: "\(path).properties", message: "more than \(JSONSchemaSubset.maximumProperties) properties are not supported")
                }
                let names = object.keys.sorted { CanonicalJSON.escaped($0).lexicographicallyPrecedes(CanonicalJSON.escaped($1)) }
                var children: [Int32] = []
                for name in names { children.append(try compile(object[name]!, path: "\(path).properties.\(name)")) }
                var required: UInt64 = 0
                for (position, name) in requiredNames.enumerated() {
                    guard let bit = names.firstIndex(of: name) else {
                        throw ResponseFormatError(path: "\(path).required[\(position)]", message: "'\(name)' is not in properties (no other properties are allowed)")
                    }
                    required |= 1 << UInt64(bit)
                }
                nodes[Int(index)].propertyStart = Int32(propertyNames.count)
                nodes[Int(index)].propertyCount = Int32(names.count)
                nodes[Int(index)].required = required
                propertyNames += names.map(CanonicalJSON.escaped)
                propertyNodes += children
            } else if let first = requiredNames.first {
                throw ResponseFormatError(path: "\(path).required[0]", message: "'\(first)' is not in properties (no other properties are allowed)")
            }
            // Arrays.
            if let items = schema["items"] {
                if items is [Any] { throw ResponseFormatError(path: "\(path).items", message: "not supported as an array (tuple validation)") }
                nodes[Int(index)].items = try compile(items, path: "\(path).items")
            }
            for key in ["minItems", "maxItems"] {
                guard let value = schema[key] else { continue }
                guard case .integer(let count)? = CanonicalJSON.kind(of: value), count >= 0, count <= Int(Int32.max) else {
                    throw ResponseFormatError(path: "\(path).\(key)", message: "must be an integer ≥ 0")
                }
                if key == "minItems" { nodes[Int(index)].minItems = Int32(count) } else { nodes[Int(index)].maxItems = Int32(count) }
            }
            if nodes[Int(index)].minItems > nodes[Int(index)].maxItems {
                throw ResponseFormatError(path: "\(path).minItems", message: "is greater than maxItems")
            }
            return index
        }

        /// Whether a canonical value's spelling belongs to one of `types`.
        static func matches(_ bytes: [UInt8], _ types: Types) -> Bool {
            switch bytes.first {
            case UInt8(ascii: "{"): return types.contains(.object)
            case UInt8(ascii: "["): return types.contains(.array)
            case UInt8(ascii: "\""): return types.contains(.string)
            case UInt8(ascii: "t"), UInt8(ascii: "f"): return types.contains(.boolean)
            case UInt8(ascii: "n"): return types.contains(.null)
            default:
                let integral = !bytes.contains(UInt8(ascii: ".")) && !bytes.contains(UInt8(ascii: "e")) && !bytes.contains(UInt8(ascii: "E"))
                return types.contains(.number) || (integral && types.contains(.integer))
            }
        }
    }
}
