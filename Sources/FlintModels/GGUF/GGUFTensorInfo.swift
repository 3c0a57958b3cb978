import Flint

/// One tensor's entry in a GGUF header.
///
/// `dimensions` are in ggml's order: `dimensions[0]` (`ne[0]`) is the innermost, contiguous one — the
/// length of a row. A weight matrix of PyTorch shape `[out, in]` is listed as `[in, out]`: `out` rows of
/// `in` values each, each row a whole number of blocks of ``type``.
public struct GGUFTensorInfo: Sendable, Equatable {
    /// The tensor's name (`blk.0.attn_q.weight`, …).
    public let name: String
    /// The sizes of its dimensions, innermost first (`ne[0]`, `ne[1]`, …).
    public let dimensions: [Int]
    /// The element type.
    public let type: GGMLType
    /// The offset of its data from the start of the file's data section (a multiple of the alignment).
    public let offset: Int
    /// The number of values.
    public let elementCount: Int
    /// The bytes its data takes: `rows · rowByteCount`.
    public let byteCount: Int

    /// Values per row (`ne[0]`).
    public var rowLength: Int { dimensions.first ?? 1 }
    /// The number of rows (the product of the outer dimensions).
    public var rowCount: Int { rowLength == 0 ? 0 : elementCount / rowLength }
    /// Bytes per row.
    public var rowByteCount: Int { type.rowByteCount(rowLength) ?? 0 }

    /// The shape in PyTorch's order (outermost first), as gguf-py's dump prints shapes reversed.
    public var shape: [Int] { dimensions.reversed() }
}
