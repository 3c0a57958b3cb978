import Foundation
import Hummingbird
import NIOCore

/// A request body read as one JSON object, with typed accessors whose errors name the field:
/// - a `Content-Type` that is not JSON (`application/json`, `…+json`) → 415 `unsupported_media_type`
///   (a request without one is read as JSON);
/// - a body over the limit → 413 `body_too_large`;
/// - bytes that are not UTF-8 → 400 `invalid_utf8`; text that is not JSON, or JSON that is not an object → 400 `invalid_json`;
/// - a missing field, a wrong type, an empty or over-long text, too many texts → 422.
struct JSONRequest {
    let object: [String: Any]
    let limits: ServeConfiguration.Limits

    /// Collects at most `maxBodyBytes` and parses them.
    static func read(_ request: Request, maxBodyBytes: Int, limits: ServeConfiguration.Limits) async throws -> JSONRequest {
        if let contentType = request.headers[.contentType], !isJSONMediaType(contentType) {
            throw APIError(.unsupportedMediaType, "Content-Type must be application/json, got '\(contentType.prefix(100))'",
                           type: "invalid_request_error", code: "unsupported_media_type")
        }
        if let length = request.headers[.contentLength].flatMap(Int.init), length > maxBodyBytes {
            throw APIError.bodyTooLarge(limit: maxBodyBytes)
        }
        var request = request
        let buffer: ByteBuffer
        do {
            buffer = try await request.collectBody(upTo: maxBodyBytes)
        } catch is NIOTooManyBytesError {
            throw APIError.bodyTooLarge(limit: maxBodyBytes)
        } catch let error as HTTPError where error.status == .contentTooLarge {
            throw APIError.bodyTooLarge(limit: maxBodyBytes)
        }
        return try parse(Array(buffer.readableBytesView), limits: limits)
    }

    /// Parses a body already in memory.
    static func parse(_ bytes: [UInt8], limits: ServeConfiguration.Limits) throws -> JSONRequest {
        if bytes.isEmpty { throw APIError.badRequest("the request body is empty; send a JSON object") }
        if String(validating: bytes, as: UTF8.self) == nil {
            throw APIError.badRequest("the request body is not valid UTF-8", code: "invalid_utf8")
        }
        let value: Any
        do {
            value = try JSONSerialization.jsonObject(with: Data(bytes), options: [.fragmentsAllowed])
        } catch {
            throw APIError.badRequest("the request body is not valid JSON")
        }
        guard let object = value as? [String: Any] else {
            throw APIError.badRequest("the request body must be a JSON object, found \(Self.typeName(value))")
        }
        return JSONRequest(object: object, limits: limits)
    }

    /// Whether a `Content-Type` value names JSON: `application/json` or a `+json` type, parameters ignored.
    static func isJSONMediaType(_ value: String) -> Bool {
        let type = value.split(separator: ";", maxSplits: 1, omittingEmptySubsequences: false).first
            .map { $0.trimmingCharacters(in: .whitespaces).lowercased() } ?? ""
        return type == "application/json" || (type.hasPrefix("application/") && type.hasSuffix("+json"))
    }

    /// A required text field (`"text"`), validated.
    func text(_ key: String) throws -> String {
        guard let value = object[key], !(value is NSNull) else {
            throw APIError.invalid("missing field '\(key)': send {\"\(key)\": \"…\"}", code: "missing_field")
        }
        return try validatedText(value, field: key)
    }

    /// A required list of texts (`"texts"`), or a single text when `allowsSingle` (OpenAI's `input`).
    func texts(_ key: String, allowsSingle: Bool = false) throws -> [String] {
        guard let value = object[key], !(value is NSNull) else {
            throw APIError.invalid("missing field '\(key)'", code: "missing_field")
        }
        if allowsSingle, value is String { return [try validatedText(value, field: key)] }
        guard let array = value as? [Any] else {
            throw APIError.invalid("field '\(key)' must be \(allowsSingle ? "a string or " : "")an array of strings, found \(Self.typeName(value))",
                                   code: "invalid_type")
        }
        if array.isEmpty { throw APIError.invalid("field '\(key)' is empty", code: "empty_input") }
        if array.count > limits.maxTexts {
            throw APIError.invalid("field '\(key)' has \(array.count) texts; the limit is \(limits.maxTexts)", code: "too_many_texts")
        }
        return try array.enumerated().map { index, item in try validatedText(item, field: "\(key)[\(index)]") }
    }

    /// An optional string field.
    func optionalString(_ key: String) throws -> String? {
        guard let value = object[key], !(value is NSNull) else { return nil }
        guard let string = value as? String else {
            throw APIError.invalid("field '\(key)' must be a string, found \(Self.typeName(value))", code: "invalid_type")
        }
        return string
    }

    /// An optional integer field.
    func optionalInteger(_ key: String) throws -> Int? {
        guard let value = object[key], !(value is NSNull) else { return nil }
        guard let number = value as? NSNumber, !Self.isBoolean(number), let integer = Int(exactly: number.doubleValue) else {
            throw APIError.invalid("field '\(key)' must be an integer, found \(Self.typeName(value))", code: "invalid_type")
        }
        return integer
    }

    func validatedText(_ value: Any, field: String) throws -> String {
        guard let text = value as? String else {
            throw APIError.invalid("field '\(field)' must be a string, found \(Self.typeName(value))", code: "invalid_type")
        }
        // Empty: no Unicode scalar outside White_Space (by scalar, not by Character: a space followed by
        // a combining mark is one Character whose first scalar is white space, yet it is not empty).
        if text.unicodeScalars.allSatisfy(\.properties.isWhitespace) {
            throw APIError.invalid("field '\(field)' is empty", code: "empty_text")
        }
        let bytes = text.utf8.count
        if bytes > limits.maxTextBytes {
            throw APIError.invalid("field '\(field)' is \(bytes) bytes long; the limit is \(limits.maxTextBytes)", code: "text_too_long")
        }
        return text
    }

    static func isBoolean(_ number: NSNumber) -> Bool {
        String(cString: number.objCType) == "c"  // JSON true/false: a boolean NSNumber (objCType "c")
    }

    /// A JSON type name for error messages.
    static func typeName(_ value: Any) -> String {
        switch value {
        case is NSNull: return "null"
        case is String: return "a string"
        case let number as NSNumber: return isBoolean(number) ? "a boolean" : "a number"
        case is [Any]: return "an array"
        case is [String: Any]: return "an object"
        default: return "\(type(of: value))"
        }
    }
}
