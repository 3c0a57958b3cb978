import Testing
import Flint
import FlintTestSupport

/// The largest |a − b| / max(1, |b|) (infinite when the counts differ).
private func difference(_ a: [Float], _ b: [Float]) -> Float {
    if a.count != b.count { return .infinity }
    var worst: Float = 0
    for i in a.indices { worst = max(worst, abs(a[i] - b[i]) / max(1, abs(b[i]))) }
    return worst
}

/// Batch norm of an [N, C, S] array with batch statistics, and its input gradient, in Double.
private func referenceBatchNorm(_ x: [Float], n: Int, c: Int, s: Int, weight: [Float], bias: [Float],
                                gradient: [Float], epsilon: Double) -> (output: [Float], input: [Float]) {
    var out = [Float](repeating: 0, count: x.count), gx = [Float](repeating: 0, count: x.count)
    let m = Double(n * s)
    for ch in 0..<c {
        var indices: [Int] = []
        for b in 0..<n { for i in 0..<s { indices.append((b * c + ch) * s + i) } }
        let mean = indices.reduce(0.0) { $0 + Double(x[$1]) } / m
        let variance = indices.reduce(0.0) { $0 + (Double(x[$1]) - mean) * (Double(x[$1]) - mean) } / m
        let rstd = 1 / (variance + epsilon).squareRoot()
        var sumDy = 0.0, sumDyXhat = 0.0
        for i in indices {
            let xhat = (Double(x[i]) - mean) * rstd
            out[i] = Float(xhat * Double(weight[ch]) + Double(bias[ch]))
            sumDy += Double(gradient[i])
            sumDyXhat += Double(gradient[i]) * xhat
        }
        for i in indices {
            let xhat = (Double(x[i]) - mean) * rstd
            gx[i] = Float(Double(weight[ch]) * rstd / m * (m * Double(gradient[i]) - sumDy - xhat * sumDyXhat))
        }
    }
    return (out, gx)
}

@Suite struct NormalizationTests {
    @Test func batchNormTrainingValuesAndRunningStatistics() {
        // Channel 0: [1, 2, 3, 4], mean 2.5, biased variance 1.25, unbiased 5/3.
        // Channel 1: [-1, 1, -1, 1], mean 0, biased variance 1, unbiased 4/3.
        let x = Tensor([1, -1, 2, 1, 3, -1, 4, 1], shape: [4, 2])
        let runningMean = Tensor([0, 0]), runningVariance = Tensor([1, 1])
        let y = x.batchNorm(runningMean: runningMean, runningVariance: runningVariance, weight: Tensor([2, 0.5]),
                            bias: Tensor([0.1, -0.2]), training: true, momentum: 0.1, epsilon: 1e-5)
        // y = (x − μ)/√(σ² + 1e-5)·γ + β
        let expected: [Float] = [-2.5832708, -0.6999975, -0.7944236, 0.2999975,
                                 0.9944236, -0.6999975, 2.7832708, 0.2999975]
        #expect(difference(y.toArray(), expected) < 1e-5)
        // running = 0.9·running + 0.1·batch (unbiased variance)
        #expect(difference(runningMean.toArray(), [0.25, 0]) < 1e-5)
        #expect(difference(runningVariance.toArray(), [0.9 + 0.1 * 5 / 3, 0.9 + 0.1 * 4 / 3]) < 1e-5)

        // Evaluation uses the updated running statistics and leaves them alone.
        let z = Tensor([1, 2], shape: [1, 2]).batchNorm(runningMean: runningMean, runningVariance: runningVariance,
                                                        weight: Tensor([2, 0.5]), bias: Tensor([0.1, -0.2]), training: false)
        // (1 − 0.25)/√(1.0666667 + 1e-5)·2 + 0.1 and 2/√(1.0333333 + 1e-5)·0.5 − 0.2
        #expect(difference(z.toArray(), [1.5523619, 0.7837340]) < 1e-5)
        #expect(difference(runningMean.toArray(), [0.25, 0]) < 1e-5)
    }

    @Test func batchNormSpatialMatchesReference() {
        let x = GradientCheck.random([3, 4, 5, 6], seed: 1, low: -2, high: 3)
        let weight = GradientCheck.random([4], seed: 2), bias = GradientCheck.random([4], seed: 3)
        let gradient = GradientCheck.random([3, 4, 5, 6], seed: 4, requiresGrad: false)
        let y = x.batchNorm(runningMean: nil, runningVariance: nil, weight: weight, bias: bias, training: true)
        let r = referenceBatchNorm(x.toArray(), n: 3, c: 4, s: 30, weight: weight.toArray(), bias: bias.toArray(),
                                   gradient: gradient.toArray(), epsilon: 1e-5)
        #expect(difference(y.toArray(), r.output) < 1e-5)
        y.backward(gradient: gradient)
        #expect(difference(x.grad!.toArray(), r.input) < 1e-4)
    }

    @Test func batchNormLargeOffsetStaysAccurate() {
        // Values near 1000 with spread 1: the shifted one-pass variance must not cancel.
        let base = GradientCheck.random([8, 3, 16, 16], seed: 5, requiresGrad: false)
        let x = base + 1000
        let y = x.batchNorm(runningMean: nil, runningVariance: nil, weight: nil, bias: nil, training: true)
        let values = y.toArray()
        for ch in 0..<3 {
            var s = 0.0, q = 0.0
            for b in 0..<8 {
                for i in 0..<256 {
                    let v = Double(values[(b * 3 + ch) * 256 + i])
                    s += v
                    q += v * v
                }
            }
            #expect(abs(s / 2048) < 1e-3)
            #expect(abs(q / 2048 - 1) < 1e-3)
        }
    }

    @Test func batchNormThreadedChannelsMatchReference() {
        // m = 16·32·32 per channel, enough to split the channels across threads.
        let x = GradientCheck.random([16, 4, 32, 32], seed: 6)
        let weight = GradientCheck.random([4], seed: 7), bias = GradientCheck.random([4], seed: 8)
        let gradient = GradientCheck.random([16, 4, 32, 32], seed: 9, requiresGrad: false)
        let y = x.batchNorm(runningMean: nil, runningVariance: nil, weight: weight, bias: bias, training: true)
        let r = referenceBatchNorm(x.toArray(), n: 16, c: 4, s: 1024, weight: weight.toArray(), bias: bias.toArray(),
                                   gradient: gradient.toArray(), epsilon: 1e-5)
        #expect(difference(y.toArray(), r.output) < 1e-4)
        y.backward(gradient: gradient)
        #expect(difference(x.grad!.toArray(), r.input) < 1e-4)
    }

    @Test func batchNormTrainingGradients() {
        let x = GradientCheck.random([3, 2, 3, 4], seed: 10)
        let weight = GradientCheck.random([2], seed: 11, low: 0.5, high: 1.5), bias = GradientCheck.random([2], seed: 12)
        #expect(GradientCheck.maxError([x, weight, bias], epsilon: 1e-3) {
            $0[0].batchNorm(runningMean: nil, runningVariance: nil, weight: $0[1], bias: $0[2], training: true)
        } < 5e-3)
        let flat = GradientCheck.random([5, 3], seed: 13)
        #expect(GradientCheck.maxError([flat], epsilon: 1e-3) {
            $0[0].batchNorm(runningMean: nil, runningVariance: nil, weight: nil, bias: nil, training: true)
        } < 5e-3)
    }

    @Test func batchNormEvalGradients() {
        let x = GradientCheck.random([2, 3, 2, 5], seed: 14)
        let weight = GradientCheck.random([3], seed: 15), bias = GradientCheck.random([3], seed: 16)
        let mean = Tensor([0.5, -0.25, 0]), variance = Tensor([2, 0.5, 1])
        #expect(GradientCheck.maxError([x, weight, bias]) {
            $0[0].batchNorm(runningMean: mean, runningVariance: variance, weight: $0[1], bias: $0[2], training: false)
        } < 2e-3)
        // Eval in closed form: (x − μ)/√(σ² + ε)·γ + β with the running statistics.
        let single = Tensor([1.5, 0.25, 2], shape: [1, 3])
        let y = single.batchNorm(runningMean: mean, runningVariance: variance, weight: nil, bias: nil, training: false, epsilon: 0)
        #expect(difference(y.toArray(), [1 / Float(2).squareRoot(), 0.5 / Float(0.5).squareRoot(), 2]) < 1e-5)
    }

    @Test func layerNormValues() {
        // Rows [1, 2, 3, 4] (mean 2.5, variance 1.25) and [2, 2, 2, 6] (mean 3, variance 3).
        let x = Tensor([1, 2, 3, 4, 2, 2, 2, 6], shape: [2, 4])
        let plain = x.layerNorm(normalizedShape: [4], epsilon: 0)
        let a = 1 / Float(1.25).squareRoot(), b = 1 / Float(3).squareRoot()
        #expect(difference(plain.toArray(), [-1.5 * a, -0.5 * a, 0.5 * a, 1.5 * a, -b, -b, -b, 3 * b]) < 1e-5)
        let affine = x.layerNorm(normalizedShape: [4], weight: Tensor([1, 2, 3, 4]), bias: Tensor([0, 1, 0, -1]), epsilon: 0)
        #expect(difference(affine.toArray(), [-1.5 * a, -1 * a + 1, 1.5 * a, 6 * a - 1, -b, -2 * b + 1, -3 * b, 12 * b - 1]) < 1e-5)
        // Normalising over two trailing dimensions treats the whole [2, 4] block as one row.
        let whole = x.reshaped([1, 2, 4]).layerNorm(normalizedShape: [2, 4], epsilon: 0)
        let mean: Float = 22.0 / 8
        let variance = [1, 2, 3, 4, 2, 2, 2, 6].map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / 8
        #expect(difference(whole.toArray(), [1, 2, 3, 4, 2, 2, 2, 6].map { ($0 - mean) / variance.squareRoot() }) < 1e-5)
    }

    @Test func layerNormGradients() {
        // Row length 19: one 8-wide block plus a scalar tail, and 2-D normalized shapes.
        let x = GradientCheck.random([3, 19], seed: 20)
        let weight = GradientCheck.random([19], seed: 21), bias = GradientCheck.random([19], seed: 22)
        #expect(GradientCheck.maxError([x, weight, bias], epsilon: 1e-3) {
            $0[0].layerNorm(normalizedShape: [19], weight: $0[1], bias: $0[2])
        } < 5e-3)
        let x2 = GradientCheck.random([2, 2, 3, 4], seed: 23)
        let w2 = GradientCheck.random([3, 4], seed: 24)
        #expect(GradientCheck.maxError([x2, w2], epsilon: 1e-3) {
            $0[0].layerNorm(normalizedShape: [3, 4], weight: $0[1])
        } < 5e-3)
        #expect(GradientCheck.maxError([x2], epsilon: 1e-3) { $0[0].layerNorm(normalizedShape: [4]) } < 5e-3)
        // Non-contiguous input.
        #expect(GradientCheck.maxError([x2], epsilon: 1e-3) { $0[0].transposed(2, 3).layerNorm(normalizedShape: [3]) } < 5e-3)
    }

    @Test func layerNormThreadedRowsMatchReference() {
        // 256 rows of 200: split across threads, with per-thread weight/bias gradient partials.
        let rows = 256, d = 200
        let x = GradientCheck.random([rows, d], seed: 30)
        let weight = GradientCheck.random([d], seed: 31), bias = GradientCheck.random([d], seed: 32)
        let gradient = GradientCheck.random([rows, d], seed: 33, requiresGrad: false)
        let y = x.layerNorm(normalizedShape: [d], weight: weight, bias: bias)
        y.backward(gradient: gradient)
        let xs = x.toArray(), gs = gradient.toArray(), ws = weight.toArray(), bs = bias.toArray(), ys = y.toArray()
        var expectedY = [Float](), expectedX = [Float]()
        var expectedW = [Double](repeating: 0, count: d), expectedB = [Double](repeating: 0, count: d)
        for r in 0..<rows {
            let row = (0..<d).map { Double(xs[r * d + $0]) }
            let mean = row.reduce(0, +) / Double(d)
            let rstd = 1 / (row.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(d) + 1e-5).squareRoot()
            let xhat = row.map { ($0 - mean) * rstd }
            let g = (0..<d).map { Double(gs[r * d + $0]) * Double(ws[$0]) }
            let c1 = g.reduce(0, +) / Double(d)
            let c2 = (0..<d).map { g[$0] * xhat[$0] }.reduce(0, +) / Double(d)
            for i in 0..<d {
                expectedY.append(Float(xhat[i] * Double(ws[i]) + Double(bs[i])))
                expectedX.append(Float(rstd * (g[i] - c1 - xhat[i] * c2)))
                expectedW[i] += Double(gs[r * d + i]) * xhat[i]
                expectedB[i] += Double(gs[r * d + i])
            }
        }
        #expect(difference(ys, expectedY) < 1e-5)
        #expect(difference(x.grad!.toArray(), expectedX) < 1e-4)
        #expect(difference(weight.grad!.toArray(), expectedW.map { Float($0) }) < 1e-4)
        #expect(difference(bias.grad!.toArray(), expectedB.map { Float($0) }) < 1e-4)
    }
}
