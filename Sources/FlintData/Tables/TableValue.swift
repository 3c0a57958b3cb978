/// One cell of a ``DataTable``: a string, integer, double, boolean, or an array of integers or
/// floats (token ids, embeddings).
public enum TableValue: Sendable, Equatable, Hashable {
    /// Text.
    case string(String)
    /// An integer (labels, counts).
    case int(Int)
    /// A floating-point number.
    case double(Double)
    /// A boolean.
    case bool(Bool)
    /// A list of integers (for example `input_ids`).
    case integers([Int])
    /// A list of floats (for example an embedding).
    case floats([Float])

    /// The name of the value's type, for error messages.
    public var typeName: String {
        switch self {
        case .string: return "string"
        case .int: return "integer"
        case .double: return "double"
        case .bool: return "boolean"
        case .integers: return "integer array"
        case .floats: return "float array"
        }
    }

    /// The string, if this is a string.
    public var stringValue: String? { if case .string(let v) = self { return v } else { return nil } }
    /// The integer, if this is an integer.
    public var intValue: Int? { if case .int(let v) = self { return v } else { return nil } }
    /// The number, if this is a double or an integer.
    public var doubleValue: Double? {
        switch self {
        case .double(let v): return v
        case .int(let v): return Double(v)
        default: return nil
        }
    }
    /// The boolean, if this is a boolean.
    public var boolValue: Bool? { if case .bool(let v) = self { return v } else { return nil } }
    /// The integer list, if this is one.
    public var integersValue: [Int]? { if case .integers(let v) = self { return v } else { return nil } }
    /// The float list, if this is one (an integer list converts).
    public var floatsValue: [Float]? {
        switch self {
        case .floats(let v): return v
        case .integers(let v): return v.map(Float.init)
        default: return nil
        }
    }
}
