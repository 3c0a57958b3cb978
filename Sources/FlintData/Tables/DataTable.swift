import Flint

/// A column-oriented table of examples, like a Hugging Face `datasets.Dataset`: named, typed
/// columns of equal length (text, labels, token ids…), with row access and whole-table operations
/// (``map(removingColumns:_:)``, ``filter(_:)``, ``shuffled(seed:)``, ``trainTestSplit(testSize:seed:)``…)
/// that return new tables.
///
/// It is named `DataTable` so as not to clash with ``Dataset``, the protocol for indexable tensor
/// data sets that ``DataLoader`` consumes. Values are stored per column as plain Swift arrays
/// (``TableColumn``), so filtering or shuffling 20 000 rows copies a few arrays.
///
///     let table = try DataTable(["text": .strings(["good", "bad"]), "label": .integers([1, 0])])
///     let tokenized = try table.map { row in ["length": .int(row.string("text")!.count)] }
public struct DataTable: Sendable, Equatable {
    /// The column names, in order.
    public private(set) var columnNames: [String]
    private var storage: [String: TableColumn]
    /// The number of rows.
    public private(set) var count: Int

    /// A table with the named columns, in the given order; all must have the same length.
    public init(columns: [(name: String, column: TableColumn)]) throws {
        columnNames = []
        storage = [:]
        count = columns.first?.column.count ?? 0
        for (name, column) in columns {
            guard storage[name] == nil else {
                throw DataError.invalidField(path: DataTable.inMemory, field: "column '\(name)'",
                                             expected: "unique column names", found: "'\(name)' twice")
            }
            guard column.count == count else {
                throw DataError.invalidField(path: DataTable.inMemory, field: "column '\(name)'",
                                             expected: "\(count) rows (as column '\(columnNames[0])')",
                                             found: "\(column.count)")
            }
            columnNames.append(name)
            storage[name] = column
        }
    }

    /// A table from a dictionary of columns (column names sorted, as dictionaries have no order).
    public init(_ columns: [String: TableColumn]) throws {
        try self.init(columns: columns.keys.sorted().map { ($0, columns[$0]!) })
    }

    /// A table from rows; every row must have the same keys, and each key's values one type
    /// (integers mixed with doubles make a double column). Columns are in sorted key order.
    public init(rows: [[String: TableValue]]) throws {
        guard let first = rows.first else {
            try self.init(columns: [])
            return
        }
        let names = first.keys.sorted()
        var values = [String: [TableValue]]()
        for name in names { values[name] = []; values[name]!.reserveCapacity(rows.count) }
        for (i, row) in rows.enumerated() {
            guard row.count == names.count, names.allSatisfy({ row[$0] != nil }) else {
                throw DataError.invalidField(path: DataTable.inMemory, field: "row \(i)",
                                             expected: "keys \(names)", found: "keys \(row.keys.sorted())")
            }
            for name in names { values[name]!.append(row[name]!) }
        }
        try self.init(columns: names.map { name in
            (name, try DataTable.column(from: values[name]!, name: name, path: DataTable.inMemory, rowLabel: { "row \($0)" }))
        })
    }

    /// The `path` used in errors about tables built in memory.
    public static let inMemory = "<in-memory table>"

    /// Builds a column from cells, throwing a ``DataError`` naming the first row of the wrong type.
    static func column(from values: [TableValue], name: String, path: String,
                       rowLabel: (Int) -> String) throws -> TableColumn {
        switch TableColumn.inferring(values) {
        case .success(let column): return column
        case .failure(let mismatch):
            throw DataError.invalidField(path: path, field: "\(rowLabel(mismatch.index)), column '\(name)'",
                                         expected: "a \(mismatch.expected) (the column's type)",
                                         found: "a \(mismatch.found)")
        }
    }

    /// Whether the table has a column called `name`.
    public func hasColumn(_ name: String) -> Bool { storage[name] != nil }

    /// The column called `name`, or nil.
    public func column(named name: String) -> TableColumn? { storage[name] }

    /// The column called `name`, for names that come from users (a `--text-column` argument, a config):
    /// a missing column is a thrown error that names `source` (the file the table came from), the column
    /// and the columns the table has.
    ///
    /// - Throws: ``DataError/invalidField(path:field:expected:found:)``.
    public func column(_ name: String, in source: String = DataTable.inMemory) throws -> TableColumn {
        guard let column = storage[name] else {
            throw DataError.invalidField(path: source, field: "column '\(name)'", expected: "a column named '\(name)'",
                                         found: "columns \(columnNames)")
        }
        return column
    }

    /// The column called `name`, which must exist: for names fixed in code. Names that come from users
    /// go through ``column(_:in:)``, which throws.
    public subscript(column name: String) -> TableColumn {
        guard let column = storage[name] else {
            fatalError("DataTable: no column '\(name)' (columns: \(columnNames))")
        }
        return column
    }

    /// The row at `index` (`0 ..< count`).
    public subscript(index: Int) -> TableRow {
        require(index >= 0 && index < count, "DataTable: row \(index) out of range 0..<\(count)")
        return TableRow(table: self, index: index)
    }

    /// All rows, in order.
    public var rows: [TableRow] { (0..<count).map { TableRow(table: self, index: $0) } }

    /// Adds or replaces column `name` (it must have ``count`` rows, unless the table has no columns).
    public mutating func setColumn(_ name: String, _ column: TableColumn) throws {
        guard columnNames.isEmpty || column.count == count else {
            throw DataError.invalidField(path: DataTable.inMemory, field: "column '\(name)'",
                                         expected: "\(count) rows", found: "\(column.count)")
        }
        if storage[name] == nil { columnNames.append(name) }
        storage[name] = column
        count = column.count
    }

    /// Replaces the cells of existing column `name` without checking the row count (callers set
    /// ``count`` to match with ``setCount(_:)``).
    mutating func replaceColumn(_ name: String, _ column: TableColumn) throws {
        storage[name] = column
    }

    /// Sets the row count after ``replaceColumn(_:_:)``.
    mutating func setCount(_ newCount: Int) { count = newCount }

    /// Removes column `name` if present.
    mutating func removeColumn(_ name: String) {
        guard storage.removeValue(forKey: name) != nil else { return }
        columnNames.removeAll { $0 == name }
    }
}
