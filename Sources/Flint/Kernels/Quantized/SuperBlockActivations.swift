import _Builtin_intrinsics.intel

/// Activations quantized to Q8_K, the form the k-quant integer dot products (``KQuantDot``) take — llama.cpp's
/// `quantize_row_q8_K`, which on x86 is `quantize_row_q8_K_ref` (ggml-quants.c), value for value:
///
/// for each super-block of 256 values, `max` is the first value of largest magnitude `amax = max|xᵢ|`;
/// `iscale = −127 / max`, `qᵢ = min(127, round(iscale · xᵢ))` (nearest, ties to even — ggml's `nearest_int`),
/// `d = 1 / iscale` (a float, not rounded to f16), so `x ≈ d · q` with −127 ≤ q ≤ 127 and the value `max`
/// itself quantized to −127 (d < 0 when max > 0). `bsums[j] = Σ_{i<16} q[16j + i]`, the sums of the 16 groups
/// of 16, which the kernels use for the weights' minimum (Q2_K, Q4_K, Q5_K) and offset (Q3_K, Q6_K) terms.
/// An all-zero block has `d = 0` and `q = 0` (and here `bsums = 0`; ggml leaves them unwritten, and they are
/// multiplied by `d = 0`).
///
/// Layout (structure of arrays, one allocation reused across products): `tokens × blocks` floats of `d`, then
/// `tokens × blocks × 16` Int16 of `bsums`, then `tokens × blocks × 256` signed bytes of `q`, each part
/// 32-byte aligned.
public struct SuperBlockActivations {
    public let tokens: Int
    /// Super-blocks of 256 per token.
    public let blocks: Int
    let scales: UnsafeMutablePointer<Float>
    let groupSums: UnsafeMutablePointer<Int16>
    let quants: UnsafeMutablePointer<Int8>

    /// Bytes a buffer needs for `tokens` rows of `columns` values (a multiple of 256).
    public static func byteCount(tokens: Int, columns: Int) -> Int {
        let blockCount = tokens * (columns / 256)
        return ((4 * blockCount + 31) & ~31) + 32 * blockCount + 256 * blockCount
    }

    /// Views `buffer` (at least ``byteCount(tokens:columns:)`` bytes, 32-byte aligned) as the activations of
    /// `tokens` rows of `columns` values.
    public init(buffer: UnsafeMutableRawPointer, tokens: Int, columns: Int) {
        self.tokens = tokens
        blocks = columns / 256
        let count = tokens * blocks
        scales = buffer.bindMemory(to: Float.self, capacity: count)
        let sumsOffset = (4 * count + 31) & ~31
        groupSums = (buffer + sumsOffset).bindMemory(to: Int16.self, capacity: 16 * count)
        quants = (buffer + sumsOffset + 32 * count).bindMemory(to: Int8.self, capacity: 256 * count)
    }

    /// Quantizes rows `range` of `x` (`tokens × columns`, row-major).
    public func quantize(_ x: UnsafePointer<Float>, rows range: Range<Int>) {
        let columns = blocks * 256
        for t in range {
            for b in 0..<blocks {
                let index = t * blocks + b
                scales[index] = SuperBlockActivations.quantizeBlock(x + t * columns + 256 * b, into: quants + 256 * index,
                                                                    groupSums: groupSums + 16 * index)
            }
        }
    }

    /// Quantizes the 256 floats at `x` into `q` and their 16 group sums into `groupSums`; returns `d`.
    @inline(__always)
    static func quantizeBlock(_ x: UnsafePointer<Float>, into q: UnsafeMutablePointer<Int8>,
                              groupSums: UnsafeMutablePointer<Int16>) -> Float {
        let raw = UnsafeRawPointer(x)
        let sign = _mm256_set1_ps(-0.0)
        var magnitudes = _mm256_setzero_ps()
        for i in stride(from: 0, to: 256, by: 8) {
            magnitudes = _mm256_max_ps(magnitudes, _mm256_andnot_ps(sign, raw.loadUnaligned(fromByteOffset: 4 * i, as: __m256.self)))
        }
        let amax = unsafeBitCast(magnitudes, to: SIMD8<Float>.self).max()
        guard amax > 0 else {
            UnsafeMutableRawPointer(q).initializeMemory(as: UInt8.self, repeating: 0, count: 256)
            UnsafeMutableRawPointer(groupSums).initializeMemory(as: UInt8.self, repeating: 0, count: 32)
            return 0
        }
        // ggml keeps the first value whose magnitude exceeds every earlier one: the first of largest magnitude.
        var index = 0
        while abs(x[index]) != amax { index += 1 }
        let iscale = -127 / x[index]
        let multiplier = SIMD8<Float>(repeating: iscale)
        for group in 0..<16 {
            var sum: Int32 = 0
            for half in 0..<2 {
                let i = 16 * group + 8 * half
                let v = raw.loadUnaligned(fromByteOffset: 4 * i, as: SIMD8<Float>.self) * multiplier
                // vcvtps2dq rounds to nearest, ties to even (the default rounding mode), as nearest_int does.
                let rounded = unsafeBitCast(_mm256_cvtps_epi32(unsafeBitCast(v, to: __m256.self)), to: SIMD8<Int32>.self)
                let integers = pointwiseMin(rounded, SIMD8<Int32>(repeating: 127))
                sum &+= integers.wrappedSum()
                UnsafeMutableRawPointer(q + i).storeBytes(of: SIMD8<Int8>(truncatingIfNeeded: integers), as: SIMD8<Int8>.self)
            }
            groupSums[group] = Int16(sum)
        }
        return 1 / iscale
    }

    @inline(__always) func scale(_ token: Int, _ block: Int) -> Float { scales[token * blocks + block] }
    @inline(__always) func sums(_ token: Int, _ block: Int) -> UnsafeRawPointer { UnsafeRawPointer(groupSums + 16 * (token * blocks + block)) }
    @inline(__always) func block(_ token: Int, _ block: Int) -> UnsafeRawPointer { UnsafeRawPointer(quants + 256 * (token * blocks + block)) }
}
