import _Builtin_intrinsics.intel

/// Dot products of one quantized weight row with one row of quantized activations, on integers: AVX2
/// `vpmaddubsw` (u8 × s8 → pairs summed to s16) and `vpmaddwd` (pairs of s16 summed to s32), one float
/// FMA per block for the scales. One function per type pair, as ggml's `ggml_vec_dot_*`.
///
/// For a weight block `w = dʷ·qʷ (+ m)` and an activation block `a ≈ dᵃ·qᵃ`:
/// `Σ wᵢaᵢ ≈ dʷdᵃ · Σ qʷᵢqᵃᵢ (+ m · sᵃ)`, where `sᵃ = dᵃ·Σqᵃ` is stored in the Q8_1 block.
enum QuantizedDot {
    /// 32 unsigned nibbles of a 16-byte block: low nibbles (values 0…15) then high nibbles (16…31).
    @inline(__always)
    static func nibbles(_ p: UnsafeRawPointer) -> __m256i {
        let packed = _mm_loadu_si128(p.assumingMemoryBound(to: __m128i.self))
        let high = _mm_srli_epi16(packed, 4)
        return _mm256_and_si256(_mm256_set_m128i(high, packed), _mm256_set1_epi8(0x0F))
    }

    /// Σ xᵢ·yᵢ for 32 unsigned bytes x and 32 signed bytes y, as 8 float partial sums.
    @inline(__always)
    static func sumUnsignedSigned(_ x: __m256i, _ y: __m256i) -> __m256 {
        let pairs = _mm256_maddubs_epi16(x, y)
        return _mm256_cvtepi32_ps(_mm256_madd_epi16(pairs, _mm256_set1_epi16(1)))
    }

    /// Σ xᵢ·yᵢ for 32 signed bytes x and y: |x| · (y with x's sign), as 8 float partial sums.
    @inline(__always)
    static func sumSignedSigned(_ x: __m256i, _ y: __m256i) -> __m256 {
        sumUnsignedSigned(_mm256_sign_epi8(x, x), _mm256_sign_epi8(y, x))
    }

    @inline(__always)
    static func horizontalSum(_ v: __m256) -> Float {
        let lanes = unsafeBitCast(v, to: SIMD8<Float>.self)
        let quarter = lanes.lowHalf + lanes.highHalf
        let pair = quarter.lowHalf + quarter.highHalf
        return pair[0] + pair[1]
    }

    @inline(__always)
    static func half(_ p: UnsafeRawPointer, _ offset: Int = 0) -> Float {
        halfToFloat(p.loadUnaligned(fromByteOffset: offset, as: UInt16.self))
    }

    @inline(__always)
    static func load(_ p: UnsafeRawPointer) -> __m256i {
        _mm256_loadu_si256(p.assumingMemoryBound(to: __m256i.self))
    }

    /// Q4_1 weights (`f16 d, m; u8 qs[16]`) · Q8_1 activations.
    static func q4_1q8_1(_ w: UnsafeRawPointer, _ a: UnsafeRawPointer, blocks: Int) -> Float {
        var accumulator = _mm256_setzero_ps()
        var minimumShare: Float = 0
        for b in 0..<blocks {
            let wb = w + 20 * b, ab = a + 36 * b
            let dw = half(wb), m = half(wb, 2)
            let da = half(ab), sa = half(ab, 2)
            minimumShare += m * sa
            let products = sumUnsignedSigned(nibbles(wb + 4), load(ab + 4))
            accumulator = _mm256_fmadd_ps(_mm256_set1_ps(dw * da), products, accumulator)
        }
        return horizontalSum(accumulator) + minimumShare
    }

    /// Q4_0 weights (`f16 d; u8 qs[16]`, values q − 8) · Q8_0 activations.
    static func q4_0q8_0(_ w: UnsafeRawPointer, _ a: UnsafeRawPointer, blocks: Int) -> Float {
        var accumulator = _mm256_setzero_ps()
        let eight = _mm256_set1_epi8(8)
        for b in 0..<blocks {
            let wb = w + 18 * b, ab = a + 34 * b
            let scale = half(wb) * half(ab)
            let qw = _mm256_sub_epi8(nibbles(wb + 2), eight)
            let products = sumSignedSigned(qw, load(ab + 2))
            accumulator = _mm256_fmadd_ps(_mm256_set1_ps(scale), products, accumulator)
        }
        return horizontalSum(accumulator)
    }

    /// Q8_0 weights (`f16 d; i8 qs[32]`) · Q8_0 activations.
    static func q8_0q8_0(_ w: UnsafeRawPointer, _ a: UnsafeRawPointer, blocks: Int) -> Float {
        var accumulator = _mm256_setzero_ps()
        for b in 0..<blocks {
            let wb = w + 34 * b, ab = a + 34 * b
            let scale = half(wb) * half(ab)
            let products = sumSignedSigned(load(wb + 2), load(ab + 2))
            accumulator = _mm256_fmadd_ps(_mm256_set1_ps(scale), products, accumulator)
        }
        return horizontalSum(accumulator)
    }

    /// 32 bytes whose bit i is set where bit i of `bits` is (the fifth bits of Q5_0/Q5_1), as 0xFF/0x00.
    @inline(__always)
    static func spreadBits(_ bits: UInt32) -> __m256i {
        let shuffle = _mm256_set_epi64x(0x0303_0303_0303_0303, 0x0202_0202_0202_0202, 0x0101_0101_0101_0101, 0)
        let spread = _mm256_shuffle_epi8(_mm256_set1_epi32(Int32(bitPattern: bits)), shuffle)
        let mask = _mm256_set1_epi64x(Int64(bitPattern: 0x7FBF_DFEF_F7FB_FDFE))
        return _mm256_cmpeq_epi8(_mm256_or_si256(spread, mask), _mm256_set1_epi64x(-1))
    }

    /// Q5_0 weights (`f16 d; u8 qh[4]; u8 qs[16]`, values q − 16) · Q8_0 activations.
    static func q5_0q8_0(_ w: UnsafeRawPointer, _ a: UnsafeRawPointer, blocks: Int) -> Float {
        var accumulator = _mm256_setzero_ps()
        for b in 0..<blocks {
            let wb = w + 22 * b, ab = a + 34 * b
            let scale = half(wb) * half(ab)
            // q − 16 = low nibble | (fifth bit ? 0 : −16 as 0xF0)
            let high = _mm256_andnot_si256(spreadBits(wb.loadUnaligned(fromByteOffset: 2, as: UInt32.self)), _mm256_set1_epi8(-16))
            let qw = _mm256_or_si256(nibbles(wb + 6), high)
            let products = sumSignedSigned(qw, load(ab + 2))
            accumulator = _mm256_fmadd_ps(_mm256_set1_ps(scale), products, accumulator)
        }
        return horizontalSum(accumulator)
    }

    /// Q5_1 weights (`f16 d, m; u8 qh[4]; u8 qs[16]`) · Q8_1 activations.
    static func q5_1q8_1(_ w: UnsafeRawPointer, _ a: UnsafeRawPointer, blocks: Int) -> Float {
        var accumulator = _mm256_setzero_ps()
        var minimumShare: Float = 0
        for b in 0..<blocks {
            let wb = w + 24 * b, ab = a + 36 * b
            let dw = half(wb), m = half(wb, 2)
            let da = half(ab), sa = half(ab, 2)
            minimumShare += m * sa
            let high = _mm256_and_si256(spreadBits(wb.loadUnaligned(fromByteOffset: 4, as: UInt32.self)), _mm256_set1_epi8(0x10))
            let qw = _mm256_or_si256(nibbles(wb + 8), high)
            let products = sumUnsignedSigned(qw, load(ab + 4))
            accumulator = _mm256_fmadd_ps(_mm256_set1_ps(dw * da), products, accumulator)
        }
        return horizontalSum(accumulator) + minimumShare
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
