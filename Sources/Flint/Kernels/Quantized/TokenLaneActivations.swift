/// 8-bit activations regrouped for the token-lane GEMM (``QuantizedDot/lanes(_:row:_:group:into:outputStride:)``):
/// tokens in groups of 8, and for each group and block of 32 values, 8 vectors of 32 bytes in which the tokens'
/// bytes are interleaved four at a time. Vector `4h + k` (h = 0 for tokens 0–3 of the group, 1 for tokens 4–7;
/// k = 0…3) holds, in its low 128 bits, bytes `4k…4k+3` of the four tokens, and in its high 128 bits bytes
/// `4(k+4)…4(k+4)+3` of the same four tokens. A weight block's dword `k` (low lane) and `k + 4` (high lane),
/// each spread over its lane by one in-lane shuffle, then multiply four weights by four tokens per lane with
/// one `vpmaddubsw`, and the 32-bit lanes of the sums belong to the tokens (no horizontal sum per output; one
/// conversion and one FMA per block for eight outputs).
///
/// The per-block scales `d`, Q8_1 sums `s` and integer sums `Σq` are stored 8 tokens side by side, as the
/// float (integer) vectors the kernel loads. Values are those of the ``QuantizedActivations`` they are made
/// from (the same f16-rounded `d`). Only whole groups are kept: the last `tokens % 8` tokens go through the
/// 4-token tile.
///
/// Layout: `groups × blocks × 8` floats of `d`, of `s` and `Σq` (Int32), then `groups × blocks × 256` bytes.
public struct TokenLaneActivations {
    /// Groups of 8 tokens.
    public let groups: Int
    /// Blocks of 32 per token.
    public let blocks: Int
    let scales: UnsafeMutablePointer<Float>
    let sums: UnsafeMutablePointer<Float>
    let integerSums: UnsafeMutablePointer<Int32>
    let quants: UnsafeMutablePointer<Int8>

    /// Bytes a buffer needs for `tokens` rows (whole groups of 8 only) of `columns` values.
    public static func byteCount(tokens: Int, columns: Int) -> Int {
        let count = (tokens / 8) * (columns / 32)
        return ((3 * 4 * 8 * count + 31) & ~31) + 256 * count
    }

    /// Views `buffer` (at least ``byteCount(tokens:columns:)`` bytes, 32-byte aligned).
    public init(buffer: UnsafeMutableRawPointer, tokens: Int, columns: Int) {
        groups = tokens / 8
        blocks = columns / 32
        let count = groups * blocks
        scales = buffer.bindMemory(to: Float.self, capacity: 2 * 8 * count)
        sums = scales + 8 * count
        integerSums = (buffer + 2 * 4 * 8 * count).bindMemory(to: Int32.self, capacity: 8 * count)
        quants = (buffer + ((3 * 4 * 8 * count + 31) & ~31)).bindMemory(to: Int8.self, capacity: 256 * count)
    }

    /// Regroups groups `range` of `activations`.
    public func fill(from activations: QuantizedActivations, groups range: Range<Int>) {
        for group in range {
            for b in 0..<blocks {
                let index = group * blocks + b
                let destination = UnsafeMutableRawPointer(quants + 256 * index)
                for j in 0..<8 {
                    let token = 8 * group + j
                    scales[8 * index + j] = activations.scale(token, b)
                    sums[8 * index + j] = activations.sum(token, b)
                    integerSums[8 * index + j] = Int32(activations.integerSum(token, b))
                    let source = activations.block(token, b)
                    for k in 0..<8 {
                        destination.storeBytes(of: source.loadUnaligned(fromByteOffset: 4 * k, as: UInt32.self),
                                               toByteOffset: 32 * (4 * (j / 4) + k % 4) + 16 * (k / 4) + 4 * (j % 4), as: UInt32.self)
                    }
                }
            }
        }
    }

    @inline(__always) func scaleVector(_ group: Int, _ block: Int) -> UnsafeRawPointer { UnsafeRawPointer(scales + 8 * (group * blocks + block)) }
    @inline(__always) func sumVector(_ group: Int, _ block: Int) -> UnsafeRawPointer { UnsafeRawPointer(sums + 8 * (group * blocks + block)) }
    @inline(__always) func integerSumVector(_ group: Int, _ block: Int) -> UnsafeRawPointer { UnsafeRawPointer(integerSums + 8 * (group * blocks + block)) }
    @inline(__always) func block(_ group: Int, _ block: Int) -> UnsafeRawPointer { UnsafeRawPointer(quants + 256 * (group * blocks + block)) }
}
