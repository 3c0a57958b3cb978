import Foundation

/// A JSON object from a tokenizer file, with accessors that throw `TokenizerError.invalidFile`
/// naming the file, the field path, what was expected and what was found.
public struct JSONObject {
    /// The parsed object.
    public let values: [String: Any]
    /// The file it came from (for error messages).
    public let path: String
    /// The dotted path of this object inside the file (`""` at the top).
    public let field: String

    /// Wraps `values` found at `field` of `path`.
    public init(_ values: [String: Any], path: String, field: String = "") {
        self.values = values
        self.path = path
        self.field = field
    }

    /// Parses `data` as a JSON object.
    public init(data: Data, path: String) throws {
        let parsed: Any
        do {
            parsed = try JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed])
        } catch {
            throw TokenizerError.invalidFile(path: path, field: "(document)", expected: "valid JSON",
                                             found: "malformed JSON (\(error.localizedDescription))")
        }
        guard let object = parsed as? [String: Any] else {
            throw TokenizerError.invalidFile(path: path, field: "(document)", expected: "a JSON object",
                                             found: JSONObject.describe(parsed))
        }
        self.init(object, path: path)
    }

    /// Reads and parses the file at `url`.
    public init(contentsOf url: URL) throws {
        let data: Data
        do {
            data = try Data(contentsOf: url)
        } catch {
            throw TokenizerError.missingFiles(folder: url.deletingLastPathComponent().path, expected: [url.lastPathComponent])
        }
        try self.init(data: data, path: url.path)
    }

    /// The path of `key` inside the file.
    public func fieldPath(_ key: String) -> String { field.isEmpty ? key : "\(field).\(key)" }

    /// Whether `key` is present and not null.
    public func has(_ key: String) -> Bool {
        guard let value = values[key] else { return false }
        return !(value is NSNull)
    }

    /// The error for `key` holding something other than `expected`.
    public func mismatch(_ key: String, expected: String) -> TokenizerError {
        .invalidFile(path: path, field: fieldPath(key), expected: expected,
                     found: values[key].map(JSONObject.describe) ?? "nothing")
    }

    /// A required string.
    public func string(_ key: String) throws -> String {
        guard let value = values[key] as? String else { throw mismatch(key, expected: "a string") }
        return value
    }

    /// An optional string (absent or null gives nil).
    public func optionalString(_ key: String) throws -> String? {
        guard has(key) else { return nil }
        return try string(key)
    }

    /// A required integer.
    public func int(_ key: String) throws -> Int {
        guard let value = values[key], let number = JSONObject.integer(value) else {
            throw mismatch(key, expected: "an integer")
        }
        return number
    }

    /// An optional integer (absent or null gives nil).
    public func optionalInt(_ key: String) throws -> Int? {
        guard has(key) else { return nil }
        return try int(key)
    }

    /// A boolean, `defaultValue` when absent or null.
    public func bool(_ key: String, default defaultValue: Bool) throws -> Bool {
        guard has(key) else { return defaultValue }
        guard let number = values[key] as? NSNumber, JSONObject.isBoolean(number) else {
            throw mismatch(key, expected: "true or false")
        }
        return number.boolValue
    }

    /// An optional boolean (absent or null gives nil).
    public func optionalBool(_ key: String) throws -> Bool? {
        guard has(key) else { return nil }
        return try bool(key, default: false)
    }

    /// A required nested object.
    public func object(_ key: String) throws -> JSONObject {
        guard let value = values[key] as? [String: Any] else { throw mismatch(key, expected: "an object") }
        return JSONObject(value, path: path, field: fieldPath(key))
    }

    /// An optional nested object (absent or null gives nil).
    public func optionalObject(_ key: String) throws -> JSONObject? {
        guard has(key) else { return nil }
        return try object(key)
    }

    /// A required array.
    public func array(_ key: String) throws -> [Any] {
        guard let value = values[key] as? [Any] else { throw mismatch(key, expected: "an array") }
        return value
    }

    /// A required array of objects.
    public func objects(_ key: String) throws -> [JSONObject] {
        try array(key).enumerated().map { index, element in
            guard let object = element as? [String: Any] else {
                throw TokenizerError.invalidFile(path: path, field: "\(fieldPath(key))[\(index)]",
                                                 expected: "an object", found: JSONObject.describe(element))
            }
            return JSONObject(object, path: path, field: "\(fieldPath(key))[\(index)]")
        }
    }

    /// The integer value of a JSON number that is a whole number.
    public static func integer(_ value: Any) -> Int? {
        guard let number = value as? NSNumber, !isBoolean(number) else { return nil }
        let double = number.doubleValue
        guard double.rounded() == double, abs(double) < 9.0e15 else { return nil }
        return number.intValue
    }

    static func isBoolean(_ number: NSNumber) -> Bool {
        String(describing: type(of: number)).contains("Boolean")
    }

    /// A short description of a JSON value for error messages.
    public static func describe(_ value: Any) -> String {
        switch value {
        case is NSNull: return "null"
        case let string as String: return "the string \"\(string.prefix(40))\""
        case let number as NSNumber: return isBoolean(number) ? "a boolean" : "the number \(number)"
        case is [Any]: return "an array"
        case is [String: Any]: return "an object"
        default: return "\(type(of: value))"
        }
    }
}
