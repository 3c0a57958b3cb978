import _Builtin_intrinsics.intel
import CFlintBLAS

/// A ggml weight block type with an integer kernel: how one block decodes to 32 byte values, and how the
/// block's scale, minimum or offset enter the dot product.
///
/// For a weight block `w = dʷ·(qʷ − o)` or `w = dʷ·qʷ + m` and an activation block `a ≈ dᵃ·qᵃ`
/// (``QuantizedActivations``):
/// `Σ wᵢaᵢ ≈ dʷdᵃ · Σ qʷᵢqᵃᵢ − o · dʷdᵃ · Σqᵃ (+ m · sᵃ)`, with `Σ qʷᵢqᵃᵢ` summed exactly on integers by
/// AVX2 `vpmaddubsw` (u8 × s8 → pairs summed to s16) and `vpmaddwd` (pairs of s16 summed to s32).
protocol IntegerWeightBlock {
    /// Bytes per block of 32 values.
    static var byteCount: Int { get }
    /// Whether the decoded bytes are signed (Q8_0); otherwise unsigned, with ``offset`` or a minimum.
    static var isSigned: Bool { get }
    /// `o` in `dʷ·(qʷ − o)` (8 for Q4_0, 16 for Q5_0, else 0).
    static var offset: Float { get }
    /// Whether the block has a minimum `m` (Q4_1, Q5_1).
    static var hasMinimum: Bool { get }
    /// The 32 values `qʷ` as bytes, `dʷ` and `m` (0 without a minimum).
    static func decode(_ block: UnsafeRawPointer) -> (values: __m256i, scale: Float, minimum: Float)
}

/// 32 unsigned nibbles of a 16-byte block: low nibbles (values 0…15) then high nibbles (16…31) — the 16 bytes
/// loaded into both halves (`vbroadcasti128`), the upper half shifted by 4 (`vpsrlvq`), then masked: three
/// instructions.
@inline(__always)
func unpackNibbles(_ p: UnsafeRawPointer) -> __m256i {
    let both = _mm256_broadcastsi128_si256(p.loadUnaligned(as: __m128i.self))
    return _mm256_and_si256(_mm256_srlv_epi64(both, _mm256_set_epi64x(4, 4, 0, 0)), _mm256_set1_epi8(0x0F))
}

/// 32 bytes, 0xFF where bit i of `bits` is set and 0x00 elsewhere (the fifth bits of Q5_0/Q5_1).
@inline(__always)
func spreadBits(_ bits: UInt32) -> __m256i {
    let shuffle = _mm256_set_epi64x(0x0303_0303_0303_0303, 0x0202_0202_0202_0202, 0x0101_0101_0101_0101, 0)
    let spread = _mm256_shuffle_epi8(_mm256_set1_epi32(Int32(bitPattern: bits)), shuffle)
    let mask = _mm256_set1_epi64x(Int64(bitPattern: 0x7FBF_DFEF_F7FB_FDFE))
    return _mm256_cmpeq_epi8(_mm256_or_si256(spread, mask), _mm256_set1_epi64x(-1))
}

/// The f16 at `p + offset` as a float: `vmovd` from a general register (which zeroes the vector register, unlike
/// the `vpinsrw` Swift's `Float(Float16)` compiles to — that merges into whatever register LLVM picks, often an
/// accumulator, and chains every block to the previous one) then `vcvtph2ps`.
@inline(__always)
func loadHalf(_ p: UnsafeRawPointer, _ offset: Int = 0) -> Float {
    let bits = Int32(p.loadUnaligned(fromByteOffset: offset, as: UInt16.self))
    return _mm_cvtss_f32(_mm_cvtph_ps(_mm_cvtsi32_si128(bits)))
}

/// The two consecutive f16 values at `p` (a block's `d` and `m`) as floats, with one load and one conversion.
@inline(__always)
func loadHalfPair(_ p: UnsafeRawPointer) -> (Float, Float) {
    let bits = Int32(bitPattern: p.loadUnaligned(as: UInt32.self))
    let pair = unsafeBitCast(_mm_cvtph_ps(_mm_cvtsi32_si128(bits)), to: SIMD4<Float>.self)
    return (pair[0], pair[1])
}

/// Q4_0: `f16 d; u8 qs[16]`, values `d · (q − 8)`.
enum Q4_0Block: IntegerWeightBlock {
    static var byteCount: Int { 18 }
    static var isSigned: Bool { false }
    static var offset: Float { 8 }
    static var hasMinimum: Bool { false }
    @inline(__always) static func decode(_ block: UnsafeRawPointer) -> (values: __m256i, scale: Float, minimum: Float) {
        (unpackNibbles(block + 2), loadHalf(block), 0)
    }
}

/// Q4_1: `f16 d, m; u8 qs[16]`, values `d · q + m`.
enum Q4_1Block: IntegerWeightBlock {
    static var byteCount: Int { 20 }
    static var isSigned: Bool { false }
    static var offset: Float { 0 }
    static var hasMinimum: Bool { true }
    @inline(__always) static func decode(_ block: UnsafeRawPointer) -> (values: __m256i, scale: Float, minimum: Float) {
        let (d, m) = loadHalfPair(block)
        return (unpackNibbles(block + 4), d, m)
    }
}

/// Q5_0: `f16 d; u8 qh[4]; u8 qs[16]`, values `d · (q − 16)` with q's fifth bit from `qh`.
enum Q5_0Block: IntegerWeightBlock {
    static var byteCount: Int { 22 }
    static var isSigned: Bool { false }
    static var offset: Float { 16 }
    static var hasMinimum: Bool { false }
    @inline(__always) static func decode(_ block: UnsafeRawPointer) -> (values: __m256i, scale: Float, minimum: Float) {
        let high = _mm256_and_si256(spreadBits(block.loadUnaligned(fromByteOffset: 2, as: UInt32.self)), _mm256_set1_epi8(0x10))
        return (_mm256_or_si256(unpackNibbles(block + 6), high), loadHalf(block), 0)
    }
}

/// Q5_1: `f16 d, m; u8 qh[4]; u8 qs[16]`, values `d · q + m`.
enum Q5_1Block: IntegerWeightBlock {
    static var byteCount: Int { 24 }
    static var isSigned: Bool { false }
    static var offset: Float { 0 }
    static var hasMinimum: Bool { true }
    @inline(__always) static func decode(_ block: UnsafeRawPointer) -> (values: __m256i, scale: Float, minimum: Float) {
        let high = _mm256_and_si256(spreadBits(block.loadUnaligned(fromByteOffset: 4, as: UInt32.self)), _mm256_set1_epi8(0x10))
        let (d, m) = loadHalfPair(block)
        return (_mm256_or_si256(unpackNibbles(block + 8), high), d, m)
    }
}

/// Q8_0: `f16 d; i8 qs[32]`, values `d · q`.
enum Q8_0Block: IntegerWeightBlock {
    static var byteCount: Int { 34 }
    static var isSigned: Bool { true }
    static var offset: Float { 0 }
    static var hasMinimum: Bool { false }
    @inline(__always) static func decode(_ block: UnsafeRawPointer) -> (values: __m256i, scale: Float, minimum: Float) {
        (block.loadUnaligned(fromByteOffset: 2, as: __m256i.self), loadHalf(block), 0)
    }
}

/// The integer dot-product kernels: one weight row against up to four activation rows at a time, so each
/// weight block is decoded once per four tokens (the GEMM tile of prompt processing and of batched decoding;
/// one token is the GEMV of generation). One specialization per weight type, as ggml's `ggml_vec_dot_*`.
enum QuantizedDot {
    /// The sum of 8 float lanes (halves, then quarters, then the pair), as ggml's `hsum_float_8`.
    @inline(__always)
    static func horizontalSum(_ v: __m256) -> Float {
        let lanes = unsafeBitCast(v, to: SIMD8<Float>.self)
        let quarter = lanes.lowHalf + lanes.highHalf
        let pair = quarter.lowHalf + quarter.highHalf
        return pair[0] + pair[1]
    }

    /// `Σ qʷᵢ·qᵃᵢ` of one block as 8 exact 32-bit partial sums: `vpmaddubsw` (u8 × s8 → s16 pairs; signed
    /// weights through `vpsignb`, as ggml) then `vpmaddwd` against ones.
    @inline(__always)
    static func blockSums<Block: IntegerWeightBlock>(_ type: Block.Type, _ weights: __m256i, _ activations: UnsafeRawPointer) -> __m256i {
        let a = activations.load(as: __m256i.self)
        let pairs: __m256i
        if Block.isSigned {
            pairs = _mm256_maddubs_epi16(_mm256_sign_epi8(weights, weights), _mm256_sign_epi8(a, weights))
        } else {
            pairs = _mm256_maddubs_epi16(weights, a)
        }
        return _mm256_madd_epi16(pairs, _mm256_set1_epi16(1))
    }

    /// The totals of four vectors of 32-bit integers, `[Σv₀, Σv₁, Σv₂, Σv₃]` (exact; three `vphaddd` and one add).
    @inline(__always)
    static func totals(_ v0: __m256i, _ v1: __m256i, _ v2: __m256i, _ v3: __m256i) -> __m128i {
        let h = _mm256_hadd_epi32(_mm256_hadd_epi32(v0, v1), _mm256_hadd_epi32(v2, v3))
        let lanes = unsafeBitCast(h, to: SIMD8<Int32>.self)
        return unsafeBitCast(lanes.lowHalf &+ lanes.highHalf, to: __m128i.self)
    }

    /// The total of one vector of 32-bit integers.
    @inline(__always)
    static func total(_ v: __m256i) -> Int32 {
        let lanes = unsafeBitCast(v, to: SIMD8<Int32>.self)
        return (lanes.lowHalf &+ lanes.highHalf).wrappedSum()
    }

    /// `o · Σqᵃ` of four activation blocks as integers (the offsets are 8 and 16: a shift).
    @inline(__always)
    static func offsetTerms<Block: IntegerWeightBlock>(_ type: Block.Type, _ integerSums: SIMD4<Float>) -> __m128i {
        _mm_slli_epi32(_mm_cvttps_epi32(unsafeBitCast(integerSums, to: __m128.self)), Block.offset == 8 ? 3 : 4)
    }

    /// `out[j · outputStride] = Σ_c W[row, c] · x[token + j, c]` for `j` in `0..<count` (count ≤ 4), in the
    /// order of ``dot`` and ``lanes(_:row:_:group:into:outputStride:)`` for every token.
    @inline(__always)
    static func tile<Block: IntegerWeightBlock>(_ type: Block.Type, row w: UnsafeRawPointer, _ x: QuantizedActivations,
                                                token: Int, count: Int, into out: UnsafeMutablePointer<Float>, outputStride: Int) {
        guard count == 4 else {
            for j in 0..<count { out[j &* outputStride] = dot(type, row: w, x, token: token &+ j) }
            return
        }
        @inline(__always) func step(_ b: Int, _ acc: inout SIMD4<Float>, _ extra: inout SIMD4<Float>) {
            let (values, dw, m) = Block.decode(w + b &* Block.byteCount)
            var sums = totals(blockSums(type, values, x.block(token, b)), blockSums(type, values, x.block(token &+ 1, b)),
                              blockSums(type, values, x.block(token &+ 2, b)), blockSums(type, values, x.block(token &+ 3, b)))
            if Block.offset != 0 {
                sums = _mm_sub_epi32(sums, offsetTerms(type, SIMD4(x.integerSum(token, b), x.integerSum(token &+ 1, b),
                                                                   x.integerSum(token &+ 2, b), x.integerSum(token &+ 3, b))))
            }
            let d = SIMD4<Float>(x.scale(token, b), x.scale(token &+ 1, b), x.scale(token &+ 2, b), x.scale(token &+ 3, b)) * dw
            acc.addProduct(unsafeBitCast(_mm_cvtepi32_ps(sums), to: SIMD4<Float>.self), d)
            if Block.hasMinimum {
                extra += m * SIMD4(x.sum(token, b), x.sum(token &+ 1, b), x.sum(token &+ 2, b), x.sum(token &+ 3, b))
            }
        }
        let (acc, extra) = fourChains(blocks: x.blocks, zero: SIMD4<Float>(repeating: 0), add: +, step)
        let result = Block.hasMinimum ? acc + extra : acc
        for j in 0..<4 { out[j &* outputStride] = result[j] }
    }

    /// The accumulation order every path shares: `step(b, &accₖ, &extraₖ)` for each block `b < blocks` with
    /// `k = b mod 4` (four independent chains, blocks in order within each), then
    /// `(acc₀ + acc₁) + (acc₂ + acc₃)` and `(extra₀ + extra₁) + (extra₂ + extra₃)` with `add`.
    @inline(__always)
    static func fourChains<Accumulator>(blocks: Int, zero: Accumulator, add: (Accumulator, Accumulator) -> Accumulator,
                                        _ step: (Int, inout Accumulator, inout Accumulator) -> Void) -> (acc: Accumulator, extra: Accumulator) {
        var a0 = zero, a1 = zero, a2 = zero, a3 = zero, e0 = zero, e1 = zero, e2 = zero, e3 = zero
        var b = 0
        while b &+ 4 <= blocks {
            step(b, &a0, &e0); step(b &+ 1, &a1, &e1); step(b &+ 2, &a2, &e2); step(b &+ 3, &a3, &e3)
            b &+= 4
        }
        if b < blocks { step(b, &a0, &e0) }
        if b &+ 1 < blocks { step(b &+ 1, &a1, &e1) }
        if b &+ 2 < blocks { step(b &+ 2, &a2, &e2) }
        return (add(add(a0, a1), add(a2, a3)), add(add(e0, e1), add(e2, e3)))
    }

    /// One weight row · one activation row (the GEMV of generation).
    ///
    /// Each block's integer sum is formed exactly (`Σ qʷqᵃ − o·Σqᵃ`); block `b` then goes into accumulator
    /// `b mod 4`, `accₖ += (dʷ·dᵃ) · Σ` (one fused multiply-add), and the minimum term `m · sᵃ` into `extraₖ`
    /// (multiply, then add); the result is `((acc₀ + acc₁) + (acc₂ + acc₃)) + ((extra₀ + extra₁) + (extra₂ + extra₃))`.
    /// Four independent chains, so a row costs a quarter of the FMA latency of one chain (which bound this
    /// kernel: 5 cycles per block on this machine's cores). It is the arithmetic of every token of ``tile`` and of
    /// ``lanes(_:row:_:group:into:outputStride:)`` too, so a row's result never depends on how many tokens or
    /// sequences share the pass (batched decoding equals decoding alone, a prompt's prefill equals feeding it
    /// token by token). llama.cpp's `vec_dot` for these types keeps partial sums per block in float instead, and
    /// its repacked kernels one chain of FMAs: both differ from this by rounding only.
    @inline(__always)
    static func dot<Block: IntegerWeightBlock>(_ type: Block.Type, row w: UnsafeRawPointer, _ x: QuantizedActivations, token t: Int) -> Float {
        var acc = SIMD4<Float>(repeating: 0), extra = acc
        let blocks = x.blocks
        let first = t &* blocks
        var b = 0
        while b &+ 4 <= blocks {
            // 2 KiB ahead of the row being read (measured: +7–10% at 1 thread on a 1.1B-shape Q4_0 model, where
            // decoding waits on memory; more or less distance gained less).
            flint_prefetch(w + (b &* Block.byteCount &+ 2048))
            let (v0, d0, m0) = Block.decode(w + b &* Block.byteCount)
            let (v1, d1, m1) = Block.decode(w + (b &+ 1) &* Block.byteCount)
            let (v2, d2, m2) = Block.decode(w + (b &+ 2) &* Block.byteCount)
            let (v3, d3, m3) = Block.decode(w + (b &+ 3) &* Block.byteCount)
            let index = first &+ b
            let a = x.quants + index &* 32
            var sums = totals(blockSums(type, v0, a), blockSums(type, v1, a + 32), blockSums(type, v2, a + 64), blockSums(type, v3, a + 96))
            if Block.offset != 0 {
                sums = _mm_sub_epi32(sums, offsetTerms(type, UnsafeRawPointer(x.integerSums + index).loadUnaligned(as: SIMD4<Float>.self)))
            }
            let s = unsafeBitCast(_mm_cvtepi32_ps(sums), to: SIMD4<Float>.self)
            let d = UnsafeRawPointer(x.scales + index).loadUnaligned(as: SIMD4<Float>.self) * SIMD4(d0, d1, d2, d3)
            acc.addProduct(s, d)
            if Block.hasMinimum {
                extra += SIMD4(m0, m1, m2, m3) * UnsafeRawPointer(x.sums + index).loadUnaligned(as: SIMD4<Float>.self)
            }
            b &+= 4
        }
        var k = 0
        while b < blocks {
            let (values, dw, m) = Block.decode(w + b &* Block.byteCount)
            var sum = total(blockSums(type, values, x.block(t, b)))
            if Block.offset != 0 { sum &-= Int32(Block.offset) &* Int32(x.integerSum(t, b)) }
            acc[k].addProduct(Float(sum), x.scale(t, b) * dw)
            if Block.hasMinimum { extra[k] += m * x.sum(t, b) }
            b &+= 1
            k &+= 1
        }
        let total = (acc[0] + acc[1]) + (acc[2] + acc[3])
        return Block.hasMinimum ? total + ((extra[0] + extra[1]) + (extra[2] + extra[3])) : total
    }

    /// Rows `rows` of `W` (`rowBytes` apart from `base`) times every activation row: whole groups of 8 tokens on
    /// the token-lane GEMM (``lanes(_:row:_:group:into:outputStride:)``, when `lanes` is given), the rest in
    /// 4-token tiles. Blocked for the caches: `rowBlock` weight rows (a few KiB, L1) against `tokenBlock`
    /// tokens of activations (L2); inside, each group's activations (L1) meet every row of the row block.
    static func rows<Block: IntegerWeightBlock>(_ type: Block.Type, base: UnsafeRawPointer, rowBytes: Int, rows: Range<Int>,
                                                _ x: QuantizedActivations, lanes: TokenLaneActivations?,
                                                into y: UnsafeMutablePointer<Float>, outputStride: Int) {
        let tokenBlock = 64, rowBlock = 16
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
                            QuantizedDot.lanes(type, row: base + r * rowBytes, lanes, group: t / 8, into: y + t * outputStride + r, outputStride: outputStride)
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

    /// Σ wᵢxᵢ for float32 rows (8-wide FMA, four accumulators).
    static func f32f32(_ w: UnsafeRawPointer, _ x: UnsafePointer<Float>, count: Int) -> Float {
        var s0 = SIMD8<Float>(repeating: 0), s1 = s0, s2 = s0, s3 = s0
        var i = 0
        while i + 32 <= count {
            s0.addProduct(w.loadUnaligned(fromByteOffset: 4 * i, as: SIMD8<Float>.self), UnsafeRawPointer(x + i).loadUnaligned(as: SIMD8<Float>.self))
            s1.addProduct(w.loadUnaligned(fromByteOffset: 4 * i + 32, as: SIMD8<Float>.self), UnsafeRawPointer(x + i + 8).loadUnaligned(as: SIMD8<Float>.self))
            s2.addProduct(w.loadUnaligned(fromByteOffset: 4 * i + 64, as: SIMD8<Float>.self), UnsafeRawPointer(x + i + 16).loadUnaligned(as: SIMD8<Float>.self))
            s3.addProduct(w.loadUnaligned(fromByteOffset: 4 * i + 96, as: SIMD8<Float>.self), UnsafeRawPointer(x + i + 24).loadUnaligned(as: SIMD8<Float>.self))
            i += 32
        }
        var total = ((s0 + s1) + (s2 + s3)).sum()
        while i < count {
            total += w.loadUnaligned(fromByteOffset: 4 * i, as: Float.self) * x[i]
            i += 1
        }
        return total
    }
}
