import Flint

/// A batch of tokenised rows padded to its longest row ("dynamic padding", like
/// `transformers.DataCollatorWithPadding`): int64 tensors `[B, T]` where `T` is the longest
/// `input_ids` in the batch, and labels `[B]`.
public struct PaddedBatch: Sendable {
    /// Token ids `[B, T]`, padded on the right with the pad token id.
    public let inputIDs: Tensor
    /// 1 for real tokens, 0 for padding, `[B, T]` (the rows' `attention_mask`, or all ones, padded
    /// with 0).
    public let attentionMask: Tensor
    /// Segment ids `[B, T]` padded with 0, when the rows have `token_type_ids`.
    public let tokenTypeIDs: Tensor?
    /// Integer labels `[B]`, when the rows have `label`.
    public let labels: Tensor?
    /// The padded length `T`.
    public let length: Int

    /// Collates `rows`, which must each have an integer-array column `input_ids` and may have
    /// `attention_mask` and `token_type_ids` (as long as `input_ids`) and an integer `label`.
    /// Rows are padded on the right to the longest row, at most `maxLength` tokens if given
    /// (longer rows are an error: truncate when tokenising). Throws a ``DataError`` naming the row
    /// and column that is missing or the wrong length.
    public init(rows: [TableRow], padTokenID: Int = 0, maxLength: Int? = nil) throws {
        require(!rows.isEmpty, "PaddedBatch: a batch needs at least one row")
        let path = "<batch>"
        var ids = [[Int]]()
        ids.reserveCapacity(rows.count)
        for (i, row) in rows.enumerated() {
            guard let rowIDs = row.integers("input_ids") else {
                throw DataError.invalidField(path: path, field: "row \(i), column 'input_ids'",
                                             expected: "an integer array", found: row["input_ids"]?.typeName ?? "no such column")
            }
            ids.append(rowIDs)
        }
        let length = ids.map(\.count).max()!
        if let maxLength, length > maxLength {
            let i = ids.firstIndex { $0.count > maxLength }!
            throw DataError.invalidField(path: path, field: "row \(i), column 'input_ids'",
                                         expected: "at most \(maxLength) tokens", found: "\(ids[i].count)")
        }
        let hasMask = rows[0].table.hasColumn("attention_mask")
        let hasTypes = rows[0].table.hasColumn("token_type_ids")
        let hasLabels = rows[0].table.hasColumn("label")
        func companion(_ name: String, row i: Int) throws -> [Int] {
            guard let values = rows[i].integers(name), values.count == ids[i].count else {
                let found = rows[i].integers(name).map { "\($0.count) values" } ?? (rows[i][name]?.typeName ?? "no such column")
                throw DataError.invalidField(path: path, field: "row \(i), column '\(name)'",
                                             expected: "an integer array of \(ids[i].count) values (as input_ids)",
                                             found: found)
            }
            return values
        }
        let b = rows.count
        var flatIDs = [Int](repeating: padTokenID, count: b * length)
        var flatMask = [Int](repeating: 0, count: b * length)
        var flatTypes = [Int](repeating: 0, count: hasTypes ? b * length : 0)
        var labels = [Int]()
        for i in 0..<b {
            let base = i * length
            for (t, id) in ids[i].enumerated() { flatIDs[base + t] = id }
            if hasMask {
                for (t, m) in try companion("attention_mask", row: i).enumerated() { flatMask[base + t] = m }
            } else {
                for t in 0..<ids[i].count { flatMask[base + t] = 1 }
            }
            if hasTypes {
                for (t, s) in try companion("token_type_ids", row: i).enumerated() { flatTypes[base + t] = s }
            }
            if hasLabels {
                guard let label = rows[i].int("label") else {
                    throw DataError.invalidField(path: path, field: "row \(i), column 'label'", expected: "an integer",
                                                 found: rows[i]["label"]?.typeName ?? "no such column")
                }
                labels.append(label)
            }
        }
        self.length = length
        inputIDs = Tensor(integers: flatIDs, shape: [b, length])
        attentionMask = Tensor(integers: flatMask, shape: [b, length])
        tokenTypeIDs = hasTypes ? Tensor(integers: flatTypes, shape: [b, length]) : nil
        self.labels = hasLabels ? Tensor(integers: labels, shape: [b]) : nil
    }

    /// Collates the rows of `table` at `indices` (see ``init(rows:padTokenID:maxLength:)``).
    public init(table: DataTable, indices: [Int], padTokenID: Int = 0, maxLength: Int? = nil) throws {
        try self.init(rows: indices.map { table[$0] }, padTokenID: padTokenID, maxLength: maxLength)
    }
}
