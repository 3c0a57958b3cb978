// SIMD8<Float> helpers for FlintNN's fused kernels (losses, optimizers). Transcendentals come
// from Flint's `VectorMath`; loads and stores use Flint's `loadVector` / `storeVector`.

import Flint

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

/// Writes e^(x[i] − shift) to `output[i]` for i < n and returns Σ e^(x[i] − shift) and Σ x[i]
/// (the second for label smoothing), in one pass.
@inline(__always)
func exponentiateShifted(_ x: UnsafePointer<Float>, shift: Float, into output: UnsafeMutablePointer<Float>,
                         _ n: Int) -> (exponentials: Float, values: Float) {
    let vs = SIMD8<Float>(repeating: shift)
    var total = SIMD8<Float>(), values = SIMD8<Float>()
    var i = 0
    while i + 8 <= n {
        let v = loadVector(x + i)
        let e = VectorMath.exp(v - vs)
        storeVector(e, output + i)
        total += e
        values += v
        i += 8
    }
    var s = total.sum(), sx = values.sum()
    if i < n {
        // Tail through the same SIMD routine for identical rounding.
        var lanes = SIMD8<Float>(repeating: -.infinity)
        for j in i..<n { lanes[j - i] = x[j] - shift }
        let e = VectorMath.exp(lanes)
        for j in i..<n {
            output[j] = e[j - i]
            s += e[j - i]
            sx += x[j]
        }
    }
    return (s, sx)
}
