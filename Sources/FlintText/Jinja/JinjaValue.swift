import Foundation

/// A value in a Jinja template, with Python's data model as jinja2 sees it: `None`, `bool`, `int`, `float`, `str`,
/// `list`, `tuple`, insertion-ordered `dict` (string keys), plus jinja2's `Undefined`, namespaces and other objects,
/// and callables (macros, globals, bound methods).
///
/// Chat messages and tool definitions are usually built with `JinjaValue(json:)` (which keeps key order and the
/// integer/float distinction) or with literals: `["role": "user", "content": "Hi"]`.
public enum JinjaValue: Sendable {
    /// jinja2's default `Undefined`: prints as "", is falsy and iterates as empty; most other uses fail with
    /// `message` (e.g. "'dict object' has no attribute 'x'").
    case undefined(JinjaUndefined)
    case none
    case boolean(Bool)
    case integer(Int)
    case float(Double)
    case string(String)
    /// markupsafe's `Markup` (from the `safe` and `escape` filters): text already safe for HTML. It prints as is;
    /// `markup + str` and `str + markup` HTML-escape the plain side, as markupsafe does.
    case markup(String)
    case list([JinjaValue])
    case tuple([JinjaValue])
    case dictionary(JinjaDictionary)
    /// A `namespace()`, loop, cycler or joiner object (reference semantics: namespaces are mutable).
    case object(JinjaObject)
    case callable(JinjaCallable)
    /// A one-shot Python iterator, as jinja2's `map`, `select*`, `reject*`, `unique`, `items`, `batch` and `reverse`
    /// filters return: truthy even when empty, no `len()`, not JSON-serializable, exhausted after one iteration.
    case iterator(JinjaIterator)

    /// An undefined value named `name` ("'name' is undefined").
    public static func undefined(named name: String) -> JinjaValue {
        .undefined(JinjaUndefined(message: "'\(name)' is undefined"))
    }

    public var isUndefined: Bool {
        if case .undefined = self { return true }
        return false
    }

    /// Python truthiness (`bool(value)`).
    public var isTruthy: Bool {
        switch self {
        case .undefined, .none: return false
        case .boolean(let value): return value
        case .integer(let value): return value != 0
        case .float(let value): return value != 0
        case .string(let value), .markup(let value): return !value.isEmpty
        case .list(let items), .tuple(let items): return !items.isEmpty
        case .dictionary(let dictionary): return !dictionary.isEmpty
        case .object, .callable, .iterator: return true
        }
    }

    /// Python's type name, as error messages show it (`str`, `int`, `dict`, `NoneType`…).
    var typeName: String {
        switch self {
        case .undefined: return "Undefined"
        case .none: return "NoneType"
        case .boolean: return "bool"
        case .integer: return "int"
        case .float: return "float"
        case .string: return "str"
        case .markup: return "Markup"
        case .list: return "list"
        case .tuple: return "tuple"
        case .dictionary: return "dict"
        case .object(let object): return object.typeName
        case .callable: return "function"
        case .iterator(let iterator): return iterator.typeName
        }
    }

    /// jinja2's `object_type_repr`: "None" for None, else "<type> object".
    var objectTypeDescription: String {
        if case .none = self { return "None" }
        return "\(typeName) object"
    }
}

/// jinja2's `Undefined` with the message it fails with when used.
public struct JinjaUndefined: Sendable, Equatable {
    public let message: String
    /// The failure kind when used (`.undefined`; `.security` for a sandbox-blocked attribute).
    let kind: JinjaRenderErrorKind

    init(message: String, kind: JinjaRenderErrorKind = .undefined) {
        self.message = message
        self.kind = kind
    }

    var failure: JinjaFailure { JinjaFailure(kind, message) }
}

/// An insertion-ordered dictionary (Python's `dict`). Keys from JSON are strings; template literals may also use
/// integers, floats, booleans, None and tuples of those, hashed as Python does (`1`, `1.0` and `True` are one key).
public struct JinjaDictionary: Sendable, Sequence {
    /// The keys in insertion order.
    public private(set) var keys: [JinjaValue] = []
    private var storage: [JinjaDictionaryKey: JinjaValue] = [:]

    public init() {}

    public init(_ pairs: [(String, JinjaValue)]) {
        for (key, value) in pairs { self[key] = value }
    }

    public var count: Int { keys.count }
    public var isEmpty: Bool { keys.isEmpty }

    public subscript(key: String) -> JinjaValue? {
        get { storage[.string(key)] }
        set { set(.string(key), original: .string(key), newValue) }
    }

    /// The value for any hashable key; nil when absent or when `key` is unhashable (a list or dict).
    public subscript(key key: JinjaValue) -> JinjaValue? {
        JinjaDictionaryKey(key).flatMap { storage[$0] }
    }

    /// Sets `value` for `key`; throws Python's TypeError for an unhashable key.
    mutating func set(_ key: JinjaValue, _ value: JinjaValue) throws {
        guard let hashed = JinjaDictionaryKey(key) else {
            throw JinjaFailure(.typeMismatch, "unhashable type: '\(key.typeName)'")
        }
        set(hashed, original: key, value)
    }

    private mutating func set(_ hashed: JinjaDictionaryKey, original: JinjaValue, _ newValue: JinjaValue?) {
        if let newValue {
            if storage.updateValue(newValue, forKey: hashed) == nil { keys.append(original) }
        } else if storage.removeValue(forKey: hashed) != nil {
            keys.removeAll { JinjaDictionaryKey($0) == hashed }
        }
    }

    public var values: [JinjaValue] { keys.map { storage[JinjaDictionaryKey($0)!]! } }

    public func makeIterator() -> AnyIterator<(key: JinjaValue, value: JinjaValue)> {
        var index = 0
        return AnyIterator {
            guard index < keys.count else { return nil }
            defer { index += 1 }
            return (keys[index], storage[JinjaDictionaryKey(keys[index])!]!)
        }
    }
}

/// A hashable dictionary key with Python's equalities: `True == 1 == 1.0`.
enum JinjaDictionaryKey: Hashable, Sendable {
    case string(String)
    case integer(Int)
    case float(UInt64)
    case none
    indirect case tuple([JinjaDictionaryKey])

    init?(_ value: JinjaValue) {
        switch value {
        case .string(let text), .markup(let text): self = .string(text)
        case .boolean(let flag): self = .integer(flag ? 1 : 0)
        case .integer(let integer): self = .integer(integer)
        case .float(let float):
            if float.rounded() == float, abs(float) < 9.2e18 { self = .integer(Int(float)) } else { self = .float(float.bitPattern) }
        case .none: self = .none
        case .tuple(let items):
            var keys: [JinjaDictionaryKey] = []
            for item in items {
                guard let key = JinjaDictionaryKey(item) else { return nil }
                keys.append(key)
            }
            self = .tuple(keys)
        default: return nil
        }
    }
}

/// A Python object with attributes: `namespace()` (mutable through `{% set ns.name = … %}`), the `loop` variable,
/// `cycler()` and `joiner()`.
public final class JinjaObject: @unchecked Sendable {
    let typeName: String
    var attributes: JinjaDictionary
    let isNamespace: Bool

    init(typeName: String, attributes: JinjaDictionary, isNamespace: Bool = false) {
        self.typeName = typeName
        self.attributes = attributes
        self.isNamespace = isNamespace
    }
}

/// The remaining items of a one-shot iterator (see `JinjaValue.iterator`).
public final class JinjaIterator: @unchecked Sendable {
    let typeName: String
    private var remaining: ArraySlice<JinjaValue>

    init(_ items: [JinjaValue], typeName: String = "generator") {
        self.typeName = typeName
        remaining = items[...]
    }

    /// Everything not consumed yet; the iterator is exhausted afterwards.
    func consumeAll() -> [JinjaValue] {
        defer { remaining = [] }
        return Array(remaining)
    }

    /// The next item (Python's `next(iterator, None)`).
    func next() -> JinjaValue? {
        remaining.popFirst()
    }
}

/// Positional and keyword arguments of a call.
struct JinjaArguments {
    var positional: [JinjaValue] = []
    var keyword: [(String, JinjaValue)] = []

    /// The argument at `position` or named `name`; nil when absent.
    func value(_ position: Int, _ name: String) -> JinjaValue? {
        if position < positional.count { return positional[position] }
        return keyword.first { $0.0 == name }?.1
    }

    func keywordValue(_ name: String) -> JinjaValue? {
        keyword.first { $0.0 == name }?.1
    }

    /// Fails like Python for unknown keywords or too many positional arguments.
    func check(_ function: String, maximumPositional: Int, keywords: Set<String>) throws {
        if positional.count > maximumPositional {
            throw JinjaFailure(.typeMismatch,
                               "\(function)() takes at most \(maximumPositional) positional argument(s) (\(positional.count) given)")
        }
        for (name, _) in keyword where !keywords.contains(name) {
            throw JinjaFailure(.typeMismatch, "\(function)() got an unexpected keyword argument '\(name)'")
        }
    }
}

/// A callable value: a macro, a global function (`range`, `namespace`, `raise_exception`…) or a bound method.
public final class JinjaCallable: @unchecked Sendable {
    let name: String
    let body: (JinjaArguments, JinjaEvaluator) throws -> JinjaValue

    init(name: String, body: @escaping (JinjaArguments, JinjaEvaluator) throws -> JinjaValue) {
        self.name = name
        self.body = body
    }
}

// MARK: - Literals

extension JinjaValue: ExpressibleByStringLiteral, ExpressibleByIntegerLiteral, ExpressibleByFloatLiteral,
    ExpressibleByBooleanLiteral, ExpressibleByArrayLiteral, ExpressibleByDictionaryLiteral, ExpressibleByNilLiteral {
    public init(stringLiteral value: String) { self = .string(value) }
    public init(integerLiteral value: Int) { self = .integer(value) }
    public init(floatLiteral value: Double) { self = .float(value) }
    public init(booleanLiteral value: Bool) { self = .boolean(value) }
    public init(arrayLiteral elements: JinjaValue...) { self = .list(elements) }
    public init(dictionaryLiteral elements: (String, JinjaValue)...) { self = .dictionary(JinjaDictionary(elements)) }
    public init(nilLiteral: ()) { self = .none }
}

// MARK: - Python equality and ordering

extension JinjaValue {
    /// A number as Python sees it in arithmetic (bool is an int); nil for other values.
    var numeric: (integer: Int?, float: Double)? {
        switch self {
        case .boolean(let value): return (value ? 1 : 0, value ? 1 : 0)
        case .integer(let value): return (value, Double(value))
        case .float(let value): return (nil, value)
        default: return nil
        }
    }

    /// The value with a `Markup` turned into a plain string (for operations where the distinction does not matter).
    var unmarked: JinjaValue {
        if case .markup(let text) = self { return .string(text) }
        return self
    }

    /// Python `==`.
    func pythonEquals(_ other: JinjaValue) -> Bool {
        if case .markup = self { return unmarked.pythonEquals(other) }
        if case .markup = other { return pythonEquals(other.unmarked) }
        if let left = numeric, let right = other.numeric {
            if let a = left.integer, let b = right.integer { return a == b }
            return left.float == right.float
        }
        switch (self, other) {
        case (.undefined, .undefined), (.none, .none): return true
        case (.string(let a), .string(let b)): return a.unicodeScalars.elementsEqual(b.unicodeScalars)
        case (.list(let a), .list(let b)), (.tuple(let a), .tuple(let b)):
            return a.count == b.count && zip(a, b).allSatisfy { $0.pythonEquals($1) }
        case (.dictionary(let a), .dictionary(let b)):
            return a.count == b.count && a.allSatisfy { key, value in b[key: key].map { value.pythonEquals($0) } ?? false }
        case (.object(let a), .object(let b)): return a === b
        case (.callable(let a), .callable(let b)): return a === b
        case (.iterator(let a), .iterator(let b)): return a === b
        default: return false
        }
    }

    /// Python `<`; throws Python's TypeError for unorderable types.
    func pythonLess(_ other: JinjaValue) throws -> Bool {
        if case .markup = self { return try unmarked.pythonLess(other) }
        if case .markup = other { return try pythonLess(other.unmarked) }
        if let left = numeric, let right = other.numeric {
            if let a = left.integer, let b = right.integer { return a < b }
            return left.float < right.float
        }
        switch (self, other) {
        case (.string(let a), .string(let b)):
            return a.unicodeScalars.lexicographicallyPrecedes(b.unicodeScalars)
        case (.list(let a), .list(let b)), (.tuple(let a), .tuple(let b)):
            for (x, y) in zip(a, b) where !x.pythonEquals(y) { return try x.pythonLess(y) }
            return a.count < b.count
        default:
            throw JinjaFailure(.typeMismatch,
                               "'<' not supported between instances of '\(typeName)' and '\(other.typeName)'")
        }
    }
}

// MARK: - JSON input

extension JinjaValue {
    /// Parses JSON text into a value: objects become ordered dictionaries (key order kept), numbers without a
    /// fraction or exponent become integers, the others floats. Throws `JinjaJSONError` naming the byte offset.
    public init(json text: String) throws {
        var parser = JinjaJSONParser(bytes: Array(text.utf8))
        self = try parser.parseDocument()
    }
}

/// A JSON input error with the byte offset where parsing failed.
public struct JinjaJSONError: Error, CustomStringConvertible, Equatable {
    public let message: String
    public let offset: Int
    public var description: String { "invalid JSON at byte \(offset): \(message)" }
}

struct JinjaJSONParser {
    let bytes: [UInt8]
    var offset = 0
    var depth = 0

    mutating func parseDocument() throws -> JinjaValue {
        let value = try parseValue()
        skipWhitespace()
        guard offset == bytes.count else { throw JinjaJSONError(message: "trailing characters", offset: offset) }
        return value
    }

    private mutating func skipWhitespace() {
        while offset < bytes.count, [0x20, 0x09, 0x0A, 0x0D].contains(bytes[offset]) { offset += 1 }
    }

    private mutating func expectLiteral(_ literal: String, _ value: JinjaValue) throws -> JinjaValue {
        let expected = Array(literal.utf8)
        guard offset + expected.count <= bytes.count, Array(bytes[offset..<(offset + expected.count)]) == expected else {
            throw JinjaJSONError(message: "unexpected character", offset: offset)
        }
        offset += expected.count
        return value
    }

    private mutating func parseValue() throws -> JinjaValue {
        skipWhitespace()
        guard offset < bytes.count else { throw JinjaJSONError(message: "unexpected end of input", offset: offset) }
        switch bytes[offset] {
        case UInt8(ascii: "{"):
            depth += 1
            defer { depth -= 1 }
            guard depth <= 512 else { throw JinjaJSONError(message: "nesting too deep", offset: offset) }
            offset += 1
            var dictionary = JinjaDictionary()
            skipWhitespace()
            if offset < bytes.count, bytes[offset] == UInt8(ascii: "}") {
                offset += 1
                return .dictionary(dictionary)
            }
            while true {
                skipWhitespace()
                guard offset < bytes.count, bytes[offset] == UInt8(ascii: "\"") else {
                    throw JinjaJSONError(message: "expected a string key", offset: offset)
                }
                let key = try parseString()
                skipWhitespace()
                guard offset < bytes.count, bytes[offset] == UInt8(ascii: ":") else {
                    throw JinjaJSONError(message: "expected ':'", offset: offset)
                }
                offset += 1
                dictionary[key] = try parseValue()
                skipWhitespace()
                guard offset < bytes.count else { throw JinjaJSONError(message: "unexpected end of input", offset: offset) }
                if bytes[offset] == UInt8(ascii: ",") {
                    offset += 1
                } else if bytes[offset] == UInt8(ascii: "}") {
                    offset += 1
                    return .dictionary(dictionary)
                } else {
                    throw JinjaJSONError(message: "expected ',' or '}'", offset: offset)
                }
            }
        case UInt8(ascii: "["):
            depth += 1
            defer { depth -= 1 }
            guard depth <= 512 else { throw JinjaJSONError(message: "nesting too deep", offset: offset) }
            offset += 1
            var items: [JinjaValue] = []
            skipWhitespace()
            if offset < bytes.count, bytes[offset] == UInt8(ascii: "]") {
                offset += 1
                return .list(items)
            }
            while true {
                items.append(try parseValue())
                skipWhitespace()
                guard offset < bytes.count else { throw JinjaJSONError(message: "unexpected end of input", offset: offset) }
                if bytes[offset] == UInt8(ascii: ",") {
                    offset += 1
                } else if bytes[offset] == UInt8(ascii: "]") {
                    offset += 1
                    return .list(items)
                } else {
                    throw JinjaJSONError(message: "expected ',' or ']'", offset: offset)
                }
            }
        case UInt8(ascii: "\""):
            return .string(try parseString())
        case UInt8(ascii: "t"): return try expectLiteral("true", .boolean(true))
        case UInt8(ascii: "f"): return try expectLiteral("false", .boolean(false))
        case UInt8(ascii: "n"): return try expectLiteral("null", .none)
        default:
            return try parseNumber()
        }
    }

    private mutating func parseNumber() throws -> JinjaValue {
        let start = offset
        var isFloat = false
        if offset < bytes.count, bytes[offset] == UInt8(ascii: "-") { offset += 1 }
        while offset < bytes.count {
            let byte = bytes[offset]
            if byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") {
                offset += 1
            } else if byte == UInt8(ascii: ".") || byte == UInt8(ascii: "e") || byte == UInt8(ascii: "E")
                        || ((byte == UInt8(ascii: "+") || byte == UInt8(ascii: "-")) && offset > start) {
                isFloat = true
                offset += 1
            } else {
                break
            }
        }
        let text = String(decoding: bytes[start..<offset], as: UTF8.self)
        if !isFloat, let value = Int(text) { return .integer(value) }
        guard !text.isEmpty, text != "-", let value = Double(text) else {
            throw JinjaJSONError(message: "invalid number", offset: start)
        }
        return .float(value)
    }

    private mutating func parseHex4() throws -> UInt32 {
        guard offset + 4 <= bytes.count,
              let value = UInt32(String(decoding: bytes[offset..<(offset + 4)], as: UTF8.self), radix: 16) else {
            throw JinjaJSONError(message: "invalid \\u escape", offset: offset)
        }
        offset += 4
        return value
    }

    private mutating func parseString() throws -> String {
        let start = offset
        offset += 1
        var result = [UInt8]()
        while true {
            guard offset < bytes.count else { throw JinjaJSONError(message: "unterminated string", offset: start) }
            let byte = bytes[offset]
            offset += 1
            if byte == UInt8(ascii: "\"") { break }
            if byte < 0x20 { throw JinjaJSONError(message: "control character in string", offset: offset - 1) }
            guard byte == UInt8(ascii: "\\") else {
                result.append(byte)
                continue
            }
            guard offset < bytes.count else { throw JinjaJSONError(message: "unterminated string", offset: start) }
            let escape = bytes[offset]
            offset += 1
            switch escape {
            case UInt8(ascii: "\""): result.append(UInt8(ascii: "\""))
            case UInt8(ascii: "\\"): result.append(UInt8(ascii: "\\"))
            case UInt8(ascii: "/"): result.append(UInt8(ascii: "/"))
            case UInt8(ascii: "b"): result.append(0x08)
            case UInt8(ascii: "f"): result.append(0x0C)
            case UInt8(ascii: "n"): result.append(0x0A)
            case UInt8(ascii: "r"): result.append(0x0D)
            case UInt8(ascii: "t"): result.append(0x09)
            case UInt8(ascii: "u"):
                var code = try parseHex4()
                if (0xD800..<0xDC00).contains(code), offset + 6 <= bytes.count,
                   bytes[offset] == UInt8(ascii: "\\"), bytes[offset + 1] == UInt8(ascii: "u") {
                    let saved = offset
                    offset += 2
                    let low = try parseHex4()
                    if (0xDC00..<0xE000).contains(low) {
                        code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00)
                    } else {
                        offset = saved
                    }
                }
                guard let scalar = Unicode.Scalar(code) else {
                    throw JinjaJSONError(message: "unpaired surrogate in \\u escape", offset: offset - 6)
                }
                result.append(contentsOf: Array(String(Character(scalar)).utf8))
            default:
                throw JinjaJSONError(message: "invalid escape", offset: offset - 1)
            }
        }
        guard let string = String(validating: result, as: UTF8.self) else {
            throw JinjaJSONError(message: "invalid UTF-8 in string", offset: start)
        }
        return string
    }
}
