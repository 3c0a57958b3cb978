import Foundation
import Flint

/// Rescales gradients so that their combined norm is at most `maxNorm`, as
/// `torch.nn.utils.clip_grad_norm_`.
///
/// The total norm treats every gradient as one long vector: for `normType` p,
/// ‖g‖ = (Σ_tensors Σ_i |g_i|ᵖ)^{1/p} (accumulated in Double), or max |g_i| for p = ∞. When
/// ‖g‖ > maxNorm every gradient is multiplied, in place, by maxNorm / (‖g‖ + 10⁻⁶).
/// Parameters without a gradient are skipped; a non-finite total leaves gradients unchanged.
///
/// - Returns: the total norm before clipping (0 when no parameter has a gradient).
@discardableResult
public func clipGradientNorm(parameters: [Tensor], maxNorm: Float, normType: Float = 2) -> Float {
    precondition(maxNorm >= 0, "clipGradientNorm: maxNorm must be ≥ 0, got \(maxNorm)")
    precondition(normType > 0, "clipGradientNorm: normType must be positive, got \(normType)")
    var gradients: [Tensor] = []
    for parameter in parameters {
        guard let grad = parameter.grad else { continue }
        precondition(grad.dtype == .float32, "clipGradientNorm: gradient dtype \(grad.dtype), expected float32")
        if !grad.isContiguous { parameter.grad = grad.contiguous() }
        gradients.append(parameter.grad!)
    }
    if gradients.isEmpty { return 0 }
    let total: Double
    if normType == .infinity {
        var largest = 0.0
        for g in gradients {
            let p = g.pointer(as: Float.self)
            for i in 0..<g.count { largest = max(largest, Double(abs(p[i]))) }
        }
        total = largest
    } else {
        var sum = 0.0
        for g in gradients {
            sum += normTerms(UnsafePointer(g.pointer(as: Float.self)), g.count, power: normType)
        }
        total = normType == 2 ? sum.squareRoot() : Foundation.pow(sum, 1 / Double(normType))
    }
    let coefficient = Float(Double(maxNorm) / (total + 1e-6))
    if total.isFinite && coefficient < 1 {
        for g in gradients {
            let p = g.pointer(as: Float.self)
            let c = SIMD8<Float>(repeating: coefficient)
            forEachVectorChunk(g.count) { i, lanes in
                storePartial(loadPartial(p + i, lanes) * c, p + i, lanes)
            }
        }
    }
    return Float(total)
}

/// Σ |x_i|ᵖ in Double (SIMD float squares for p = 2, summed per block of 8 into Double).
private func normTerms(_ x: UnsafePointer<Float>, _ n: Int, power: Float) -> Double {
    var sum = 0.0
    if power == 2 {
        var i = 0
        while i + 8 <= n {
            let v = loadVector(x + i)
            sum += Double((v * v).sum())
            i += 8
        }
        while i < n { sum += Double(x[i]) * Double(x[i]); i += 1 }
    } else if power == 1 {
        for i in 0..<n { sum += Double(abs(x[i])) }
    } else {
        for i in 0..<n { sum += Foundation.pow(Double(abs(x[i])), Double(power)) }
    }
    return sum
}
