// SIMD8<Float> helpers for FlintNN's fused kernels (losses, optimizers).

/// Loads eight floats from a possibly unaligned address.
@inline(__always)
func loadVector(_ p: UnsafePointer<Float>) -> SIMD8<Float> {
    UnsafeRawPointer(p).loadUnaligned(as: SIMD8<Float>.self)
}

/// Stores eight floats to a possibly unaligned address.
@inline(__always)
func storeVector(_ v: SIMD8<Float>, _ p: UnsafeMutablePointer<Float>) {
    UnsafeMutableRawPointer(p).storeBytes(of: v, as: SIMD8<Float>.self)
}

/// eˣ for eight lanes, accurate to about 2 ulp over the float range.
///
/// Range reduction x = n·ln 2 + r with |r| ≤ ln 2 / 2 (ln 2 split into a high and a low part so
/// that n·ln2_hi is exact), then eʳ ≈ 1 + r + r²·P(r) with a degree-5 polynomial P close to the
/// Taylor series (1/2, 1/6, 1/24, …), and 2ⁿ assembled in the exponent bits. Inputs above
/// 88.376 saturate to +∞; inputs below −87.336 (where 2ⁿ would leave the normal range) give 0.
///
/// Written with masks and bit patterns only (no generic SIMD conversions or rounding rules, which
/// the standard library does lane by lane): n is rounded to nearest by adding and subtracting
/// 1.5·2²³, and the same sum's low mantissa bits hold n as an integer.
@inline(__always)
func vectorExp(_ x: SIMD8<Float>) -> SIMD8<Float> {
    let upper = SIMD8<Float>(repeating: 88.3762626647949)
    let lower = SIMD8<Float>(repeating: -87.3365478515625)
    var clamped = x.replacing(with: upper, where: x .> upper)
    clamped.replace(with: lower, where: .!(clamped .>= lower))
    let magic = SIMD8<Float>(repeating: 12_582_912)
    let shifted = clamped * 1.44269504088896341 + magic
    let n = shifted - magic
    var r = clamped - n * 0.693359375
    r = r + n * 2.12194440e-4
    var p = SIMD8<Float>(repeating: 1.9875691500e-4)
    p = p * r + 1.3981999507e-3
    p = p * r + 8.3334519073e-3
    p = p * r + 4.1665795894e-2
    p = p * r + 1.6666665459e-1
    p = p * r + 5.0000001201e-1
    let er = p * (r * r) + r + 1
    // bits(shifted) = bits(magic) + n, so 2ⁿ has exponent field bits(shifted) − bits(magic) + 127.
    let integer = unsafeBitCast(shifted, to: SIMD8<Int32>.self) &- 0x4B40_0000
    let scale = unsafeBitCast((integer &+ 127) &<< 23, to: SIMD8<Float>.self)
    var result = er * scale
    result.replace(with: SIMD8(repeating: .infinity), where: x .> upper)
    result.replace(with: SIMD8(repeating: 0), where: x .< lower)
    return result
}

/// The largest element of `x[0..<n]` (n ≥ 1).
@inline(__always)
func maxContiguous(_ x: UnsafePointer<Float>, _ n: Int) -> Float {
    var i = 0
    var best = -Float.infinity
    if n >= 8 {
        var v = loadVector(x)
        i = 8
        while i + 8 <= n {
            let w = loadVector(x + i)
            v.replace(with: w, where: w .> v)
            i += 8
        }
        for lane in 0..<8 where v[lane] > best { best = v[lane] }
    }
    while i < n {
        if x[i] > best { best = x[i] }
        i += 1
    }
    return best
}

/// Σ x[0..<n] with four SIMD accumulators.
@inline(__always)
func sumContiguous(_ x: UnsafePointer<Float>, _ n: Int) -> Float {
    var a0 = SIMD8<Float>(), a1 = SIMD8<Float>(), a2 = SIMD8<Float>(), a3 = SIMD8<Float>()
    var i = 0
    while i + 32 <= n {
        a0 += loadVector(x + i); a1 += loadVector(x + i + 8)
        a2 += loadVector(x + i + 16); a3 += loadVector(x + i + 24)
        i += 32
    }
    while i + 8 <= n { a0 += loadVector(x + i); i += 8 }
    var s = ((a0 + a1) + (a2 + a3)).sum()
    while i < n { s += x[i]; i += 1 }
    return s
}

/// Writes e^(x[i] − shift) to `output[i]` for i < n and returns their sum.
@inline(__always)
func exponentiateShifted(_ x: UnsafePointer<Float>, shift: Float, into output: UnsafeMutablePointer<Float>,
                         _ n: Int) -> Float {
    let vs = SIMD8<Float>(repeating: shift)
    var total = SIMD8<Float>()
    var i = 0
    while i + 8 <= n {
        let e = vectorExp(loadVector(x + i) - vs)
        storeVector(e, output + i)
        total += e
        i += 8
    }
    var s = total.sum()
    if i < n {
        // Tail through the same SIMD routine for identical rounding.
        var lanes = SIMD8<Float>(repeating: -.infinity)
        for j in i..<n { lanes[j - i] = x[j] - shift }
        let e = vectorExp(lanes)
        for j in i..<n {
            output[j] = e[j - i]
            s += e[j - i]
        }
    }
    return s
}
