import Flint

/// Token ids of several sequences padded into the [B, T] tensors a ``BertModel`` takes.
public struct BertInputBatch {
    /// [B, T] int64 ids, padded on the right with the pad id.
    public let inputIds: Tensor
    /// [B, T] int64, 1 for real tokens and 0 for padding.
    public let attentionMask: Tensor
    /// [B, T] int64 segment ids (0 for padding).
    public let tokenTypeIds: Tensor

    /// Pads `sequences` (and their `tokenTypeIds`, all zeros when nil) on the right to the longest
    /// (or to `length` when given, which must be at least the longest).
    public init(sequences: [[Int]], tokenTypeIds: [[Int]]? = nil, padTokenId: Int = 0, length: Int? = nil) {
        let longest = sequences.map(\.count).max() ?? 0
        let t = length ?? longest
        require(t >= longest, "BertInputBatch: length \(t) is shorter than the longest sequence (\(longest))")
        if let tokenTypeIds {
            require(tokenTypeIds.map(\.count) == sequences.map(\.count),
                    "BertInputBatch: token type ids must have the lengths of the sequences")
        }
        var ids = [Int](repeating: padTokenId, count: sequences.count * t)
        var mask = [Int](repeating: 0, count: sequences.count * t)
        var types = [Int](repeating: 0, count: sequences.count * t)
        for (row, sequence) in sequences.enumerated() {
            for (column, id) in sequence.enumerated() {
                ids[row * t + column] = id
                mask[row * t + column] = 1
                if let tokenTypeIds { types[row * t + column] = tokenTypeIds[row][column] }
            }
        }
        let shape = [sequences.count, t]
        inputIds = Tensor(integers: ids, shape: shape)
        attentionMask = Tensor(integers: mask, shape: shape)
        self.tokenTypeIds = Tensor(integers: types, shape: shape)
    }
}
