/// Q8_K activations (``SuperBlockActivations``) regrouped for the k-quant token-lane GEMM
/// (``KQuantWeightBlock/lanes(row:_:_:group:into:outputStride:)``): tokens in groups of 8; for each group and
/// super-block, each of the 8 sub-blocks of 32 values is laid out as ``TokenLaneActivations`` lays out a block
/// (8 vectors of 32 bytes, the tokens' bytes interleaved four at a time, so a weight dword spread over a
/// 128-bit half meets four tokens in one `vpmaddubsw`).
///
/// Per group and super-block also: the 8 tokens' scales `d` as one float vector, and the sub-block sums
/// `Gₛ = bsums[2s] + bsums[2s+1]` (the 32 values of sub-block s, from the Q8_K group sums of 16) as 4 vectors
/// of 8 Int32 lanes, lane j of vector p holding `(G₂ₚ, G₂ₚ₊₁)` of token j as two Int16 — the operand of one
/// `vpmaddwd` against a weight block's minimums `(m₂ₚ, m₂ₚ₊₁)` (Q4_K); and likewise the Q8_K group sums of 16
/// as 8 vectors, lane j of vector q holding `(bsums₂q, bsums₂q₊₁)` of token j (against Q6_K's scale pairs).
/// Only whole groups are kept: the last `tokens % 8` tokens go through the 4-token tile.
///
/// Layout: `groups × blocks × 8` floats of `d`, then `groups × blocks × 64` Int16 of sub-block sums, then
/// `groups × blocks × 128` Int16 of group sums, then `groups × blocks × 2048` bytes.
public struct SuperBlockTokenLanes {
    /// Groups of 8 tokens.
    public let groups: Int
    /// Super-blocks of 256 per token.
    public let blocks: Int
    let scales: UnsafeMutablePointer<Float>
    let subBlockSums: UnsafeMutablePointer<Int16>
    let groupSums: UnsafeMutablePointer<Int16>
    let quants: UnsafeMutablePointer<Int8>

    /// Bytes a buffer needs for `tokens` rows (whole groups of 8 only) of `columns` values (a multiple of 256).
    public static func byteCount(tokens: Int, columns: Int) -> Int {
        let count = (tokens / 8) * (columns / 256)
        return 32 * count + 128 * count + 256 * count + 2048 * count
    }

    /// Views `buffer` (at least ``byteCount(tokens:columns:)`` bytes, 32-byte aligned).
    public init(buffer: UnsafeMutableRawPointer, tokens: Int, columns: Int) {
        groups = tokens / 8
        blocks = columns / 256
        let count = groups * blocks
        scales = buffer.bindMemory(to: Float.self, capacity: 8 * count)
        subBlockSums = (buffer + 32 * count).bindMemory(to: Int16.self, capacity: 64 * count)
        groupSums = (buffer + 160 * count).bindMemory(to: Int16.self, capacity: 128 * count)
        quants = (buffer + 416 * count).bindMemory(to: Int8.self, capacity: 2048 * count)
    }

    /// Regroups groups `range` of `activations`.
    public func fill(from activations: SuperBlockActivations, groups range: Range<Int>) {
        for group in range {
            for b in 0..<blocks {
                let index = group * blocks + b
                for j in 0..<8 {
                    let token = 8 * group + j
                    scales[8 * index + j] = activations.scale(token, b)
                    let sums = activations.sums(token, b)
                    for s in 0..<8 {
                        let total = sums.load(fromByteOffset: 4 * s, as: Int16.self) &+ sums.load(fromByteOffset: 4 * s + 2, as: Int16.self)
                        subBlockSums[64 * index + 16 * (s / 2) + 2 * j + s % 2] = total
                    }
                    for g in 0..<16 {
                        groupSums[128 * index + 16 * (g / 2) + 2 * j + g % 2] = sums.load(fromByteOffset: 2 * g, as: Int16.self)
                    }
                    let source = activations.block(token, b)
                    for sub in 0..<8 {
                        let destination = UnsafeMutableRawPointer(quants + 2048 * index + 256 * sub)
                        for k in 0..<8 {
                            destination.storeBytes(of: source.loadUnaligned(fromByteOffset: 32 * sub + 4 * k, as: UInt32.self),
                                                   toByteOffset: 32 * (4 * (j / 4) + k % 4) + 16 * (k / 4) + 4 * (j % 4), as: UInt32.self)
                        }
                    }
                }
            }
        }
    }

    @inline(__always) func scaleVector(_ group: Int, _ block: Int) -> UnsafeRawPointer { UnsafeRawPointer(scales + 8 * (group * blocks + block)) }
    /// Vectors `p` = 0…3 of sub-block sum pairs at `+ 32 · p` bytes.
    @inline(__always) func subBlockSumVectors(_ group: Int, _ block: Int) -> UnsafeRawPointer {
        UnsafeRawPointer(subBlockSums + 64 * (group * blocks + block))
    }
    /// Vectors `q` = 0…7 of group sum pairs at `+ 32 · q` bytes.
    @inline(__always) func groupSumVectors(_ group: Int, _ block: Int) -> UnsafeRawPointer {
        UnsafeRawPointer(groupSums + 128 * (group * blocks + block))
    }
    /// Sub-block `sub`'s 256 interleaved bytes.
    @inline(__always) func subBlock(_ group: Int, _ block: Int, _ sub: Int) -> UnsafeRawPointer {
        UnsafeRawPointer(quants + 2048 * (group * blocks + block) + 256 * sub)
    }
}
