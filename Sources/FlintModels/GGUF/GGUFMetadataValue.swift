import Foundation

/// The value types of GGUF metadata (`gguf_type` in ggml's `gguf.h`), with their codes in the file.
public enum GGUFValueType: UInt32, CaseIterable, Sendable, CustomStringConvertible {
    case uint8 = 0, int8 = 1, uint16 = 2, int16 = 3, uint32 = 4, int32 = 5, float32 = 6, bool = 7
    case string = 8, array = 9, uint64 = 10, int64 = 11, float64 = 12

    /// Bytes of one value in the file, or nil for the variable-length string and array.
    public var fixedSize: Int? {
        switch self {
        case .uint8, .int8, .bool: return 1
        case .uint16, .int16: return 2
        case .uint32, .int32, .float32: return 4
        case .uint64, .int64, .float64: return 8
        case .string, .array: return nil
        }
    }

    /// The smallest number of bytes one value of this type takes in a file (a string is at least its
    /// 8-byte length, an array its 4-byte element type and 8-byte count).
    var minimumSize: Int { fixedSize ?? (self == .string ? 8 : 12) }

    /// gguf-py's name of the type (`UINT32`, `STRING`, …).
    public var description: String {
        switch self {
        case .uint8: return "UINT8"
        case .int8: return "INT8"
        case .uint16: return "UINT16"
        case .int16: return "INT16"
        case .uint32: return "UINT32"
        case .int32: return "INT32"
        case .float32: return "FLOAT32"
        case .bool: return "BOOL"
        case .string: return "STRING"
        case .array: return "ARRAY"
        case .uint64: return "UINT64"
        case .int64: return "INT64"
        case .float64: return "FLOAT64"
        }
    }
}

/// One metadata value of a GGUF file: a scalar, a string or a (possibly nested) array.
public enum GGUFMetadataValue: Sendable, Equatable {
    case uint8(UInt8), int8(Int8), uint16(UInt16), int16(Int16), uint32(UInt32), int32(Int32)
    case uint64(UInt64), int64(Int64), float32(Float), float64(Double), bool(Bool), string(String)
    case array(GGUFArray)

    /// The value's type code.
    public var type: GGUFValueType {
        switch self {
        case .uint8: return .uint8
        case .int8: return .int8
        case .uint16: return .uint16
        case .int16: return .int16
        case .uint32: return .uint32
        case .int32: return .int32
        case .uint64: return .uint64
        case .int64: return .int64
        case .float32: return .float32
        case .float64: return .float64
        case .bool: return .bool
        case .string: return .string
        case .array: return .array
        }
    }

    /// The value as an `Int` when it is an integer of any width that fits, else nil.
    public var integerValue: Int? {
        switch self {
        case let .uint8(v): return Int(v)
        case let .int8(v): return Int(v)
        case let .uint16(v): return Int(v)
        case let .int16(v): return Int(v)
        case let .uint32(v): return Int(v)
        case let .int32(v): return Int(v)
        case let .uint64(v): return Int(exactly: v)
        case let .int64(v): return Int(v)
        default: return nil
        }
    }

    /// The value as a `Double` when it is a float (or an integer), else nil.
    public var floatValue: Double? {
        switch self {
        case let .float32(v): return Double(v)
        case let .float64(v): return v
        default: return integerValue.map(Double.init)
        }
    }

    /// The string, when the value is one.
    public var stringValue: String? {
        if case let .string(v) = self { return v }
        return nil
    }

    /// The boolean, when the value is one.
    public var boolValue: Bool? {
        if case let .bool(v) = self { return v }
        return nil
    }

    /// The array, when the value is one.
    public var arrayValue: GGUFArray? {
        if case let .array(v) = self { return v }
        return nil
    }
}

/// A GGUF metadata array: all elements share one type. Stored as a typed Swift array (the tokenizer's
/// 49,152 strings are one `[String]`, its scores one `[Float]`).
public enum GGUFArray: Sendable, Equatable {
    case uint8([UInt8]), int8([Int8]), uint16([UInt16]), int16([Int16]), uint32([UInt32]), int32([Int32])
    case uint64([UInt64]), int64([Int64]), float32([Float]), float64([Double]), bool([Bool]), string([String])
    /// An array of arrays (each inner array may have its own element type).
    case array([GGUFArray])

    /// The element type.
    public var elementType: GGUFValueType {
        switch self {
        case .uint8: return .uint8
        case .int8: return .int8
        case .uint16: return .uint16
        case .int16: return .int16
        case .uint32: return .uint32
        case .int32: return .int32
        case .uint64: return .uint64
        case .int64: return .int64
        case .float32: return .float32
        case .float64: return .float64
        case .bool: return .bool
        case .string: return .string
        case .array: return .array
        }
    }

    /// The number of elements.
    public var count: Int {
        switch self {
        case let .uint8(v): return v.count
        case let .int8(v): return v.count
        case let .uint16(v): return v.count
        case let .int16(v): return v.count
        case let .uint32(v): return v.count
        case let .int32(v): return v.count
        case let .uint64(v): return v.count
        case let .int64(v): return v.count
        case let .float32(v): return v.count
        case let .float64(v): return v.count
        case let .bool(v): return v.count
        case let .string(v): return v.count
        case let .array(v): return v.count
        }
    }

    /// The strings, when the elements are strings.
    public var strings: [String]? {
        if case let .string(v) = self { return v }
        return nil
    }

    /// The elements as `Int`s when they are integers that all fit, else nil.
    public var integers: [Int]? {
        switch self {
        case let .uint8(v): return v.map(Int.init)
        case let .int8(v): return v.map(Int.init)
        case let .uint16(v): return v.map(Int.init)
        case let .int16(v): return v.map(Int.init)
        case let .uint32(v): return v.map(Int.init)
        case let .int32(v): return v.map(Int.init)
        case let .int64(v): return v.map(Int.init)
        case let .uint64(v):
            var result = [Int]()
            result.reserveCapacity(v.count)
            for element in v {
                guard let value = Int(exactly: element) else { return nil }
                result.append(value)
            }
            return result
        default: return nil
        }
    }

    /// The elements as `Float`s when they are floats.
    public var floats: [Float]? {
        switch self {
        case let .float32(v): return v
        case let .float64(v): return v.map { Float($0) }
        default: return nil
        }
    }

    /// The first `limit` elements written as gguf-py's dump writes them (strings quoted).
    public func preview(limit: Int) -> [String] {
        func first<T>(_ values: [T], _ render: (T) -> String) -> [String] { values.prefix(limit).map(render) }
        switch self {
        case let .uint8(v): return first(v) { "\($0)" }
        case let .int8(v): return first(v) { "\($0)" }
        case let .uint16(v): return first(v) { "\($0)" }
        case let .int16(v): return first(v) { "\($0)" }
        case let .uint32(v): return first(v) { "\($0)" }
        case let .int32(v): return first(v) { "\($0)" }
        case let .uint64(v): return first(v) { "\($0)" }
        case let .int64(v): return first(v) { "\($0)" }
        case let .float32(v): return first(v) { "\($0)" }
        case let .float64(v): return first(v) { "\($0)" }
        case let .bool(v): return first(v) { $0 ? "True" : "False" }
        case let .string(v): return first(v) { GGUFArray.quote($0) }
        case let .array(v): return first(v) { "[\($0.elementType) x \($0.count)]" }
        }
    }

    /// A string in double quotes with quotes, backslashes and control characters escaped.
    static func quote(_ text: String) -> String {
        var result = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": result += "\\\""
            case "\\": result += "\\\\"
            case "\n": result += "\\n"
            case "\t": result += "\\t"
            case "\r": result += "\\r"
            default:
                if scalar.value < 0x20 { result += String(format: "\\x%02x", scalar.value) } else { result.unicodeScalars.append(scalar) }
            }
        }
        return result + "\""
    }
}
