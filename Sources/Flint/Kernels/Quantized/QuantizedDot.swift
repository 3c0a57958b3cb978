import _Builtin_intrinsics.intel

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

/// 32 unsigned nibbles of a 16-byte block: low nibbles (values 0…15) then high nibbles (16…31).
@inline(__always)
func unpackNibbles(_ p: UnsafeRawPointer) -> __m256i {
    let packed = p.loadUnaligned(as: __m128i.self)
    let high = _mm_srli_epi16(packed, 4)
    return _mm256_and_si256(_mm256_set_m128i(high, packed), _mm256_set1_epi8(0x0F))
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
    @inline(__always)
    static func horizontalSum(_ v: __m256) -> Float {
        let lanes = unsafeBitCast(v, to: SIMD8<Float>.self)
        let quarter = lanes.lowHalf + lanes.highHalf
        let pair = quarter.lowHalf + quarter.highHalf
        return pair[0] + pair[1]
    }

    /// Σ qʷᵢ·qᵃᵢ over one block as 8 float lanes (exact: the integer sums fit 32 bits).
    @inline(__always)
    static func blockProducts<Block: IntegerWeightBlock>(_ type: Block.Type, _ weights: __m256i, _ activations: UnsafeRawPointer) -> __m256 {
        let a = activations.load(as: __m256i.self)
        let pairs: __m256i
        if Block.isSigned {
            pairs = _mm256_maddubs_epi16(_mm256_sign_epi8(weights, weights), _mm256_sign_epi8(a, weights))
        } else {
            pairs = _mm256_maddubs_epi16(weights, a)
        }
        return _mm256_cvtepi32_ps(_mm256_madd_epi16(pairs, _mm256_set1_epi16(1)))
    }

    /// `out[j · outputStride] = Σ_c W[row, c] · x[token + j, c]` for `j` in `0..<count` (count ≤ 4).
    @inline(__always)
    static func tile<Block: IntegerWeightBlock>(_ type: Block.Type, row w: UnsafeRawPointer, _ x: QuantizedActivations,
                                                token: Int, count: Int, into out: UnsafeMutablePointer<Float>, outputStride: Int) {
        let blocks = x.blocks
        if count == 4 {
            var a0 = _mm256_setzero_ps(), a1 = a0, a2 = a0, a3 = a0
            var extra = SIMD4<Float>(repeating: 0)
            for b in 0..<blocks {
                let (values, dw, m) = Block.decode(w + b * Block.byteCount)
                let d = SIMD4<Float>(x.scale(token, b), x.scale(token + 1, b), x.scale(token + 2, b), x.scale(token + 3, b)) * dw
                a0 = _mm256_fmadd_ps(_mm256_set1_ps(d[0]), blockProducts(type, values, x.block(token, b)), a0)
                a1 = _mm256_fmadd_ps(_mm256_set1_ps(d[1]), blockProducts(type, values, x.block(token + 1, b)), a1)
                a2 = _mm256_fmadd_ps(_mm256_set1_ps(d[2]), blockProducts(type, values, x.block(token + 2, b)), a2)
                a3 = _mm256_fmadd_ps(_mm256_set1_ps(d[3]), blockProducts(type, values, x.block(token + 3, b)), a3)
                if Block.hasMinimum {
                    extra += m * SIMD4<Float>(x.sum(token, b), x.sum(token + 1, b), x.sum(token + 2, b), x.sum(token + 3, b))
                } else if Block.offset != 0 {
                    extra -= Block.offset * d * SIMD4<Float>(x.integerSum(token, b), x.integerSum(token + 1, b),
                                                              x.integerSum(token + 2, b), x.integerSum(token + 3, b))
                }
            }
            out[0] = horizontalSum(a0) + extra[0]
            out[outputStride] = horizontalSum(a1) + extra[1]
            out[2 * outputStride] = horizontalSum(a2) + extra[2]
            out[3 * outputStride] = horizontalSum(a3) + extra[3]
            return
        }
        for j in 0..<count {
            out[j * outputStride] = dot(type, row: w, x, token: token + j)
        }
    }

    /// One weight row · one activation row (the GEMV of generation), summed in ggml's order — one accumulator,
    /// blocks in sequence, the minimum/offset terms in a separate scalar sum — which is also the order of every
    /// token of ``tile``: a row's result does not depend on how many tokens it was computed with, and matches
    /// llama.cpp's to the last bit on the tiny fixtures. (Two accumulators over even and odd blocks measured
    /// ~12% faster for generation at one thread, but the changed rounding flips 8-bit activation roundings
    /// downstream and moves logits by up to 0.04 against llama.cpp's.)
    @inline(__always)
    static func dot<Block: IntegerWeightBlock>(_ type: Block.Type, row w: UnsafeRawPointer, _ x: QuantizedActivations, token t: Int) -> Float {
        var acc = _mm256_setzero_ps()
        var extra: Float = 0
        for b in 0..<x.blocks {
            let (values, dw, m) = Block.decode(w + b * Block.byteCount)
            let d = x.scale(t, b) * dw
            acc = _mm256_fmadd_ps(_mm256_set1_ps(d), blockProducts(type, values, x.block(t, b)), acc)
            if Block.hasMinimum {
                extra += m * x.sum(t, b)
            } else if Block.offset != 0 {
                extra -= Block.offset * d * x.integerSum(t, b)
            }
        }
        return horizontalSum(acc) + extra
    }

    /// Rows `rows` of `W` (`rowBytes` apart from `base`) times every activation row, tiled 4 tokens at a
    /// time and in token blocks that stay in L2 while the chunk's weight rows stream through L1.
    static func rows<Block: IntegerWeightBlock>(_ type: Block.Type, base: UnsafeRawPointer, rowBytes: Int, rows: Range<Int>,
                                                _ x: QuantizedActivations, into y: UnsafeMutablePointer<Float>, outputStride: Int) {
        let tokenBlock = 64
        var start = 0
        while start < x.tokens {
            let end = min(start + tokenBlock, x.tokens)
            for r in rows {
                let w = base + r * rowBytes
                var t = start
                while t < end {
                    let count = min(4, end - t)
                    tile(type, row: w, x, token: t, count: count, into: y + t * outputStride + r, outputStride: outputStride)
                    t += count
                }
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
