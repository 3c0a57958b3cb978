import Foundation
import Yams

/// The server's OpenAPI 3.1 document. Its one source is `docs/openapi.yaml`: `scripts/generate-openapi.sh`
/// copies that text into ``OpenAPISpecificationText`` (so the binary needs no resource files), and a test
/// checks that `GET /openapi.json` equals the parsed `docs/openapi.yaml`.
public enum OpenAPIDocument {
    /// The YAML text of `docs/openapi.yaml` as built into this binary.
    public static var yaml: String { OpenAPISpecificationText.yaml }

    /// The document as JSON bytes (keys sorted), converted from the YAML once.
    public static func json() throws -> [UInt8] {
        try cached.get()
    }

    private static let cached: Result<[UInt8], OpenAPIDocumentError> = {
        do {
            let object = try jsonObject(fromYAML: OpenAPISpecificationText.yaml)
            return .success(Array(try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])))
        } catch let error as OpenAPIDocumentError {
            return .failure(error)
        } catch {
            return .failure(OpenAPIDocumentError(message: "\(error)"))
        }
    }()

    /// A YAML document as JSON-compatible values: mappings → `[String: Any]` (keys as written), sequences →
    /// `[Any]`, scalars by YAML 1.2 core-schema resolution (null, bool, int, float, string).
    public static func jsonObject(fromYAML text: String) throws -> Any {
        guard let node = try Yams.compose(yaml: text) else { return NSNull() }
        return try value(node)
    }

    static func value(_ node: Node) throws -> Any {
        switch node {
        case .scalar(let scalar):
            switch Tag.Name(rawValue: node.tag.rawValue) {
            case .null: return NSNull()
            case .bool: return node.bool ?? false
            case .int: return node.int ?? scalar.string
            case .float:
                guard let number = node.float, number.isFinite else {
                    throw OpenAPIDocumentError(message: "'\(scalar.string)' is not a finite number; JSON has no such value")
                }
                return number
            default: return scalar.string
            }
        case .mapping(let mapping):
            var object: [String: Any] = [:]
            for (key, item) in mapping {
                guard let name = key.string else {
                    throw OpenAPIDocumentError(message: "a mapping key is not a scalar")
                }
                object[name] = try value(item)
            }
            return object
        case .sequence(let sequence):
            return try sequence.map(value)
        case .alias:
            throw OpenAPIDocumentError(message: "YAML aliases are not used in the OpenAPI document")
        }
    }
}

/// The OpenAPI YAML cannot be turned into JSON.
public struct OpenAPIDocumentError: Error, CustomStringConvertible, Sendable {
    /// What is wrong.
    public var message: String
    /// "openapi.yaml: message".
    public var description: String { "openapi.yaml: \(message)" }
}
