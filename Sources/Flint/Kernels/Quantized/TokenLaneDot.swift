import _Builtin_intrinsics.intel

extension QuantizedDot {
    /// Dword `k` (bytes `4k…4k+3`) of `v` in every 32-bit lane.
    @inline(__always)
    static func broadcastDword(_ v: __m256i, _ k: Int32) -> __m256i {
        _mm256_permutevar8x32_epi32(v, _mm256_set1_epi32(k))
    }

    /// One weight row against 8 tokens (group `group` of ``TokenLaneActivations``), the 8 results in the 8 lanes:
    /// `out[j · outputStride] = Σ_c W[row, c] · x[8·group + j, c]`.
    ///
    /// Per block of 32 values the exact integer sum `Σᵢ qʷᵢ qᵃᵢ (− o · Σᵢ qᵃᵢ)` of every token is formed in its own
    /// 32-bit lane — weight dword `k` broadcast to all lanes times the interleaved activations' vector `k`
    /// (`vpmaddubsw`; for 4-/5-bit weights up to 8/4 of those 16-bit pair sums are added before `vpmaddwd`
    /// widens them, which cannot overflow since 8 · 2 · 15 · 127 and 4 · 2 · 31 · 127 stay below 2¹⁵) — then
    /// converted once and accumulated `acc += (dʷ · dᵃ) · Σ` (`vfmadd`), the minimum term `m · sᵃ` in a second
    /// vector. This is the order of llama.cpp's repacked AVX2 GEMM (`ggml_gemm_q4_0_8x8_q8_0`: exact block sums,
    /// one FMA per block), and the arithmetic of the 1-token ``dot`` and the 4-token ``tile``, lane for lane: a
    /// token's result is the same whichever path computes it.
    @inline(__always)
    static func lanes<Block: IntegerWeightBlock>(_ type: Block.Type, row w: UnsafeRawPointer, _ x: TokenLaneActivations,
                                                 group: Int, into out: UnsafeMutablePointer<Float>, outputStride: Int) {
        var acc = _mm256_setzero_ps()
        var extra = _mm256_setzero_ps()
        let ones = _mm256_set1_epi16(1)
        for b in 0..<x.blocks {
            let (values, dw, m) = Block.decode(w + b * Block.byteCount)
            let a = x.block(group, b)
            var sum: __m256i
            if Block.isSigned {
                sum = _mm256_setzero_si256()
                for k in 0..<8 {
                    let wk = broadcastDword(values, Int32(k))
                    let ak = a.load(fromByteOffset: 32 * k, as: __m256i.self)
                    sum = _mm256_add_epi32(sum, _mm256_madd_epi16(_mm256_maddubs_epi16(_mm256_sign_epi8(wk, wk), _mm256_sign_epi8(ak, wk)), ones))
                }
            } else if Block.valueBits <= 4 {
                var pairs = _mm256_maddubs_epi16(broadcastDword(values, 0), a.load(as: __m256i.self))
                for k in 1..<8 {
                    pairs = _mm256_add_epi16(pairs, _mm256_maddubs_epi16(broadcastDword(values, Int32(k)), a.load(fromByteOffset: 32 * k, as: __m256i.self)))
                }
                sum = _mm256_madd_epi16(pairs, ones)
            } else {
                var low = _mm256_maddubs_epi16(broadcastDword(values, 0), a.load(as: __m256i.self))
                var high = _mm256_maddubs_epi16(broadcastDword(values, 4), a.load(fromByteOffset: 128, as: __m256i.self))
                for k in 1..<4 {
                    low = _mm256_add_epi16(low, _mm256_maddubs_epi16(broadcastDword(values, Int32(k)), a.load(fromByteOffset: 32 * k, as: __m256i.self)))
                    high = _mm256_add_epi16(high, _mm256_maddubs_epi16(broadcastDword(values, Int32(k + 4)), a.load(fromByteOffset: 32 * (k + 4), as: __m256i.self)))
                }
                sum = _mm256_add_epi32(_mm256_madd_epi16(low, ones), _mm256_madd_epi16(high, ones))
            }
            if Block.offset != 0 {  // 8 (Q4_0) or 16 (Q5_0): a shift
                let integerSums = x.integerSumVector(group, b).load(as: __m256i.self)
                sum = _mm256_sub_epi32(sum, _mm256_slli_epi32(integerSums, Block.offset == 8 ? 3 : 4))
            }
            let d = _mm256_mul_ps(x.scaleVector(group, b).load(as: __m256.self), _mm256_set1_ps(dw))
            acc = _mm256_fmadd_ps(_mm256_cvtepi32_ps(sum), d, acc)
            if Block.hasMinimum {
                extra = _mm256_add_ps(extra, _mm256_mul_ps(_mm256_set1_ps(m), x.sumVector(group, b).load(as: __m256.self)))
            }
        }
        let result = unsafeBitCast(Block.hasMinimum ? _mm256_add_ps(acc, extra) : acc, to: SIMD8<Float>.self)
        for j in 0..<8 { out[j * outputStride] = result[j] }
    }
}
