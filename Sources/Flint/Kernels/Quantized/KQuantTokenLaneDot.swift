import _Builtin_intrinsics.intel

extension Q4_KBlock {
    /// One Q4_K weight row against 8 tokens (group `group` of ``SuperBlockTokenLanes``), the 8 results in the
    /// 8 lanes: `out[j · outputStride] = Σ_c W[row, c] · x[8·group + j, c]`.
    ///
    /// Per super-block, each token's exact integer totals are formed in its own 32-bit lane:
    /// - `T = Σ_g sc_g · Σ_{i<32} qʷ_{g,i} qᵃ_{g,i}`: for each sub-block g, weight dwords `k`/`k + 4` spread over
    ///   their 128-bit halves times the interleaved activations (`vpmaddubsw`), the four 16-bit pair sums of a
    ///   half added (at most 4 · 2 · 15 · 127 < 2¹⁵, no overflow), then `vpmaddwd` against the broadcast 6-bit
    ///   scale `sc_g` widens and scales them; the 8 sub-blocks add on 32 bits (|T| ≤ 8 · 63 · 32 · 15 · 127);
    /// - `M = Σ_g m_g · G_g` with the sub-block sums `G_g`: four `vpmaddwd` of `(m₂ₚ, m₂ₚ₊₁)` against `(G₂ₚ, G₂ₚ₊₁)`.
    ///
    /// Then `acc = fma(dᵃ·d, float(T), acc)` and `minimum = fma(−dᵃ·dmin, float(M), minimum)`, the result
    /// `acc + minimum`: lane for lane the arithmetic of this type's 1-token dot and 4-token tile, so a
    /// token's result is the same whichever path computes it. Where the 4-token tile decodes each weight vector
    /// for 4 tokens and sums every token's 8 lanes, this decodes it for 8 and needs one conversion and one FMA
    /// per block for all 8 (llama.cpp reaches the same reuse by repacking Q4_K weights 8 rows at a time).
    @inline(__always)
    static func lanes(row w: UnsafeRawPointer, _ activations: SuperBlockActivations, _ x: SuperBlockTokenLanes, group: Int,
                      into out: UnsafeMutablePointer<Float>, outputStride: Int) {
        var acc = _mm256_setzero_ps(), minimum = acc
        let mask = _mm256_set1_epi8(0x0F)
        for b in 0..<x.blocks {
            let block = w + b &* Q4_KBlock.byteCount
            let header = unpackScalesK4(block + 4)  // Int16 scales in lanes 0…7, minimums in 8…15
            let halves = unsafeBitCast(header, to: (__m128i, __m128i).self)
            let scales = _mm256_set_m128i(halves.0, halves.0), minimums = _mm256_set_m128i(halves.1, halves.1)
            var low = _mm256_setzero_si256(), high = low
            @inline(__always) func subBlock(_ values: __m256i, _ g: Int) {
                let a = x.subBlock(group, b, g)
                let w0 = QuantizedDot.spreadDword(values, 0), w1 = QuantizedDot.spreadDword(values, 1)
                let w2 = QuantizedDot.spreadDword(values, 2), w3 = QuantizedDot.spreadDword(values, 3)
                @inline(__always) func pairs(_ wk: __m256i, _ offset: Int) -> __m256i {
                    _mm256_maddubs_epi16(wk, a.load(fromByteOffset: offset, as: __m256i.self))
                }
                let scale = broadcastScaleK4(scales, g)
                let first = _mm256_add_epi16(_mm256_add_epi16(pairs(w0, 0), pairs(w1, 32)), _mm256_add_epi16(pairs(w2, 64), pairs(w3, 96)))
                let second = _mm256_add_epi16(_mm256_add_epi16(pairs(w0, 128), pairs(w1, 160)), _mm256_add_epi16(pairs(w2, 192), pairs(w3, 224)))
                low = _mm256_add_epi32(low, _mm256_madd_epi16(first, scale))
                high = _mm256_add_epi32(high, _mm256_madd_epi16(second, scale))
            }
            for c in 0..<4 {
                let bits = block.loadUnaligned(fromByteOffset: 16 &+ 32 &* c, as: __m256i.self)
                subBlock(_mm256_and_si256(bits, mask), 2 &* c)
                subBlock(_mm256_and_si256(_mm256_srli_epi16(bits, 4), mask), 2 &* c &+ 1)
            }
            let total = QuantizedDot.combineHalves(low, high)
            let sums = x.subBlockSumVectors(group, b)
            var minimumTotal = _mm256_madd_epi16(QuantizedDot.spreadDword(minimums, 0), sums.load(as: __m256i.self))
            minimumTotal = _mm256_add_epi32(minimumTotal, _mm256_madd_epi16(QuantizedDot.spreadDword(minimums, 1), sums.load(fromByteOffset: 32, as: __m256i.self)))
            minimumTotal = _mm256_add_epi32(minimumTotal, _mm256_madd_epi16(QuantizedDot.spreadDword(minimums, 2), sums.load(fromByteOffset: 64, as: __m256i.self)))
            minimumTotal = _mm256_add_epi32(minimumTotal, _mm256_madd_epi16(QuantizedDot.spreadDword(minimums, 3), sums.load(fromByteOffset: 96, as: __m256i.self)))
            let (scale, minimumScale) = loadHalfPair(block)
            let activationScales = x.scaleVector(group, b).load(as: __m256.self)
            let d = _mm256_mul_ps(activationScales, _mm256_set1_ps(scale))
            let dmin = _mm256_mul_ps(_mm256_xor_ps(activationScales, _mm256_set1_ps(-0.0)), _mm256_set1_ps(minimumScale))
            acc = _mm256_fmadd_ps(d, _mm256_cvtepi32_ps(total), acc)
            minimum = _mm256_fmadd_ps(dmin, _mm256_cvtepi32_ps(minimumTotal), minimum)
        }
        let result: SIMD8<Float> = _mm256_add_ps(acc, minimum)
        for j in 0..<8 { out[j &* outputStride] = result[j] }
    }
}

extension Q6_KBlock {
    /// One Q6_K weight row against 8 tokens (group `group` of ``SuperBlockTokenLanes``), the 8 results in the
    /// 8 lanes.
    ///
    /// Per super-block, each token's exact integer total `Σ_g sc_g · Σ_{i∈g} qʷᵢqᵃᵢ − 32 · Σ_g sc_g · bsums_g`
    /// (16 groups of 16, signed 8-bit scales, 0 ≤ qʷ < 64) is formed in its own 32-bit lane: for each vector v of
    /// 32 values, weight dwords `k`/`k + 4` spread over their 128-bit halves times the interleaved activations
    /// (`vpmaddubsw`), two pair sums added on 16 bits (at most 2 · 2 · 63 · 127 < 2¹⁵), then `vpmaddwd` against
    /// the scales `sc₂ᵥ` (low half: values 0…15) and `sc₂ᵥ₊₁` (high half); the offset term from the group sums
    /// with 8 `vpmaddwd` of scale pairs against group-sum pairs. Then `acc = fma(dᵃ·d, float(total), acc)`: lane
    /// for lane the arithmetic of this type's 1-token dot and 4-token tile.
    @inline(__always)
    static func lanes(row w: UnsafeRawPointer, _ activations: SuperBlockActivations, _ x: SuperBlockTokenLanes, group: Int,
                      into out: UnsafeMutablePointer<Float>, outputStride: Int) {
        var acc = _mm256_setzero_ps()
        for b in 0..<x.blocks {
            let block = w + b &* byteCount
            let header = Q6_KBlock.header(block)
            let wide = _mm256_cvtepi8_epi16(header)  // sc₀…sc₁₅ as Int16
            let halves = unsafeBitCast(wide, to: (__m128i, __m128i).self)
            let lowPairs = _mm256_set_m128i(halves.0, halves.0), highPairs = _mm256_set_m128i(halves.1, halves.1)
            var low = _mm256_setzero_si256(), high = low
            for v in 0..<8 {
                let (values, scales) = Q6_KBlock.vector(block, header, v)
                let a = x.subBlock(group, b, v)
                let w0 = QuantizedDot.spreadDword(values, 0), w1 = QuantizedDot.spreadDword(values, 1)
                let w2 = QuantizedDot.spreadDword(values, 2), w3 = QuantizedDot.spreadDword(values, 3)
                @inline(__always) func pairs(_ wk: __m256i, _ offset: Int) -> __m256i {
                    _mm256_maddubs_epi16(wk, a.load(fromByteOffset: offset, as: __m256i.self))
                }
                low = _mm256_add_epi32(low, _mm256_add_epi32(_mm256_madd_epi16(_mm256_add_epi16(pairs(w0, 0), pairs(w1, 32)), scales),
                                                             _mm256_madd_epi16(_mm256_add_epi16(pairs(w2, 64), pairs(w3, 96)), scales)))
                high = _mm256_add_epi32(high, _mm256_add_epi32(_mm256_madd_epi16(_mm256_add_epi16(pairs(w0, 128), pairs(w1, 160)), scales),
                                                               _mm256_madd_epi16(_mm256_add_epi16(pairs(w2, 192), pairs(w3, 224)), scales)))
            }
            let sums = x.groupSumVectors(group, b)
            var offsets = _mm256_setzero_si256()
            for q in 0..<4 {
                offsets = _mm256_add_epi32(offsets, _mm256_madd_epi16(QuantizedDot.spreadDword(lowPairs, q), sums.load(fromByteOffset: 32 &* q, as: __m256i.self)))
                offsets = _mm256_add_epi32(offsets, _mm256_madd_epi16(QuantizedDot.spreadDword(highPairs, q), sums.load(fromByteOffset: 32 &* (q &+ 4), as: __m256i.self)))
            }
            let total = _mm256_sub_epi32(QuantizedDot.combineHalves(low, high), _mm256_slli_epi32(offsets, 5))
            let d = _mm256_mul_ps(x.scaleVector(group, b).load(as: __m256.self), _mm256_set1_ps(loadHalf(block, 208)))
            acc = _mm256_fmadd_ps(d, _mm256_cvtepi32_ps(total), acc)
        }
        let result: SIMD8<Float> = acc
        for j in 0..<8 { out[j &* outputStride] = result[j] }
    }
}
