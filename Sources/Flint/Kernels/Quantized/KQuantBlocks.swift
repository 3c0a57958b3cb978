import _Builtin_intrinsics.intel

/// A k-quant weight super-block (256 values) as the integer dot product with Q8_K activations
/// (``SuperBlockActivations``) reads it — ggml's `ggml_vec_dot_qN_K_q8_K` (AVX2 branch), decomposed:
///
/// the block is 8 vectors of 32 weights `qʷ`, each with 16 Int16 scales `s` (one per pair of values: lanes
/// 0…7 scale values 0…15, lanes 8…15 values 16…31). With `vpmaddubsw` (u8 × s8, pairs summed to s16) and
/// `vpmaddwd` against `s` (pairs summed to s32), value `p` of a vector lands in Int32 lane `p / 4`:
/// `Σᵢ[k] = Σ_v Σ_{p ∈ 4k..<4k+4} s_{v,p} · qʷ_{v,p} · qᵃ_{32v+p}`, exact on integers. The lane layout matters
/// (each lane is converted to float and accumulated separately), and is ggml's — except for Q4_K, which
/// totals the lanes exactly first (see ``Q4_KBlock``).
/// ``accumulate(_:_:sums:activationScale:groupSums:into:minimum:)`` then adds the block to the row's
/// accumulators in ggml's way: `acc = fma(dʷ·dᵃ, float(Σᵢ − offset term), acc)`, and a minimum term from the
/// activations' group sums `bsums` where the type has one.
protocol KQuantWeightBlock {
    /// What is decoded once per block (scales, minimums).
    associatedtype Header
    /// Bytes per super-block of 256 values.
    static var byteCount: Int { get }
    static func header(_ block: UnsafeRawPointer) -> Header
    /// Vector `v` (0…7) of the block, decoded (once for all tokens of a tile).
    associatedtype Vector
    static func vector(_ block: UnsafeRawPointer, _ header: Header, _ v: Int) -> Vector
    /// `Σ_{p ∈ 4k..<4k+4} s_p · qʷ_p · aₚ` in Int32 lane k, for the 32 activation bytes `a` of the vector.
    static func product(_ vector: Vector, _ a: __m256i) -> __m256i
    /// Adds one block's integer sums `sums` of one token (activation scale `dᵃ`, group sums at `groupSums`) to
    /// the row's accumulators: `accumulator` (8 lanes, summed at the end) and `minimum` (4 lanes, summed
    /// at the end as `(m₀ + m₂) + (m₁ + m₃)`).
    static func accumulate(_ block: UnsafeRawPointer, _ header: Header, sums: __m256i, activationScale: Float,
                           groupSums: UnsafeRawPointer, into accumulator: inout __m256, minimum: inout __m128)
    /// One weight row against the 8 tokens of group `group` (of `lanes`, regrouped from `x`), into
    /// `out[j · outputStride]`, with the arithmetic of ``KQuantDot/dot(_:row:_:token:)`` for every token.
    static func lanes(row w: UnsafeRawPointer, _ x: SuperBlockActivations, _ lanes: SuperBlockTokenLanes, group: Int,
                      into out: UnsafeMutablePointer<Float>, outputStride: Int)
}

extension KQuantWeightBlock {
    /// Types without a token-lane kernel: each token by the 1-token dot.
    @inline(__always)
    static func lanes(row w: UnsafeRawPointer, _ x: SuperBlockActivations, _ lanes: SuperBlockTokenLanes, group: Int,
                      into out: UnsafeMutablePointer<Float>, outputStride: Int) {
        for j in 0..<8 { out[j &* outputStride] = KQuantDot.dot(Self.self, row: w, x, token: 8 &* group &+ j) }
    }
}

/// The product of a vector of unsigned weight bytes and Int16 scales: `vpmaddwd(s, vpmaddubsw(qʷ, a))`.
@inline(__always)
func scaledProduct(_ vector: (values: __m256i, scales: __m256i), _ a: __m256i) -> __m256i {
    _mm256_madd_epi16(vector.scales, _mm256_maddubs_epi16(vector.values, a))
}

/// Int16 scales for values 0…15 and 16…31 of vector `v`: bytes `2v` and `2v + 1` of the 16 (signed) bytes
/// `scales`, widened (ggml's `get_scale_shuffle` / `get_scale_shuffle_q3k` patterns, for groups of 16).
@inline(__always)
func groupScales(_ scales: __m128i, _ v: Int) -> __m256i {
    let pick = _mm_set_epi64x(Int64(2 * v + 1) &* 0x0101_0101_0101_0101, Int64(2 * v) &* 0x0101_0101_0101_0101)
    return _mm256_cvtepi8_epi16(_mm_shuffle_epi8(scales, pick))
}

/// The 8 six-bit scales and 8 six-bit minimums of a Q4_K/Q5_K block's 12 packed bytes at `p`, widened to
/// Int16 (`get_scale_min_k4`, done as ggml's AVX2 code does it on 32-bit words): scales in lanes 0…7, minimums
/// in lanes 8…15.
@inline(__always)
func unpackScalesK4(_ p: UnsafeRawPointer) -> __m256i {
    let kmask1: UInt32 = 0x3F3F_3F3F, kmask2: UInt32 = 0x0F0F_0F0F, kmask3: UInt32 = 0x0303_0303
    let u0 = p.loadUnaligned(as: UInt32.self), u1 = p.loadUnaligned(fromByteOffset: 4, as: UInt32.self)
    let u2 = p.loadUnaligned(fromByteOffset: 8, as: UInt32.self)
    let t3 = ((u2 >> 4) & kmask2) | (((u1 >> 6) & kmask3) << 4)
    let t2 = u1 & kmask1
    let t1 = (u2 & kmask2) | (((u0 >> 6) & kmask3) << 4)
    let t0 = u0 & kmask1
    return _mm256_cvtepu8_epi16(_mm_set_epi32(Int32(bitPattern: t3), Int32(bitPattern: t2), Int32(bitPattern: t1), Int32(bitPattern: t0)))
}

/// The 8 Int32 sums `m_{2k}·(b_{4k} + b_{4k+1}) + m_{2k+1}·(b_{4k+2} + b_{4k+3})` of a Q4_K/Q5_K block's
/// minimums (lanes 8…15 of `scalesAndMinimums`) against the activations' group sums: 4 lanes, as ggml's
/// `_mm_madd_epi16(mins, _mm_hadd_epi16(bsums[0..<8], bsums[8..<16]))`.
@inline(__always)
func minimumProducts(_ scalesAndMinimums: __m256i, _ groupSums: UnsafeRawPointer) -> __m128i {
    let sums = groupSums.loadUnaligned(as: __m256i.self)
    let halves = unsafeBitCast(sums, to: (__m128i, __m128i).self)
    let pairs = _mm_hadd_epi16(halves.0, halves.1)
    return _mm_madd_epi16(unsafeBitCast(scalesAndMinimums, to: (__m128i, __m128i).self).1, pairs)
}

/// Int16 scale `v` of 8 (lanes 0…7 of `scales`, repeated in both 128-bit halves) in all 16 lanes.
@inline(__always)
func broadcastScaleK4(_ scales: __m256i, _ v: Int) -> __m256i {
    _mm256_shuffle_epi8(scales, _mm256_set1_epi16(Int16(2 * v) | Int16(2 * v + 1) << 8))
}

/// Q4_K: `f16 d, dmin; u8 scales[12]; u8 qs[128]`, `w = d·sc·q − dmin·m` per group of 32 (8 groups; the
/// 32-byte chunk c of `qs` holds group 2c in its low nibbles and 2c + 1 in its high nibbles).
///
/// `Σ wᵢaᵢ = dᵃ·d · T − dᵃ·dmin · M` with the block's exact integer totals `T = Σ_g sc_g Σ qʷqᵃ` and
/// `M = Σ_g m_g · Σ_{i∈g} qᵃᵢ` (from the activations' group sums). Unlike ggml's `vec_dot_q4_K_q8_K`, which
/// keeps 8 float lanes of partial sums, each block is one conversion and one FMA per term — in lane 0 of the
/// accumulators (`acc = fma(dᵃ·d, float(T), acc)`, `minimum = fma(−dᵃ·dmin, float(M), minimum)`; the other
/// lanes stay zero, so the final horizontal sums are exact): the arithmetic of the token-lane GEMM
/// (``KQuantWeightBlock/lanes(row:_:_:group:into:outputStride:)``), where each lane is a token. A row's result is
/// therefore the same on every path, and closer to the exact product than ggml's (one rounding per block).
enum Q4_KBlock: KQuantWeightBlock {
    @inline(__always) static func product(_ vector: (values: __m256i, scales: __m256i), _ a: __m256i) -> __m256i { scaledProduct(vector, a) }
    static var byteCount: Int { 144 }

    @inline(__always) static func header(_ block: UnsafeRawPointer) -> __m256i { unpackScalesK4(block + 4) }

    @inline(__always)
    static func vector(_ block: UnsafeRawPointer, _ header: __m256i, _ v: Int) -> (values: __m256i, scales: __m256i) {
        let bits = block.loadUnaligned(fromByteOffset: 16 + 32 * (v >> 1), as: __m256i.self)
        let nibbles = v & 1 == 0 ? bits : _mm256_srli_epi16(bits, 4)
        let low = _mm256_castsi256_si128(header)
        let scales = _mm256_set_m128i(low, low)
        return (_mm256_and_si256(nibbles, _mm256_set1_epi8(0x0F)), broadcastScaleK4(scales, v))
    }

    @inline(__always)
    static func accumulate(_ block: UnsafeRawPointer, _ header: __m256i, sums: __m256i, activationScale: Float,
                           groupSums: UnsafeRawPointer, into accumulator: inout __m256, minimum: inout __m128) {
        let (scale, minimumScale) = loadHalfPair(block)
        let d = activationScale * scale
        let dmin = -activationScale * minimumScale
        let products = unsafeBitCast(minimumProducts(header, groupSums), to: SIMD4<Int32>.self)
        let total = Float(QuantizedDot.total(sums)), minimumTotal = Float(products.wrappedSum())
        minimum = _mm_fmadd_ps(_mm_set1_ps(dmin), _mm_setr_ps(minimumTotal, 0, 0, 0), minimum)
        accumulator = _mm256_fmadd_ps(_mm256_set1_ps(d), _mm256_setr_ps(total, 0, 0, 0, 0, 0, 0, 0), accumulator)
    }
}

/// Q5_K: `f16 d, dmin; u8 scales[12]; u8 qh[32]; u8 qs[128]` — Q4_K with a fifth bit per value (bit g of
/// `qh[i]` for value i of group g): `w = d·sc·q − dmin·m`, 0 ≤ q < 32.
///
/// As Q4_K, except that ggml sums the block's minimum term to one integer and adds it to a scalar
/// (`summs += dmin · Σ`): kept in lane 0 of `minimum`.
enum Q5_KBlock: KQuantWeightBlock {
    @inline(__always) static func product(_ vector: (values: __m256i, scales: __m256i), _ a: __m256i) -> __m256i { scaledProduct(vector, a) }
    static var byteCount: Int { 176 }

    @inline(__always) static func header(_ block: UnsafeRawPointer) -> __m256i { unpackScalesK4(block + 4) }

    @inline(__always)
    static func vector(_ block: UnsafeRawPointer, _ header: __m256i, _ v: Int) -> (values: __m256i, scales: __m256i) {
        let bits = block.loadUnaligned(fromByteOffset: 48 + 32 * (v >> 1), as: __m256i.self)
        let nibbles = _mm256_and_si256(v & 1 == 0 ? bits : _mm256_srli_epi16(bits, 4), _mm256_set1_epi8(0x0F))
        let high = block.loadUnaligned(fromByteOffset: 16, as: __m256i.self)
        let fifth = _mm256_slli_epi16(_mm256_srli_epi16(_mm256_and_si256(high, _mm256_set1_epi8(Int8(bitPattern: UInt8(1) << UInt8(v)))), Int32(v)), 4)
        let low = _mm256_castsi256_si128(header)
        let scales = _mm256_set_m128i(low, low)
        return (_mm256_or_si256(nibbles, fifth), broadcastScaleK4(scales, v))
    }

    @inline(__always)
    static func accumulate(_ block: UnsafeRawPointer, _ header: __m256i, sums: __m256i, activationScale: Float,
                           groupSums: UnsafeRawPointer, into accumulator: inout __m256, minimum: inout __m128) {
        let (scale, minimumScale) = loadHalfPair(block)
        let d = activationScale * scale
        let dmin = -activationScale * minimumScale
        let products = unsafeBitCast(minimumProducts(header, groupSums), to: SIMD4<Int32>.self)
        let total = (products[0] &+ products[1]) &+ (products[2] &+ products[3])
        var scalar = _mm_cvtss_f32(minimum)
        scalar.addProduct(dmin, Float(total))
        minimum = _mm_set_ss(scalar)
        accumulator = _mm256_fmadd_ps(_mm256_set1_ps(d), _mm256_cvtepi32_ps(sums), accumulator)
    }
}

/// Q6_K: `u8 ql[128]; u8 qh[64]; i8 scales[16]; f16 d` — 16 groups of 16 with signed 8-bit scales,
/// `w = d·sc·(q − 32)`, 0 ≤ q < 64 (low 4 bits in `ql`, high 2 in `qh`). Vector v = 4h + r (half h, quarter r)
/// takes the low (r < 2) or high nibbles of `ql[64h + 32(r mod 2) ..< +32]` and bits 2r, 2r + 1 of
/// `qh[32h ..< +32]`; its scales are `sc[2v]` (values 0…15) and `sc[2v + 1]` (16…31).
///
/// `Σ wᵢaᵢ = dᵃ·d · (Σ_g sc_g Σ qʷqᵃ − 32 · Σ_g sc_g · bsums_g)`: the offset term is subtracted from the
/// integer sums (lane k: `32·(sc_{2k}·bsums_{2k} + sc_{2k+1}·bsums_{2k+1})`, ggml's `q8sclsub`), and — as for
/// ``Q4_KBlock``, unlike ggml's 8 float lanes — the block's lanes are totalled exactly
/// (|total| < 2⁹ · 63 · 127 · 127 + 2⁵ · 2⁴ · 127 · 2⁴ · 127 < 2³¹), converted once and added with one FMA in lane 0
/// (`acc = fma(dᵃ·d, float(total), acc)`): the arithmetic of the token-lane GEMM, where each lane is a token.
enum Q6_KBlock: KQuantWeightBlock {
    @inline(__always) static func product(_ vector: (values: __m256i, scales: __m256i), _ a: __m256i) -> __m256i { scaledProduct(vector, a) }
    static var byteCount: Int { 210 }

    @inline(__always) static func header(_ block: UnsafeRawPointer) -> __m128i { block.loadUnaligned(fromByteOffset: 192, as: __m128i.self) }

    @inline(__always)
    static func vector(_ block: UnsafeRawPointer, _ header: __m128i, _ v: Int) -> (values: __m256i, scales: __m256i) {
        let h = v >> 2, r = v & 3
        let low = block.loadUnaligned(fromByteOffset: 64 * h + 32 * (r & 1), as: __m256i.self)
        let nibbles = _mm256_and_si256(r < 2 ? low : _mm256_srli_epi16(low, 4), _mm256_set1_epi8(0x0F))
        let highBits = block.loadUnaligned(fromByteOffset: 128 + 32 * h, as: __m256i.self)
        let shifted = _mm256_and_si256(_mm256_srli_epi16(highBits, Int32(2 * r)), _mm256_set1_epi8(3))
        let values = _mm256_or_si256(nibbles, _mm256_slli_epi16(shifted, 4))
        return (values, groupScales(header, v))
    }

    @inline(__always)
    static func accumulate(_ block: UnsafeRawPointer, _ header: __m128i, sums: __m256i, activationScale: Float,
                           groupSums: UnsafeRawPointer, into accumulator: inout __m256, minimum: inout __m128) {
        let d = activationScale * loadHalf(block, 208)
        let offsets = _mm256_slli_epi32(_mm256_madd_epi16(groupSums.loadUnaligned(as: __m256i.self), _mm256_cvtepi8_epi16(header)), 5)
        let total = Float(QuantizedDot.total(_mm256_sub_epi32(sums, offsets)))
        accumulator = _mm256_fmadd_ps(_mm256_set1_ps(d), _mm256_setr_ps(total, 0, 0, 0, 0, 0, 0, 0), accumulator)
    }
}

/// Q2_K: `u8 scales[16]; u8 qs[64]; f16 d, dmin` — 16 groups of 16 with 4-bit scales (low nibble) and
/// minimums (high nibble), `w = d·sc·q − dmin·m`, 0 ≤ q < 4. Vector v = 4h + r takes bits 2r, 2r + 1 of
/// `qs[32h ..< +32]`; its scales are `sc[2v]`, `sc[2v + 1]`.
///
/// The minimum term goes into the main accumulator first, per lane k as ggml does it:
/// `acc = fma(−dᵃ·dmin, float(m_{2k}·bsums_{2k} + m_{2k+1}·bsums_{2k+1}), acc)`, then `acc = fma(dᵃ·d, float(Σᵢ), acc)`.
enum Q2_KBlock: KQuantWeightBlock {
    @inline(__always) static func product(_ vector: (values: __m256i, scales: __m256i), _ a: __m256i) -> __m256i { scaledProduct(vector, a) }
    static var byteCount: Int { 84 }

    @inline(__always) static func header(_ block: UnsafeRawPointer) -> __m128i { block.loadUnaligned(as: __m128i.self) }

    @inline(__always)
    static func vector(_ block: UnsafeRawPointer, _ header: __m128i, _ v: Int) -> (values: __m256i, scales: __m256i) {
        let bits = block.loadUnaligned(fromByteOffset: 16 + 32 * (v >> 2), as: __m256i.self)
        let values = _mm256_and_si256(_mm256_srli_epi16(bits, Int32(2 * (v & 3))), _mm256_set1_epi8(3))
        return (values, groupScales(_mm_and_si128(header, _mm_set1_epi8(0x0F)), v))
    }

    @inline(__always)
    static func accumulate(_ block: UnsafeRawPointer, _ header: __m128i, sums: __m256i, activationScale: Float,
                           groupSums: UnsafeRawPointer, into accumulator: inout __m256, minimum: inout __m128) {
        let (scale, minimumScale) = loadHalfPair(block + 80)
        let d = activationScale * scale
        let dmin = -activationScale * minimumScale
        let minimums = _mm256_cvtepi8_epi16(_mm_and_si128(_mm_srli_epi16(header, 4), _mm_set1_epi8(0x0F)))
        let products = _mm256_madd_epi16(minimums, groupSums.loadUnaligned(as: __m256i.self))
        accumulator = _mm256_fmadd_ps(_mm256_set1_ps(dmin), _mm256_cvtepi32_ps(products), accumulator)
        accumulator = _mm256_fmadd_ps(_mm256_set1_ps(d), _mm256_cvtepi32_ps(sums), accumulator)
    }
}

/// Q3_K: `u8 hmask[32]; u8 qs[64]; u8 scales[12]; f16 d` — 16 groups of 16 with 6-bit scales stored minus 32,
/// `w = d·(sc − 32)·(q − 4)`, 0 ≤ q < 8: the low 2 bits of vector v = 4h + r are bits 2r, 2r + 1 of
/// `qs[32h ..< +32]`, the third is bit v of `hmask`.
///
/// As ggml: `(q − 4)·a = qˡ·a − h·a` with `h = 4` where the third bit is clear, both products on `vpmaddubsw`
/// and subtracted in Int16 before scaling — exact, and in ggml's lanes.
enum Q3_KBlock: KQuantWeightBlock {
    static var byteCount: Int { 110 }

    /// The 16 scales `sc − 32` as signed bytes (ggml's 32-bit-word unpacking of the 12 bytes).
    @inline(__always)
    static func header(_ block: UnsafeRawPointer) -> __m128i {
        let kmask1: UInt32 = 0x0303_0303, kmask2: UInt32 = 0x0F0F_0F0F
        let a0 = block.loadUnaligned(fromByteOffset: 96, as: UInt32.self)
        let a1 = block.loadUnaligned(fromByteOffset: 100, as: UInt32.self)
        let a2 = block.loadUnaligned(fromByteOffset: 104, as: UInt32.self)
        let w3 = ((a1 >> 4) & kmask2) | (((a2 >> 6) & kmask1) << 4)
        let w2 = ((a0 >> 4) & kmask2) | (((a2 >> 4) & kmask1) << 4)
        let w1 = (a1 & kmask2) | (((a2 >> 2) & kmask1) << 4)
        let w0 = (a0 & kmask2) | ((a2 & kmask1) << 4)
        let packed = _mm_set_epi32(Int32(bitPattern: w3), Int32(bitPattern: w2), Int32(bitPattern: w1), Int32(bitPattern: w0))
        return _mm_sub_epi8(packed, _mm_set1_epi8(32))
    }

    @inline(__always)
    static func vector(_ block: UnsafeRawPointer, _ header: __m128i, _ v: Int) -> (low: __m256i, high: __m256i, scales: __m256i) {
        let bits = block.loadUnaligned(fromByteOffset: 32 + 32 * (v >> 2), as: __m256i.self)
        let low = _mm256_and_si256(_mm256_srli_epi16(bits, Int32(2 * (v & 3))), _mm256_set1_epi8(3))
        let mask = block.loadUnaligned(as: __m256i.self)
        let clear = _mm256_andnot_si256(mask, _mm256_set1_epi8(Int8(bitPattern: UInt8(1) << UInt8(v))))
        let high = _mm256_slli_epi16(_mm256_srli_epi16(clear, Int32(v)), 2)
        return (low, high, groupScales(header, v))
    }

    @inline(__always)
    static func product(_ vector: (low: __m256i, high: __m256i, scales: __m256i), _ a: __m256i) -> __m256i {
        let pairs = _mm256_sub_epi16(_mm256_maddubs_epi16(vector.low, a), _mm256_maddubs_epi16(vector.high, a))
        return _mm256_madd_epi16(vector.scales, pairs)
    }

    @inline(__always)
    static func accumulate(_ block: UnsafeRawPointer, _ header: __m128i, sums: __m256i, activationScale: Float,
                           groupSums: UnsafeRawPointer, into accumulator: inout __m256, minimum: inout __m128) {
        let d = activationScale * loadHalf(block, 108)
        accumulator = _mm256_fmadd_ps(_mm256_set1_ps(d), _mm256_cvtepi32_ps(sums), accumulator)
    }
}
