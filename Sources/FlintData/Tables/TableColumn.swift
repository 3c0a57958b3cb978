/// One column of a ``DataTable``: a contiguous, typed array of values (one per row).
///
/// Columns are stored unboxed so that per-column work (filtering, gathering, shuffling) copies
/// plain arrays; a ``TableValue`` is made only when a single cell is read.
public enum TableColumn: Sendable, Equatable {
    /// Text values.
    case strings([String])
    /// Integer values.
    case integers([Int])
    /// Floating-point values.
    case doubles([Double])
    /// Boolean values.
    case booleans([Bool])
    /// A list of integers per row.
    case integerArrays([[Int]])
    /// A list of floats per row.
    case floatArrays([[Float]])

    /// The number of rows.
    public var count: Int {
        switch self {
        case .strings(let v): return v.count
        case .integers(let v): return v.count
        case .doubles(let v): return v.count
        case .booleans(let v): return v.count
        case .integerArrays(let v): return v.count
        case .floatArrays(let v): return v.count
        }
    }

    /// The name of the element type, for error messages.
    public var typeName: String {
        switch self {
        case .strings: return "string"
        case .integers: return "integer"
        case .doubles: return "double"
        case .booleans: return "boolean"
        case .integerArrays: return "integer array"
        case .floatArrays: return "float array"
        }
    }

    /// The value in row `index`.
    public subscript(index: Int) -> TableValue {
        switch self {
        case .strings(let v): return .string(v[index])
        case .integers(let v): return .int(v[index])
        case .doubles(let v): return .double(v[index])
        case .booleans(let v): return .bool(v[index])
        case .integerArrays(let v): return .integers(v[index])
        case .floatArrays(let v): return .floats(v[index])
        }
    }

    /// The rows at `indices`, in that order (indices may repeat).
    public func gathering(_ indices: [Int]) -> TableColumn {
        switch self {
        case .strings(let v): return .strings(indices.map { v[$0] })
        case .integers(let v): return .integers(indices.map { v[$0] })
        case .doubles(let v): return .doubles(indices.map { v[$0] })
        case .booleans(let v): return .booleans(indices.map { v[$0] })
        case .integerArrays(let v): return .integerArrays(indices.map { v[$0] })
        case .floatArrays(let v): return .floatArrays(indices.map { v[$0] })
        }
    }

    /// The column's values as strings, or nil for another type.
    public var strings: [String]? { if case .strings(let v) = self { return v } else { return nil } }
    /// The column's values as integers, or nil for another type.
    public var integers: [Int]? { if case .integers(let v) = self { return v } else { return nil } }
    /// The column's values as doubles (integers convert), or nil for another type.
    public var doubles: [Double]? {
        switch self {
        case .doubles(let v): return v
        case .integers(let v): return v.map(Double.init)
        default: return nil
        }
    }
    /// The column's values as booleans, or nil for another type.
    public var booleans: [Bool]? { if case .booleans(let v) = self { return v } else { return nil } }
    /// The column's integer lists, or nil for another type.
    public var integerArrays: [[Int]]? { if case .integerArrays(let v) = self { return v } else { return nil } }
    /// The column's float lists, or nil for another type.
    public var floatArrays: [[Float]]? { if case .floatArrays(let v) = self { return v } else { return nil } }

    /// A column holding `values`, which must all have one type — except that integers mixed with
    /// doubles make a double column, and integer lists mixed with float lists a float-list column.
    /// Fails with the first offending index and its type if the types do not agree. An empty list
    /// makes an empty string column.
    public static func inferring(_ values: [TableValue]) -> Result<TableColumn, ColumnTypeMismatch> {
        guard let first = values.first else { return .success(.strings([])) }
        var kind = first
        for (i, v) in values.enumerated() {
            switch (kind, v) {
            case (.string, .string), (.int, .int), (.double, .double), (.double, .int), (.bool, .bool),
                 (.integers, .integers), (.floats, .floats), (.floats, .integers):
                continue
            case (.int, .double): kind = v
            case (.integers, .floats): kind = v
            default: return .failure(ColumnTypeMismatch(index: i, expected: kind.typeName, found: v.typeName))
            }
        }
        switch kind {
        case .string: return .success(.strings(values.map { $0.stringValue! }))
        case .int: return .success(.integers(values.map { $0.intValue! }))
        case .double: return .success(.doubles(values.map { $0.doubleValue! }))
        case .bool: return .success(.booleans(values.map { $0.boolValue! }))
        case .integers: return .success(.integerArrays(values.map { $0.integersValue! }))
        case .floats: return .success(.floatArrays(values.map { $0.floatsValue! }))
        }
    }
}

/// Why a list of ``TableValue``s cannot form one ``TableColumn``: the value at `index` has type
/// `found` where the column's type is `expected`.
public struct ColumnTypeMismatch: Error, Sendable, Equatable {
    /// The first row whose type disagrees.
    public let index: Int
    /// The column's type, from the rows before.
    public let expected: String
    /// The offending row's type.
    public let found: String
}
