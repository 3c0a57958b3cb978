import Foundation

/// The one spelling of a decoded JSON value (Foundation `JSONSerialization` objects or Swift's `String`, `Bool`,
/// `Int`, `Double`, arrays and `[String: Any]` dictionaries) that constrained generation writes for `enum` and
/// `const` values and property names: compact (no whitespace), object keys sorted by their UTF-8 bytes, strings
/// escaped as JSON requires and no more (`"`, `\`, control characters as `\n`, `\t`, … or `\u00XX`; everything
/// else as its UTF-8 bytes), integral numbers below 2⁵³ in magnitude without a fraction, other numbers as Swift's
/// shortest round-trip `Double` text.
enum CanonicalJSON {
    /// The canonical bytes of `value`; throws naming `path` for a value that is not JSON.
    static func encode(_ value: Any, path: String) throws -> [UInt8] {
        var out = [UInt8]()
        try append(value, to: &out, path: path)
        return out
    }

    /// The escaped contents of a JSON string (without the quotes).
    static func escaped(_ string: String) -> [UInt8] {
        var out = [UInt8]()
        for byte in string.utf8 {
            switch byte {
            case 0x22: out += [0x5C, 0x22]
            case 0x5C: out += [0x5C, 0x5C]
            case 0x08: out += [0x5C, UInt8(ascii: "b")]
            case 0x0C: out += [0x5C, UInt8(ascii: "f")]
            case 0x0A: out += [0x5C, UInt8(ascii: "n")]
            case 0x0D: out += [0x5C, UInt8(ascii: "r")]
            case 0x09: out += [0x5C, UInt8(ascii: "t")]
            case 0..<0x20:
                let hex = Array("0123456789abcdef".utf8)
                out += Array("\\u00".utf8) + [hex[Int(byte >> 4)], hex[Int(byte & 15)]]
            default: out.append(byte)
            }
        }
        return out
    }

    /// The kind of a decoded JSON value (booleans told apart from numbers, which Foundation stores alike).
    enum Kind { case null, boolean(Bool), integer(Int), number(Double), string(String), array([Any]), object([String: Any]) }

    static func kind(of value: Any) -> Kind? {
        switch value {
        case is NSNull: return .null
        case let bool as Bool where type(of: value) == Bool.self: return .boolean(bool)
        case let string as String: return .string(string)
        case let array as [Any]: return .array(array)
        case let object as [String: Any]: return .object(object)
        case let int as Int where type(of: value) == Int.self: return .integer(int)
        case let double as Double where type(of: value) == Double.self: return number(double)
        case let number as NSNumber:
            // Foundation's JSONSerialization gives booleans as NSNumber with Objective-C type "c".
            if String(cString: number.objCType) == "c" { return .boolean(number.boolValue) }
            switch String(cString: number.objCType) {
            case "d", "f": return self.number(number.doubleValue)
            case "Q": return number.uint64Value <= UInt64(Int.max) ? .integer(Int(number.uint64Value)) : .number(number.doubleValue)
            default: return .integer(number.intValue)
            }
        default: return nil
        }
    }

    private static func number(_ value: Double) -> Kind {
        if value.rounded() == value && abs(value) < 9_007_199_254_740_992 { return .integer(Int(value)) }
        return .number(value)
    }

    private static func append(_ value: Any, to out: inout [UInt8], path: String) throws {
        guard let kind = kind(of: value) else { throw ResponseFormatError(path: path, message: "not a JSON value") }
        switch kind {
        case .null: out += Array("null".utf8)
        case .boolean(let bool): out += Array((bool ? "true" : "false").utf8)
        case .integer(let int): out += Array(String(int).utf8)
        case .number(let double):
            guard double.isFinite else { throw ResponseFormatError(path: path, message: "not a finite number") }
            out += Array("\(double)".utf8)
        case .string(let string): out.append(0x22); out += escaped(string); out.append(0x22)
        case .array(let array):
            out.append(UInt8(ascii: "["))
            for (index, element) in array.enumerated() {
                if index > 0 { out.append(UInt8(ascii: ",")) }
                try append(element, to: &out, path: "\(path)[\(index)]")
            }
            out.append(UInt8(ascii: "]"))
        case .object(let object):
            out.append(UInt8(ascii: "{"))
            let keys = object.keys.sorted { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) }
            for (index, key) in keys.enumerated() {
                if index > 0 { out.append(UInt8(ascii: ",")) }
                out.append(0x22); out += escaped(key); out += [0x22, UInt8(ascii: ":")]
                try append(object[key]!, to: &out, path: "\(path).\(key)")
            }
            out.append(UInt8(ascii: "}"))
        }
    }
}
