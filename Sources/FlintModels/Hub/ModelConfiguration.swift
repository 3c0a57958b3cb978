import Flint
import Foundation

/// A model folder's `config.json`: the whole JSON object, plus the `model_type` and
/// `architectures` every Hugging Face configuration has. Typed configurations (such as
/// ``BertConfiguration``) decode from the same bytes with ``decode(_:)``.
public struct ModelConfiguration: Sendable {
    /// A JSON value of the configuration.
    public enum Value: Sendable, Equatable, Decodable {
        /// `null`.
        case null
        /// `true` or `false`.
        case bool(Bool)
        /// A number (integers too).
        case number(Double)
        /// A string.
        case string(String)
        /// An array.
        case array([Value])
        /// An object.
        case object([String: Value])

        /// Decodes any JSON value.
        public init(from decoder: Decoder) throws {
            let container = try decoder.singleValueContainer()
            if container.decodeNil() { self = .null }
            else if let value = try? container.decode(Bool.self) { self = .bool(value) }
            else if let value = try? container.decode(Double.self) { self = .number(value) }
            else if let value = try? container.decode(String.self) { self = .string(value) }
            else if let value = try? container.decode([Value].self) { self = .array(value) }
            else { self = .object(try container.decode([String: Value].self)) }
        }

        /// The string, for a string value.
        public var stringValue: String? {
            if case .string(let text) = self { return text }
            return nil
        }

        /// The integer, for a number with no fractional part.
        public var integerValue: Int? {
            if case .number(let number) = self, number.rounded() == number, abs(number) < 9.0e15 { return Int(number) }
            return nil
        }

        /// The number, for a number value.
        public var doubleValue: Double? {
            if case .number(let number) = self { return number }
            return nil
        }
    }

    /// The `config.json` file.
    public let url: URL
    /// The raw bytes of the file.
    public let data: Data
    /// Every key of the top-level object.
    public let values: [String: Value]
    /// `model_type` ("bert", …).
    public let modelType: String
    /// `architectures` (for example `["BertForSequenceClassification"]`; empty when absent).
    public let architectures: [String]

    /// Reads `config.json` at `url` and checks that its `model_type` is one of `supportedModelTypes`.
    ///
    /// - Throws: ``FlintError/io(path:message:)`` when the file cannot be read;
    ///   ``FlintError/invalidFile(path:field:expected:found:)`` when it is not a JSON object or
    ///   `architectures` is not a list of strings; ``HubError/unsupportedModelType(path:found:supported:)``
    ///   listing the supported types when `model_type` is missing or unknown.
    public init(contentsOf url: URL, supportedModelTypes: Set<String> = ModelFolder.supportedModelTypes) throws {
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw FlintError.io(path: url.path, message: "cannot read: \(error.localizedDescription)")
        }
        let root: Value
        do { root = try JSONDecoder().decode(Value.self, from: data) } catch {
            throw FlintError.invalidFile(path: url.path, field: "JSON", expected: "a JSON object", found: "text that does not parse (\(error))")
        }
        guard case .object(let values) = root else {
            throw FlintError.invalidFile(path: url.path, field: "JSON", expected: "a JSON object", found: "another JSON value")
        }
        var architectures: [String] = []
        switch values["architectures"] {
        case nil, .null?: break
        case .array(let items)?:
            for item in items {
                guard let name = item.stringValue else {
                    throw FlintError.invalidFile(path: url.path, field: "architectures", expected: "a list of strings", found: "a list with \(item)")
                }
                architectures.append(name)
            }
        case let other?:
            throw FlintError.invalidFile(path: url.path, field: "architectures", expected: "a list of strings", found: "\(other)")
        }
        let modelType = values["model_type"]?.stringValue
        guard let modelType, supportedModelTypes.contains(modelType) else {
            throw HubError.unsupportedModelType(path: url.path, found: modelType ?? values["model_type"].map { "\($0)" },
                                                supported: supportedModelTypes.sorted())
        }
        self.url = url
        self.data = data
        self.values = values
        self.modelType = modelType
        self.architectures = architectures
    }

    /// Decodes the file as `type` (a typed configuration such as ``BertConfiguration``).
    ///
    /// - Throws: ``FlintError/invalidFile(path:field:expected:found:)`` naming the decoding error, or the
    ///   field a configuration's validation rejected (``ConfigurationFieldError``).
    public func decode<T: Decodable>(_ type: T.Type) throws -> T {
        do { return try JSONDecoder().decode(type, from: data) } catch let invalid as ConfigurationFieldError {
            throw FlintError.invalidFile(path: url.path, field: invalid.field, expected: invalid.expected, found: invalid.found)
        } catch {
            throw FlintError.invalidFile(path: url.path, field: "config.json", expected: "a \(type) configuration", found: "\(error)")
        }
    }

    /// The value of `key`, if present.
    public subscript(key: String) -> Value? { values[key] }
}
