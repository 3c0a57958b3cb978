import Flint

/// Named splits of a data set (`"train"`, `"test"`…), like Hugging Face's `DatasetDict`.
public struct DataTableDict: Sendable, Equatable {
    /// The split names, in order.
    public private(set) var splitNames: [String]
    private var tables: [String: DataTable]

    /// Splits from `(name, table)` pairs, in order (names must be unique).
    public init(_ splits: [(String, DataTable)]) {
        splitNames = []
        tables = [:]
        for (name, table) in splits {
            require(tables[name] == nil, "DataTableDict: split '\(name)' given twice")
            splitNames.append(name)
            tables[name] = table
        }
    }

    /// The split called `name`, or nil.
    public subscript(name: String) -> DataTable? {
        get { tables[name] }
        set {
            if let newValue {
                if tables[name] == nil { splitNames.append(name) }
                tables[name] = newValue
            } else if tables.removeValue(forKey: name) != nil {
                splitNames.removeAll { $0 == name }
            }
        }
    }

    /// The row counts per split.
    public var counts: [String: Int] { tables.mapValues(\.count) }

    /// Every split transformed by `transform` (for example the same tokenising `map`).
    public func mapTables(_ transform: (DataTable) throws -> DataTable) rethrows -> DataTableDict {
        DataTableDict(try splitNames.map { ($0, try transform(tables[$0]!)) })
    }
}
