import Foundation
import Testing
import Flint
import FlintTestSupport

/// Whether each value is within `relative`·|expected| (plus a tiny absolute slack) of the
/// expected one; NaN matches NaN and infinities must match exactly.
private func close(_ actual: [Float], _ expected: [Float], relative: Float = 2e-6) -> Bool {
    guard actual.count == expected.count else { return false }
    for (a, e) in zip(actual, expected) {
        if e.isNaN { if !a.isNaN { return false } else { continue } }
        if e.isInfinite { if a != e { return false } else { continue } }
        if Swift.abs(a - e) > relative * Swift.abs(e) + 1e-30 { return false }
    }
    return true
}

/// The largest error of `vector` against the Double reference `reference`, in units in the last
/// place of the correctly rounded float result, over `count` evenly spaced points in [low, high].
private func maxULPError(low: Float, high: Float, count: Int = 40_000,
                         _ vector: (SIMD8<Float>) -> SIMD8<Float>, _ reference: (Double) -> Double) -> Double {
    var worst = 0.0
    var i = 0
    while i < count {
        var v = SIMD8<Float>()
        for k in 0..<8 { v[k] = low + (high - low) * Float(i + k) / Float(count - 1) }
        let y = vector(v)
        for k in 0..<8 {
            let exact = reference(Double(v[k]))
            let rounded = Float(exact)
            if rounded.isNaN || rounded.isInfinite || y[k].isNaN || y[k].isInfinite {
                if !(rounded.isNaN && y[k].isNaN) && rounded != y[k] { return .infinity }
                continue
            }
            let ulp = Double(Swift.max(rounded.magnitude.ulp, Float.leastNonzeroMagnitude))
            worst = Swift.max(worst, Swift.abs(Double(y[k]) - exact) / ulp)
        }
        i += 8
    }
    return worst
}

@Suite struct UnaryMathTests {
    // MARK: Vector math accuracy against the C library

    @Test func vectorExpAccuracySweep() {
        #expect(maxULPError(low: -103.9, high: 88.72, VectorMath.exp, Foundation.exp) <= 1.5)
        #expect(maxULPError(low: -1, high: 1, VectorMath.exp, Foundation.exp) <= 1.5)
        // Subnormal results and the overflow edge.
        #expect(maxULPError(low: -87.5, high: -86.5, count: 8_000, VectorMath.exp, Foundation.exp) <= 1.5)
        #expect(maxULPError(low: 88.0, high: 88.72, count: 8_000, VectorMath.exp, Foundation.exp) <= 1.5)
    }

    @Test func vectorGELUAccuracySweep() {
        // Against the Double reference over [-10, 10]: |error| ≤ 2·10⁻⁷·max(1, |x|).
        let count = 400_000
        var worst = 0.0
        var i = 0
        while i < count {
            var v = SIMD8<Float>()
            for k in 0..<8 { v[k] = -10 + 20 * Float(i + k) / Float(count - 1) }
            let y = VectorMath.gelu(v)
            for k in 0..<8 {
                let x = Double(v[k])
                let exact = 0.5 * x * (1 + Foundation.erf(x / 2.0.squareRoot()))
                worst = Swift.max(worst, Swift.abs(Double(y[k]) - exact) / Swift.max(1, Swift.abs(x)))
            }
            i += 8
        }
        #expect(worst <= 2e-7)
        #expect(VectorMath.gelu(Float(0)) == 0)
        #expect(VectorMath.gelu(Float(1e6)) == 1e6)
        #expect(Swift.abs(VectorMath.gelu(Float(-1e3))) <= 1e3 * 2e-7)
        #expect(VectorMath.gelu(Float.nan).isNaN)
    }

    @Test func vectorLogAccuracySweep() {
        #expect(maxULPError(low: 1e-6, high: 10, VectorMath.log, Foundation.log) <= 1.5)
        #expect(maxULPError(low: 0.5, high: 2, VectorMath.log, Foundation.log) <= 1.5)
        #expect(maxULPError(low: 1, high: 3e38, VectorMath.log, Foundation.log) <= 1.5)
        // Subnormal inputs.
        #expect(maxULPError(low: Float.leastNonzeroMagnitude, high: 1e-38, count: 8_000, VectorMath.log, Foundation.log) <= 1.5)
    }

    @Test func vectorTanhErfSigmoidAccuracySweeps() {
        #expect(maxULPError(low: -10, high: 10, VectorMath.tanh, Foundation.tanh) <= 2)
        #expect(maxULPError(low: -0.7, high: 0.7, VectorMath.tanh, Foundation.tanh) <= 2)
        #expect(maxULPError(low: -5, high: 5, VectorMath.erf, Foundation.erf) <= 2)
        #expect(maxULPError(low: -1.2, high: 1.2, VectorMath.erf, Foundation.erf) <= 2)
        // erfc keeps relative accuracy deep in the tail (8 ulp ≈ 5e-7 relative).
        #expect(maxULPError(low: -3, high: 9.5, VectorMath.erfc, Foundation.erfc) <= 8)
        #expect(maxULPError(low: -20, high: 20, VectorMath.sigmoid, { 1 / (1 + Foundation.exp(-$0)) }) <= 3)
        // Subnormal results below −87 (where e^{−x} overflows).
        #expect(maxULPError(low: -103, high: -80, count: 8_000, VectorMath.sigmoid, { 1 / (1 + Foundation.exp(-$0)) }) <= 3)
    }

    @Test func vectorMathEdgeCases() {
        let inf = Float.infinity, nan = Float.nan
        let e = VectorMath.exp(SIMD8<Float>(inf, -inf, nan, 89, -104, 0, -0.0, 88.7))
        #expect(e[0] == inf && e[1] == 0 && e[2].isNaN && e[3] == inf && e[4] == 0 && e[5] == 1 && e[6] == 1)
        #expect(close([e[7]], [Float(Foundation.exp(Double(Float(88.7))))]))
        let l = VectorMath.log(SIMD8<Float>(0, -1, inf, nan, 1, -inf, Float.leastNonzeroMagnitude, -0.0))
        #expect(l[0] == -inf && l[1].isNaN && l[2] == inf && l[3].isNaN && l[4] == 0 && l[5].isNaN)
        #expect(close([l[6]], [-103.27893]))
        #expect(l[7] == -inf)
        let t = VectorMath.tanh(SIMD8<Float>(inf, -inf, nan, 20, -20, 0, 1e-30, -0.3))
        #expect(t[0] == 1 && t[1] == -1 && t[2].isNaN && t[3] == 1 && t[4] == -1 && t[5] == 0 && t[6] == 1e-30)
        let r = VectorMath.erf(SIMD8<Float>(inf, -inf, nan, 4, -4, 0, 1e-30, 0.5))
        #expect(r[0] == 1 && r[1] == -1 && r[2].isNaN && r[3] == 1 && r[4] == -1 && r[5] == 0)
        #expect(close([r[6], r[7]], [1.1283792e-30, 0.5204999]))
        let c = VectorMath.erfc(SIMD8<Float>(inf, -inf, nan, 3, 5, 9, -2, 20))
        #expect(c[0] == 0 && c[1] == 2 && c[2].isNaN && c[7] == 0)
        #expect(close([c[3], c[4], c[5], c[6]], [2.2090497e-05, 1.5374598e-12, 4.1370317e-37, 1.9953223], relative: 1e-6))
    }

    // MARK: Values

    @Test func expLogSqrtValues() {
        #expect(close(Tensor([0, 1, -1, 2, -100]).exp().toArray(), [1, 2.7182817, 0.36787945, 7.389056, Float(3.7835059e-44 as Double)]))
        #expect(close(Tensor([1, 2.7182817, 10, 0.5, 0, -1]).log().toArray(), [0, 0.99999994, 2.3025851, -0.6931472, -.infinity, .nan]))
        #expect(Tensor([4, 2, 0, 9]).sqrt().toArray() == [2, 1.4142135, 0, 3])
        #expect(Tensor([4, 0.25, 1]).rsqrt().toArray() == [0.5, 2, 1])
        #expect(Tensor([-2, 0, 3]).abs().toArray() == [2, 0, 3])
        #expect(Tensor([-2, 0.5, 3]).square().toArray() == [4, 0.25, 9])
    }

    @Test func activationValues() {
        #expect(close(Tensor([0.5, -2, 0, 30]).tanh().toArray(), [0.46211717, -0.9640276, 0, 1]))
        #expect(close(Tensor([0, 2, -200, 200]).sigmoid().toArray(), [0.5, 0.8807971, 0, 1]))
        #expect(Tensor([-1, 0, 2, .nan]).relu().toArray().prefix(3) == [0, 0, 2])
        #expect(Tensor([Float.nan]).relu().toArray()[0].isNaN)
        #expect(close(Tensor([1, -1, 2, -3, 0.5, 0]).gelu().toArray(),
                      [0.8413447, -0.15865526, 1.9544997, -0.0040496942, 0.34573123, 0]))
        #expect(close(Tensor([1, -1, 2, -3, 0.5, 0]).gelu(approximation: .tanh).toArray(),
                      [0.841192, -0.15880801, 1.9545977, -0.003637392, 0.345714, 0]))
        #expect(close(Tensor([1, -1, 2, 0]).silu().toArray(), [0.7310586, -0.26894143, 1.7615942, 0]))
        // GELU keeps relative accuracy far in the negative tail: x·Φ(x) at −10 ≈ −7.6946e-23.
        #expect(close(Tensor([-10]).gelu().toArray(), [-7.6198530e-23], relative: 1e-5))
    }

    @Test func clampValues() {
        let x = Tensor([-2, -0.5, 0, 0.5, 2, .nan])
        let both = x.clamp(min: -1, max: 1).toArray()
        #expect(Array(both.prefix(5)) == [-1, -0.5, 0, 0.5, 1] && both[5].isNaN)
        #expect(Array(x.clamp(min: 0).toArray().prefix(5)) == [0, 0, 0, 0.5, 2])
        #expect(Array(x.clamp(max: 0).toArray().prefix(5)) == [-2, -0.5, 0, 0, 0])
        // A lower bound above the upper one gives the upper bound, as torch.clamp.
        #expect(Array(x.clamp(min: 3, max: 1).toArray().prefix(5)) == [1, 1, 1, 1, 1])
    }

    @Test func powValues() {
        let x = Tensor([2, -2, 3, 0.5])
        #expect(x.pow(3).toArray() == [8, -8, 27, 0.125])
        #expect(x.pow(2).toArray() == [4, 4, 9, 0.25])
        #expect(x.pow(0).toArray() == [1, 1, 1, 1])
        #expect(x.pow(-1).toArray() == [0.5, -0.5, 1 / 3, 2])
        #expect(x.pow(-2).toArray() == [0.25, 0.25, 1 / 9, 4])
        #expect(x.pow(4).toArray() == [16, 16, 81, 0.0625])
        let roots = x.pow(0.5).toArray()
        #expect(roots[1].isNaN && close([roots[0], roots[2], roots[3]], [1.4142135, 1.7320508, 0.70710677]))
        let general = x.pow(1.5).toArray()
        #expect(general[1].isNaN && close([general[0], general[2]], [2.828427, 5.196152]))
        #expect(close(Tensor([4]).pow(-0.5).toArray(), [0.5]))
        // Tensor exponent with broadcasting: rows [1, 2], [3, 4] to the powers [2, 0.5].
        let base = Tensor([1, 2, 3, 4], shape: [2, 2])
        #expect(close(base.pow(Tensor([2, 0.5])).toArray(), [1, 1.4142135, 9, 2]))
        #expect(base.pow(Tensor([2, 0.5])).shape == [2, 2])
    }

    @Test func nonContiguousInputs() {
        let x = Tensor([1, 2, 3, 4, 5, 6], shape: [2, 3]).transposed()
        #expect(close(x.exp().toArray(), [1, 4, 2, 5, 3, 6].map { Float(Foundation.exp(Double($0))) }))
        #expect(x.clamp(min: 2, max: 4).toArray() == [2, 4, 2, 4, 3, 4])
        #expect(x.square().toArray() == [1, 16, 4, 25, 9, 36])
        #expect(x.pow(3).toArray() == [1, 64, 8, 125, 27, 216])
    }

    @Test func longTensorsMatchScalarPath() {
        // 1000 elements: SIMD body, scalar tail and (above the threshold) parallel rows agree.
        let values = (0..<100_003).map { Float($0 % 2001) / 100 - 10 }
        let y = Tensor(values).gelu().toArray()
        var worst: Float = 0
        for i in stride(from: 0, to: values.count, by: 997) {
            let x = Double(values[i])
            let exact = Float(0.5 * x * Foundation.erfc(-x / 2.0.squareRoot()))
            worst = Swift.max(worst, Swift.abs(y[i] - exact) / Swift.max(Swift.abs(exact), 1e-30))
        }
        #expect(worst < 1e-6)
    }

    // MARK: Gradients

    @Test func expLogSqrtGradients() {
        let x = GradientCheck.random([3, 4], seed: 11, low: 0.5, high: 2)
        #expect(GradientCheck.maxError([x], epsilon: 1e-3) { $0[0].exp() } < 1e-2)
        #expect(GradientCheck.maxError([x], epsilon: 1e-3) { $0[0].log() } < 1e-2)
        #expect(GradientCheck.maxError([x], epsilon: 1e-3) { $0[0].sqrt() } < 1e-2)
        #expect(GradientCheck.maxError([x], epsilon: 1e-3) { $0[0].rsqrt() } < 1e-2)
        #expect(GradientCheck.maxError([x], epsilon: 1e-3) { $0[0].square() } < 1e-2)
        // Non-contiguous input.
        #expect(GradientCheck.maxError([x], epsilon: 1e-3) { $0[0].transposed().exp() } < 1e-2)
        #expect(GradientCheck.maxError([x], epsilon: 1e-3) { $0[0].transposed().log() } < 1e-2)
    }

    @Test func activationGradients() {
        let x = GradientCheck.random([4, 5], seed: 12, low: -3, high: 3)
        #expect(GradientCheck.maxError([x], epsilon: 1e-3) { $0[0].tanh() } < 1e-2)
        #expect(GradientCheck.maxError([x], epsilon: 1e-3) { $0[0].sigmoid() } < 1e-2)
        #expect(GradientCheck.maxError([x], epsilon: 1e-3) { $0[0].gelu() } < 1e-2)
        #expect(GradientCheck.maxError([x], epsilon: 1e-3) { $0[0].gelu(approximation: .tanh) } < 1e-2)
        #expect(GradientCheck.maxError([x], epsilon: 1e-3) { $0[0].silu() } < 1e-2)
        #expect(GradientCheck.maxError([x], epsilon: 1e-3) { $0[0].relu() } < 1e-2)
        #expect(GradientCheck.maxError([x], epsilon: 1e-3) { $0[0].abs() } < 1e-2)
        #expect(GradientCheck.maxError([x], epsilon: 1e-3) { $0[0].transposed().gelu() } < 1e-2)
        #expect(GradientCheck.maxError([x], epsilon: 1e-3) { $0[0].transposed().silu() * $0[0].transposed().tanh() } < 1e-2)
    }

    @Test func clampAndPowGradients() {
        let x = GradientCheck.random([4, 5], seed: 13, low: -2, high: 2)
        #expect(GradientCheck.maxError([x], epsilon: 1e-3) { $0[0].clamp(min: -0.7, max: 0.9) } < 1e-2)
        #expect(GradientCheck.maxError([x], epsilon: 1e-3) { $0[0].clamp(min: 0.1) } < 1e-2)
        #expect(GradientCheck.maxError([x], epsilon: 1e-3) { $0[0].pow(3) } < 1e-2)
        #expect(GradientCheck.maxError([x], epsilon: 1e-3) { $0[0].pow(2) } < 1e-2)
        #expect(GradientCheck.maxError([x], epsilon: 1e-3) { $0[0].transposed().pow(0) } < 1e-2)
        let positive = GradientCheck.random([4, 5], seed: 14, low: 0.5, high: 2)
        #expect(GradientCheck.maxError([positive], epsilon: 1e-3) { $0[0].pow(1.7) } < 1e-2)
        #expect(GradientCheck.maxError([positive], epsilon: 1e-3) { $0[0].pow(-0.5) } < 1e-2)
        // Tensor exponent, broadcast over rows: gradients to both base and exponent.
        let exponent = GradientCheck.random([5], seed: 15, low: -1.5, high: 2.5)
        #expect(GradientCheck.maxError([positive, exponent], epsilon: 1e-3) { $0[0].pow($0[1]) } < 1e-2)
        #expect(GradientCheck.maxError([positive, exponent], epsilon: 1e-3) { $0[0].transposed().pow($0[1].unsqueezed(1)) } < 1e-2)
    }

    @Test func gradientsAtKinks() {
        // relu'(0) = 0 as PyTorch; clamp passes the gradient where min <= x <= max, bounds included.
        let x = Tensor([-1, 0, 2]).requiringGrad()
        x.relu().sum().backward()
        #expect(x.grad?.toArray() == [0, 0, 1])
        let y = Tensor([-1, -0.5, 0, 1, 2]).requiringGrad()
        y.clamp(min: -0.5, max: 1).sum().backward()
        #expect(y.grad?.toArray() == [0, 1, 1, 1, 0])
        let z = Tensor([-3, 0, 3]).requiringGrad()
        z.abs().sum().backward()
        #expect(z.grad?.toArray() == [-1, 0, 1])
        // d/db aᵇ at a = 0, b > 0 is 0 rather than NaN (0·log 0), as PyTorch.
        let a = Tensor([0, 2]).requiringGrad(), b = Tensor([2, 3]).requiringGrad()
        a.pow(b).sum().backward()
        #expect(a.grad?.toArray() == [0, 12])
        #expect(close(b.grad!.toArray(), [0, 8 * 0.6931472]))
    }

    @Test func freeFunctionsStayUsableInTensorExtensions() {
        #expect(close([Tensor.forwarderProbe(4)], [2 + Float(Foundation.exp(1.0)) + 3 + 2]))
    }
}

extension Tensor {
    /// Uses the C math functions unqualified inside a Tensor extension (they are shadowed by the
    /// members of the same names without the forwarders).
    fileprivate static func forwarderProbe(_ n: Int) -> Float {
        let root: Float = sqrt(Float(n))
        let e = Float(exp(1.0))
        return root + e + Float(max(3, n - 1)) + abs(Float(-2)) + (pow(1, 2) - 1) + log(1 as Float) + tanh(0 as Float)
    }
}
