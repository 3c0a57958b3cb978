// SIMD8<Float> helpers for FlintNN's fused kernels (losses, optimizers). Transcendentals come
// from Flint's `VectorMath`; the load/store helpers mirror Flint's internal ones.

import Flint

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
        let e = VectorMath.exp(loadVector(x + i) - vs)
        storeVector(e, output + i)
        total += e
        i += 8
    }
    var s = total.sum()
    if i < n {
        // Tail through the same SIMD routine for identical rounding.
        var lanes = SIMD8<Float>(repeating: -.infinity)
        for j in i..<n { lanes[j - i] = x[j] - shift }
        let e = VectorMath.exp(lanes)
        for j in i..<n {
            output[j] = e[j - i]
            s += e[j - i]
        }
    }
    return s
}
