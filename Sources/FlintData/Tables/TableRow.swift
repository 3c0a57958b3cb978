/// One row of a ``DataTable``: a view of the cells at one index, read by column name.
public struct TableRow: Sendable {
    /// The table the row belongs to.
    public let table: DataTable
    /// The row's index in ``table``.
    public let index: Int

    /// The column names.
    public var columnNames: [String] { table.columnNames }

    /// The cell in column `name`, or nil if the table has no such column.
    public subscript(name: String) -> TableValue? {
        table.column(named: name).map { $0[index] }
    }

    /// The string in column `name`, or nil (no such column, or not a string column).
    public func string(_ name: String) -> String? {
        if case .strings(let v)? = table.column(named: name) { return v[index] }
        return nil
    }

    /// The integer in column `name`, or nil.
    public func int(_ name: String) -> Int? {
        if case .integers(let v)? = table.column(named: name) { return v[index] }
        return nil
    }

    /// The number in column `name` (an integer column converts), or nil.
    public func double(_ name: String) -> Double? {
        switch table.column(named: name) {
        case .doubles(let v)?: return v[index]
        case .integers(let v)?: return Double(v[index])
        default: return nil
        }
    }

    /// The boolean in column `name`, or nil.
    public func bool(_ name: String) -> Bool? {
        if case .booleans(let v)? = table.column(named: name) { return v[index] }
        return nil
    }

    /// The integer list in column `name`, or nil.
    public func integers(_ name: String) -> [Int]? {
        if case .integerArrays(let v)? = table.column(named: name) { return v[index] }
        return nil
    }

    /// The float list in column `name`, or nil.
    public func floats(_ name: String) -> [Float]? {
        if case .floatArrays(let v)? = table.column(named: name) { return v[index] }
        return nil
    }

    /// The row as a dictionary of cells.
    public var values: [String: TableValue] {
        var result = [String: TableValue]()
        for name in table.columnNames { result[name] = table[column: name][index] }
        return result
    }
}
