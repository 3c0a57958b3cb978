import Flint

extension DataTable {
    /// The rows at `indices`, in that order (indices may repeat), like `Dataset.select`.
    public func select(_ indices: [Int]) -> DataTable {
        for i in indices {
            require(i >= 0 && i < count, "DataTable.select: row \(i) out of range 0..<\(count)")
        }
        var result = self
        for name in columnNames { try! result.replaceColumn(name, self[column: name].gathering(indices)) }
        result.setCount(indices.count)
        return result
    }

    /// The rows for which `isIncluded` is true, in order.
    public func filter(_ isIncluded: (TableRow) throws -> Bool) rethrows -> DataTable {
        var kept = [Int]()
        kept.reserveCapacity(count)
        for i in 0..<count where try isIncluded(TableRow(table: self, index: i)) { kept.append(i) }
        return select(kept)
    }

    /// The rows in a random order fixed by `seed` (a Fisher–Yates permutation from Flint's
    /// ``RandomGenerator``): the same seed gives the same order on every run and machine.
    public func shuffled(seed: UInt64) -> DataTable {
        var generator = RandomGenerator(seed: seed)
        return select(generator.permutation(count))
    }

    /// The table without the named columns (names that are absent are an error).
    public func removingColumns(_ names: [String]) throws -> DataTable {
        var result = self
        for name in names {
            guard hasColumn(name) else {
                throw DataError.invalidField(path: DataTable.inMemory, field: "column '\(name)'",
                                             expected: "one of \(columnNames)", found: "no such column")
            }
            result.removeColumn(name)
        }
        return result
    }

    /// The table with column `name` called `newName` (in the same position).
    public func renamingColumn(_ name: String, to newName: String) throws -> DataTable {
        guard let column = column(named: name) else {
            throw DataError.invalidField(path: DataTable.inMemory, field: "column '\(name)'",
                                         expected: "one of \(columnNames)", found: "no such column")
        }
        guard name == newName || !hasColumn(newName) else {
            throw DataError.invalidField(path: DataTable.inMemory, field: "column '\(newName)'",
                                         expected: "a new column name", found: "an existing column")
        }
        return try DataTable(columns: columnNames.map { $0 == name ? (newName, column) : ($0, self[column: $0]) })
    }

    /// Applies `transform` to every row and merges the cells it returns into the table: new
    /// names become new columns, existing names are replaced. Each returned name must have one
    /// type across rows, and every row must return the same names. Columns in `removingColumns`
    /// are dropped first from the result (after `transform` has read them), like
    /// `Dataset.map(fn, remove_columns=…)`.
    public func map(removingColumns removed: [String] = [],
                    _ transform: (TableRow) throws -> [String: TableValue]) throws -> DataTable {
        var names: [String] = []
        var values = [String: [TableValue]]()
        for i in 0..<count {
            let cells = try transform(TableRow(table: self, index: i))
            if i == 0 {
                names = cells.keys.sorted()
                for name in names { values[name] = []; values[name]!.reserveCapacity(count) }
            }
            guard cells.count == names.count, names.allSatisfy({ cells[$0] != nil }) else {
                throw DataError.invalidField(path: DataTable.inMemory, field: "map output for row \(i)",
                                             expected: "keys \(names) (as row 0)", found: "keys \(cells.keys.sorted())")
            }
            for name in names { values[name]!.append(cells[name]!) }
        }
        var result = try removingColumns(removed)
        for name in names {
            let column = try DataTable.column(from: values[name]!, name: name, path: DataTable.inMemory,
                                              rowLabel: { "map output for row \($0)" })
            try result.setColumn(name, column)
        }
        return result
    }

    /// Applies `transform` to consecutive batches of up to `batchSize` rows (each a ``DataTable``)
    /// and merges the columns it returns, like `Dataset.map(fn, batched=True)`. Each returned column
    /// must have the batch's row count and the same type in every batch.
    public func mapBatches(batchSize: Int = 1000, removingColumns removed: [String] = [],
                           _ transform: (DataTable) throws -> [String: TableColumn]) throws -> DataTable {
        require(batchSize > 0, "DataTable.mapBatches: batchSize must be positive")
        var names: [String] = []
        var pieces = [String: [TableColumn]]()
        var start = 0
        while start < count {
            let end = Swift.min(start + batchSize, count)
            let batch = select(Array(start..<end))
            let columns = try transform(batch)
            if start == 0 { names = columns.keys.sorted() }
            guard columns.count == names.count, names.allSatisfy({ columns[$0] != nil }) else {
                throw DataError.invalidField(path: DataTable.inMemory, field: "map output for rows \(start)..<\(end)",
                                             expected: "columns \(names) (as the first batch)",
                                             found: "columns \(columns.keys.sorted())")
            }
            for name in names {
                let column = columns[name]!
                guard column.count == end - start else {
                    throw DataError.invalidField(path: DataTable.inMemory,
                                                 field: "map output for rows \(start)..<\(end), column '\(name)'",
                                                 expected: "\(end - start) rows", found: "\(column.count)")
                }
                pieces[name, default: []].append(column)
            }
            start = end
        }
        var result = try removingColumns(removed)
        for name in names {
            try result.setColumn(name, try TableColumn.concatenating(pieces[name]!, name: name))
        }
        return result
    }

    /// Splits the rows at random (fixed by `seed`) into `"train"` and `"test"`, like
    /// `Dataset.train_test_split`: the test split gets `ceil(testSize × count)` rows, both keep the
    /// shuffled order.
    public func trainTestSplit(testSize: Double, seed: UInt64) -> DataTableDict {
        require(testSize > 0 && testSize < 1, "DataTable.trainTestSplit: testSize must be in (0, 1)")
        var generator = RandomGenerator(seed: seed)
        let order = generator.permutation(count)
        let testCount = Swift.min(count, Int((testSize * Double(count)).rounded(.up)))
        return DataTableDict([("train", select(Array(order[testCount...]))),
                              ("test", select(Array(order[..<testCount])))])
    }
}

extension TableColumn {
    /// The columns' rows one after another; all must have one type.
    static func concatenating(_ columns: [TableColumn], name: String) throws -> TableColumn {
        guard var result = columns.first else { return .strings([]) }
        for column in columns.dropFirst() {
            switch (result, column) {
            case (.strings(let a), .strings(let b)): result = .strings(a + b)
            case (.integers(let a), .integers(let b)): result = .integers(a + b)
            case (.doubles(let a), .doubles(let b)): result = .doubles(a + b)
            case (.booleans(let a), .booleans(let b)): result = .booleans(a + b)
            case (.integerArrays(let a), .integerArrays(let b)): result = .integerArrays(a + b)
            case (.floatArrays(let a), .floatArrays(let b)): result = .floatArrays(a + b)
            default:
                throw DataError.invalidField(path: DataTable.inMemory, field: "map output column '\(name)'",
                                             expected: "\(result.typeName) (as the first batch)", found: column.typeName)
            }
        }
        return result
    }
}
