import _Builtin_intrinsics.intel

/// The integer dot-product kernels of the k-quants (Q2_K, Q3_K, Q4_K, Q5_K, Q6_K) against Q8_K activations
/// (``SuperBlockActivations``): one weight row against up to four activation rows at a time, so each weight
/// vector is decoded once per four tokens (the tile of prompt processing), or against one (the GEMV of
/// generation). One specialization per weight type (``KQuantWeightBlock``), as ggml's `ggml_vec_dot_qN_K_q8_K`.
///
/// Summation order is ggml's AVX2 one, for every token of a tile alike: per super-block the integer sums
/// `Σᵢ` (8 Int32 lanes, exact) are converted to float and added with one FMA into one 8-lane accumulator,
/// `acc = fma(dʷ·dᵃ, float(Σᵢ), acc)`; minimum terms go to a separate accumulator; the result is
/// `hsum(acc) + hsum(minimum)`. A row's result therefore does not depend on how many tokens it was computed with.
enum KQuantDot {
    /// One block's integer sums against the 256 activation bytes at `a` (8 Int32 lanes).
    @inline(__always)
    static func blockSums<Block: KQuantWeightBlock>(_ type: Block.Type, _ w: UnsafeRawPointer, _ header: Block.Header,
                                                    _ a: UnsafeRawPointer) -> __m256i {
        var sums = _mm256_setzero_si256()
        for v in 0..<8 {
            let vector = Block.vector(w, header, v)
            sums = _mm256_add_epi32(sums, Block.product(vector, a.loadUnaligned(fromByteOffset: 32 * v, as: __m256i.self)))
        }
        return sums
    }

    /// `(m₀ + m₂) + (m₁ + m₃)`, ggml's reduction of the 4-lane minimum accumulator.
    @inline(__always)
    static func minimumSum(_ m: __m128) -> Float {
        let lanes = unsafeBitCast(m, to: SIMD4<Float>.self)
        return (lanes[0] + lanes[2]) + (lanes[1] + lanes[3])
    }

    /// `out[j · outputStride] = Σ_c W[row, c] · x[token + j, c]` for `j` in `0..<count` (count ≤ 4).
    @inline(__always)
    static func tile<Block: KQuantWeightBlock>(_ type: Block.Type, row w: UnsafeRawPointer, _ x: SuperBlockActivations,
                                               token: Int, count: Int, into out: UnsafeMutablePointer<Float>, outputStride: Int) {
        guard count == 4 else {
            for j in 0..<count { out[j * outputStride] = dot(type, row: w, x, token: token + j) }
            return
        }
        var a0 = _mm256_setzero_ps(), a1 = a0, a2 = a0, a3 = a0
        var m0 = _mm_setzero_ps(), m1 = m0, m2 = m0, m3 = m0
        for b in 0..<x.blocks {
            let block = w + b * Block.byteCount
            let header = Block.header(block)
            let q0 = x.block(token, b), q1 = x.block(token + 1, b), q2 = x.block(token + 2, b), q3 = x.block(token + 3, b)
            var s0 = _mm256_setzero_si256(), s1 = s0, s2 = s0, s3 = s0
            for v in 0..<8 {
                let vector = Block.vector(block, header, v)
                s0 = _mm256_add_epi32(s0, Block.product(vector, q0.loadUnaligned(fromByteOffset: 32 * v, as: __m256i.self)))
                s1 = _mm256_add_epi32(s1, Block.product(vector, q1.loadUnaligned(fromByteOffset: 32 * v, as: __m256i.self)))
                s2 = _mm256_add_epi32(s2, Block.product(vector, q2.loadUnaligned(fromByteOffset: 32 * v, as: __m256i.self)))
                s3 = _mm256_add_epi32(s3, Block.product(vector, q3.loadUnaligned(fromByteOffset: 32 * v, as: __m256i.self)))
            }
            Block.accumulate(block, header, sums: s0, activationScale: x.scale(token, b), groupSums: x.sums(token, b), into: &a0, minimum: &m0)
            Block.accumulate(block, header, sums: s1, activationScale: x.scale(token + 1, b), groupSums: x.sums(token + 1, b), into: &a1, minimum: &m1)
            Block.accumulate(block, header, sums: s2, activationScale: x.scale(token + 2, b), groupSums: x.sums(token + 2, b), into: &a2, minimum: &m2)
            Block.accumulate(block, header, sums: s3, activationScale: x.scale(token + 3, b), groupSums: x.sums(token + 3, b), into: &a3, minimum: &m3)
        }
        out[0] = QuantizedDot.horizontalSum(a0) + minimumSum(m0)
        out[outputStride] = QuantizedDot.horizontalSum(a1) + minimumSum(m1)
        out[2 * outputStride] = QuantizedDot.horizontalSum(a2) + minimumSum(m2)
        out[3 * outputStride] = QuantizedDot.horizontalSum(a3) + minimumSum(m3)
    }

    /// One weight row · one activation row (the GEMV of generation), in ggml's order.
    @inline(__always)
    static func dot<Block: KQuantWeightBlock>(_ type: Block.Type, row w: UnsafeRawPointer, _ x: SuperBlockActivations, token t: Int) -> Float {
        var accumulator = _mm256_setzero_ps()
        var minimum = _mm_setzero_ps()
        for b in 0..<x.blocks {
            let block = w + b * Block.byteCount
            let header = Block.header(block)
            let sums = blockSums(type, block, header, x.block(t, b))
            Block.accumulate(block, header, sums: sums, activationScale: x.scale(t, b), groupSums: x.sums(t, b),
                             into: &accumulator, minimum: &minimum)
        }
        return QuantizedDot.horizontalSum(accumulator) + minimumSum(minimum)
    }

    /// Rows `rows` of `W` (`rowBytes` apart from `base`) times every activation row: whole groups of 8 tokens on
    /// the token-lane GEMM (``KQuantWeightBlock/lanes(row:_:_:group:into:outputStride:)``, when `lanes` is given —
    /// Q4_K and Q6_K),
    /// the rest in 4-token tiles. Blocked for the caches: `rowBlock` weight rows against `tokenBlock` tokens of
    /// activations (L2); inside, each group's activations meet every row of the row block.
    static func rows<Block: KQuantWeightBlock>(_ type: Block.Type, base: UnsafeRawPointer, rowBytes: Int, rows: Range<Int>,
                                               _ x: SuperBlockActivations, lanes: SuperBlockTokenLanes?,
                                               into y: UnsafeMutablePointer<Float>, outputStride: Int) {
        let tokenBlock = 64, rowBlock = 8
        let laneTokens = lanes.map { 8 * $0.groups } ?? 0
        var start = 0
        while start < x.tokens {
            let end = min(start + tokenBlock, x.tokens)
            var rowStart = rows.lowerBound
            while rowStart < rows.upperBound {
                let rowEnd = min(rowStart + rowBlock, rows.upperBound)
                var t = start
                if let lanes {
                    while t + 8 <= min(end, laneTokens) {
                        for r in rowStart..<rowEnd {
                            Block.lanes(row: base + r * rowBytes, x, lanes, group: t / 8, into: y + t * outputStride + r, outputStride: outputStride)
                        }
                        t += 8
                    }
                }
                while t < end {
                    let count = min(4, end - t)
                    for r in rowStart..<rowEnd {
                        tile(type, row: base + r * rowBytes, x, token: t, count: count, into: y + t * outputStride + r, outputStride: outputStride)
                    }
                    t += count
                }
                rowStart = rowEnd
            }
            start = end
        }
    }
}
