import Flint

/// Test helpers shared by the test targets: finite-difference gradient checks and tolerant
/// comparisons. Not part of the public library products.
public enum GradientCheck {
    /// Compares the autograd gradient of `Σ wᵢ·f(inputs)ᵢ` (fixed pseudo-random weights w) with
    /// central finite differences, accumulated in Double, for every element of every input that
    /// requires grad. Returns the largest error, scaled as |a − n| / max(1, |n|).
    ///
    /// - Parameters:
    ///   - epsilon: the step (float32 inputs: 1e-2 … 1e-3 balances truncation and rounding).
    public static func maxError(_ inputs: [Tensor], epsilon: Float = 1e-2, _ f: ([Tensor]) throws -> Tensor) rethrows -> Double {
        for x in inputs where x.requiresGrad { x.zeroGrad() }
        let probe = try withNoGrad { try f(inputs) }
        var weights: [Float] = []
        var state: UInt64 = 0x9E3779B97F4A7C15
        for _ in 0..<probe.count {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            weights.append(Float((state >> 40) & 0xFFFF) / 65536 * 2 - 1)
        }
        let w = Tensor(weights, shape: probe.shape)
        let loss = (try f(inputs) * w).sum()
        loss.backward()
        func objective() throws -> Double {
            let y = try withNoGrad { try f(inputs) }.toArray()
            var s = 0.0
            for i in 0..<y.count { s += Double(y[i]) * Double(weights[i]) }
            return s
        }
        var worst = 0.0
        for x in inputs where x.requiresGrad {
            require(x.isContiguous, "GradientCheck: inputs must be contiguous")
            let analytic = x.grad?.toArray() ?? [Float](repeating: 0, count: x.count)
            let p = x.pointer(as: Float.self)
            for i in 0..<x.count {
                let saved = p[i]
                p[i] = saved + epsilon
                let plus = try objective()
                p[i] = saved - epsilon
                let minus = try objective()
                p[i] = saved
                let numeric = (plus - minus) / (2 * Double(epsilon))
                let error = abs(Double(analytic[i]) - numeric) / max(1, abs(numeric))
                // A NaN anywhere is a failure (max(worst, NaN) would silently keep `worst`).
                worst = error.isNaN ? .infinity : max(worst, error)
            }
        }
        return worst
    }

    /// A float32 tensor of uniform values in [low, high) from a fixed seed, requiring grad.
    public static func random(_ shape: [Int], seed: UInt64, low: Float = -1, high: Float = 1,
                              requiresGrad: Bool = true) -> Tensor {
        var state = seed &+ 0x2545F4914F6CDD1D
        var values: [Float] = []
        for _ in 0..<Shape.count(shape) {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            values.append(low + (high - low) * Float((state >> 40) & 0xFFFFFF) / Float(1 << 24))
        }
        let t = Tensor(values, shape: shape)
        if requiresGrad { t.requiresGrad = true }
        return t
    }

    /// Whether every pair of values is within `tolerance` (absolute).
    public static func allClose(_ a: [Float], _ b: [Float], tolerance: Float = 1e-5) -> Bool {
        a.count == b.count && zip(a, b).allSatisfy { abs($0 - $1) <= tolerance * max(1, abs($1)) }
    }
}
