import _Builtin_intrinsics.intel

/// Activations quantized to 8 bits per block of 32, the form the integer dot products take — llama.cpp's
/// `quantize_row_q8_0` / `quantize_row_q8_1` (AVX2), value for value:
///
/// for each block, `amax = max|xᵢ|`, `d = amax / 127`, `qᵢ = round(xᵢ · (127 / amax))` (to nearest, ties to
/// even — `vcvtps2dq` under the default rounding mode), so `x ≈ d · q` with |q| ≤ 127. The dot products use
/// `d` rounded to f16 (ggml stores it as f16); Q8_1's `s = d · Σq` (with `d` before that rounding) is rounded
/// to f16 too. Both are kept here as floats that already hold the f16-rounded values, so the kernels never
/// convert halves; `Σq` is kept exactly for the weight types with an offset (Q4_0: q − 8, Q5_0: q − 16).
///
/// Layout (structure of arrays, one allocation reused across products): `tokens × blocks` floats of `d`,
/// of `s` and of `Σq`, then `tokens × blocks × 32` signed bytes of `q`, 32-byte aligned.
public struct QuantizedActivations {
    public let tokens: Int
    /// Blocks of 32 per token.
    public let blocks: Int
    let scales: UnsafeMutablePointer<Float>
    let sums: UnsafeMutablePointer<Float>
    let integerSums: UnsafeMutablePointer<Float>
    let quants: UnsafeMutablePointer<Int8>

    /// Bytes a buffer needs for `tokens` rows of `columns` values (a multiple of 32).
    public static func byteCount(tokens: Int, columns: Int) -> Int {
        let blockCount = tokens * (columns / 32)
        return ((3 * 4 * blockCount + 31) & ~31) + 32 * blockCount
    }

    /// Views `buffer` (at least ``byteCount(tokens:columns:)`` bytes, 32-byte aligned) as the activations of
    /// `tokens` rows of `columns` values.
    public init(buffer: UnsafeMutableRawPointer, tokens: Int, columns: Int) {
        self.tokens = tokens
        blocks = columns / 32
        let count = tokens * blocks
        scales = buffer.bindMemory(to: Float.self, capacity: 3 * count)
        sums = scales + count
        integerSums = sums + count
        quants = (buffer + ((3 * 4 * count + 31) & ~31)).bindMemory(to: Int8.self, capacity: 32 * count)
    }

    /// Quantizes rows `range` of `x` (`tokens × columns`, row-major).
    public func quantize(_ x: UnsafePointer<Float>, rows range: Range<Int>) {
        let columns = blocks * 32
        for t in range {
            for b in 0..<blocks {
                let index = t * blocks + b
                let (d, sum) = ActivationQuantization.quantizeBlock(x + t * columns + 32 * b, into: quants + 32 * index)
                scales[index] = Float(Float16(d))
                sums[index] = Float(Float16(d * Float(sum)))
                integerSums[index] = Float(sum)
            }
        }
    }

    @inline(__always) func scale(_ token: Int, _ block: Int) -> Float { scales[token * blocks + block] }
    @inline(__always) func sum(_ token: Int, _ block: Int) -> Float { sums[token * blocks + block] }
    @inline(__always) func integerSum(_ token: Int, _ block: Int) -> Float { integerSums[token * blocks + block] }
    @inline(__always) func block(_ token: Int, _ block: Int) -> UnsafeRawPointer { UnsafeRawPointer(quants + 32 * (token * blocks + block)) }
}

/// The block quantizer behind ``QuantizedActivations``.
public enum ActivationQuantization {
    /// Quantizes 32 floats at `x` to 32 signed bytes at `q`; returns `d = amax / 127` (not rounded) and `Σq`.
    @inline(__always)
    public static func quantizeBlock(_ x: UnsafePointer<Float>, into q: UnsafeMutablePointer<Int8>) -> (Float, Int32) {
        let raw = UnsafeRawPointer(x)
        let v0 = raw.loadUnaligned(as: __m256.self), v1 = raw.loadUnaligned(fromByteOffset: 32, as: __m256.self)
        let v2 = raw.loadUnaligned(fromByteOffset: 64, as: __m256.self), v3 = raw.loadUnaligned(fromByteOffset: 96, as: __m256.self)
        let sign = _mm256_set1_ps(-0.0)
        var m = _mm256_andnot_ps(sign, v0)
        m = _mm256_max_ps(m, _mm256_andnot_ps(sign, v1))
        m = _mm256_max_ps(m, _mm256_andnot_ps(sign, v2))
        m = _mm256_max_ps(m, _mm256_andnot_ps(sign, v3))
        let lanes = unsafeBitCast(m, to: SIMD8<Float>.self)
        let amax = lanes.max()
        let d = amax / 127
        let inverse = amax != 0 ? 127 / amax : 0
        let multiplier = _mm256_set1_ps(inverse)
        let i0 = _mm256_cvtps_epi32(_mm256_mul_ps(v0, multiplier)), i1 = _mm256_cvtps_epi32(_mm256_mul_ps(v1, multiplier))
        let i2 = _mm256_cvtps_epi32(_mm256_mul_ps(v2, multiplier)), i3 = _mm256_cvtps_epi32(_mm256_mul_ps(v3, multiplier))
        let total = unsafeBitCast(_mm256_add_epi32(_mm256_add_epi32(i0, i1), _mm256_add_epi32(i2, i3)), to: SIMD8<Int32>.self).wrappedSum()
        // Pack 4 × 8 int32 to 32 int8; the packs interleave 128-bit lanes, the permute restores the order.
        let packed = _mm256_packs_epi16(_mm256_packs_epi32(i0, i1), _mm256_packs_epi32(i2, i3))
        let ordered = _mm256_permutevar8x32_epi32(packed, _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7))
        UnsafeMutableRawPointer(q).storeBytes(of: ordered, as: __m256i.self)
        return (d, total)
    }
}
