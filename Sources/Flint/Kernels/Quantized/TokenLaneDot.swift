import _Builtin_intrinsics.intel

extension QuantizedDot {
    /// Dword `k` of each 128-bit half of `v` (bytes `4k…4k+3` and `16+4k…16+4k+3`) spread over that half
    /// (`vpshufb`, one in-lane shuffle).
    @inline(__always)
    static func spreadDword(_ v: __m256i, _ k: Int) -> __m256i {
        let b = Int8(4 * k)
        let pattern = _mm256_setr_epi8(b, b + 1, b + 2, b + 3, b, b + 1, b + 2, b + 3, b, b + 1, b + 2, b + 3, b, b + 1, b + 2, b + 3,
                                       b, b + 1, b + 2, b + 3, b, b + 1, b + 2, b + 3, b, b + 1, b + 2, b + 3, b, b + 1, b + 2, b + 3)
        return _mm256_shuffle_epi8(v, pattern)
    }

    /// `[Σ tokens 0–3 | Σ tokens 4–7]` from the two halves' partial sums `[t0…t3 (dwords 0–3) | t0…t3 (dwords
    /// 4–7)]` and the same for tokens 4–7.
    @inline(__always)
    static func combineHalves(_ low: __m256i, _ high: __m256i) -> __m256i {
        let l = unsafeBitCast(low, to: SIMD8<Int32>.self), h = unsafeBitCast(high, to: SIMD8<Int32>.self)
        return unsafeBitCast(SIMD8(lowHalf: l.lowHalf &+ l.highHalf, highHalf: h.lowHalf &+ h.highHalf), to: __m256i.self)
    }

    /// One weight row against 8 tokens (group `group` of ``TokenLaneActivations``), the 8 results in the 8 lanes:
    /// `out[j · outputStride] = Σ_c W[row, c] · x[8·group + j, c]`.
    ///
    /// Per block of 32 values the exact integer sum `Σᵢ qʷᵢ qᵃᵢ (− o · Σᵢ qᵃᵢ)` of every token is formed in its own
    /// 32-bit lane — weight dwords `k`/`k + 4` spread over their 128-bit halves times the interleaved
    /// activations' vectors (`vpmaddubsw`; for 4- and 5-bit weights the four 16-bit pair sums of a half are
    /// added before `vpmaddwd` widens them, which cannot overflow since 4 · 2 · 31 · 127 < 2¹⁵) — then converted
    /// once and accumulated `accₖ += (dʷ · dᵃ) · Σ` (`vfmadd`) with `k = b mod 4`, the minimum term `m · sᵃ` in
    /// `extraₖ`, summed `(acc₀ + acc₁) + (acc₂ + acc₃)` at the end: the arithmetic of the 1-token ``dot`` and the
    /// 4-token ``tile``, lane for lane, so a token's result is the same whichever path computes it.
    @inline(__always)
    static func lanes<Block: IntegerWeightBlock>(_ type: Block.Type, row w: UnsafeRawPointer, _ x: TokenLaneActivations,
                                                 group: Int, into out: UnsafeMutablePointer<Float>, outputStride: Int) {
        let ones = _mm256_set1_epi16(1)
        @inline(__always) func step(_ b: Int, _ acc: inout __m256, _ extra: inout __m256) {
            let (values, dw, m) = Block.decode(w + b &* Block.byteCount)
            let a = x.block(group, b)
            let w0 = spreadDword(values, 0), w1 = spreadDword(values, 1), w2 = spreadDword(values, 2), w3 = spreadDword(values, 3)
            var sum: __m256i
            if Block.isSigned {
                @inline(__always) func product(_ wk: __m256i, _ offset: Int) -> __m256i {
                    let ak = a.load(fromByteOffset: offset, as: __m256i.self)
                    return _mm256_madd_epi16(_mm256_maddubs_epi16(_mm256_sign_epi8(wk, wk), _mm256_sign_epi8(ak, wk)), ones)
                }
                let low = _mm256_add_epi32(_mm256_add_epi32(product(w0, 0), product(w1, 32)), _mm256_add_epi32(product(w2, 64), product(w3, 96)))
                let high = _mm256_add_epi32(_mm256_add_epi32(product(w0, 128), product(w1, 160)), _mm256_add_epi32(product(w2, 192), product(w3, 224)))
                sum = combineHalves(low, high)
            } else {
                @inline(__always) func pairs(_ wk: __m256i, _ offset: Int) -> __m256i {
                    _mm256_maddubs_epi16(wk, a.load(fromByteOffset: offset, as: __m256i.self))
                }
                let low = _mm256_add_epi16(_mm256_add_epi16(pairs(w0, 0), pairs(w1, 32)), _mm256_add_epi16(pairs(w2, 64), pairs(w3, 96)))
                let high = _mm256_add_epi16(_mm256_add_epi16(pairs(w0, 128), pairs(w1, 160)), _mm256_add_epi16(pairs(w2, 192), pairs(w3, 224)))
                sum = combineHalves(_mm256_madd_epi16(low, ones), _mm256_madd_epi16(high, ones))
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
        let (acc, extra) = fourChains(blocks: x.blocks, zero: _mm256_setzero_ps(), add: { _mm256_add_ps($0, $1) }, step)
        let result = unsafeBitCast(Block.hasMinimum ? _mm256_add_ps(acc, extra) : acc, to: SIMD8<Float>.self)
        for j in 0..<8 { out[j * outputStride] = result[j] }
    }
}
