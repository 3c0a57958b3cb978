import Foundation
import Testing
import Flint
import FlintTestSupport

private func close(_ actual: [Float], _ expected: [Float], tolerance: Float = 2e-6) -> Bool {
    actual.count == expected.count
        && zip(actual, expected).allSatisfy { Swift.abs($0 - $1) <= tolerance * Swift.max(1, Swift.abs($1)) }
}

/// Reference softmax of one slice, in Double.
private func referenceSoftmax(_ x: [Float]) -> [Float] {
    let m = Double(x.max()!)
    let e = x.map { Foundation.exp(Double($0) - m) }
    let s = e.reduce(0, +)
    return e.map { Float($0 / s) }
}

@Suite struct SoftmaxTests {
    @Test func handComputedValues() {
        let x = Tensor([1, 2, 3])
        #expect(close(x.softmax(axis: 0).toArray(), [0.09003057, 0.24472847, 0.66524096]))
        #expect(close(x.logSoftmax(axis: -1).toArray(), [-2.407606, -1.407606, -0.40760598]))
        #expect(close(x.logSumExp(axis: 0).toArray(), [3.4076059]))
        #expect(x.logSumExp(axis: 0).shape == [])
        #expect(x.logSumExp(axis: 0, keepDims: true).shape == [1])
    }

    @Test func extremeInputsStayFinite() {
        #expect(Tensor([1000, -1000, 0]).softmax(axis: 0).toArray() == [1, 0, 0])
        #expect(Tensor([1000, 1000]).softmax(axis: 0).toArray() == [0.5, 0.5])
        #expect(Tensor([-1000, -1000, -1000, -1000]).softmax(axis: 0).toArray() == [0.25, 0.25, 0.25, 0.25])
        #expect(close(Tensor([1000, 0]).logSoftmax(axis: 0).toArray(), [0, -1000]))
        #expect(close(Tensor([1000, 1000]).logSumExp(axis: 0).toArray(), [1000.6931]))
        #expect(close(Tensor([-1000, -1000]).logSumExp(axis: 0).toArray(), [-999.3069]))
        // log-sum-exp of an all −∞ slice is −∞ (not NaN), and +∞ dominates.
        #expect(Tensor([-.infinity, -.infinity]).logSumExp(axis: 0).item() == -.infinity)
        #expect(Tensor([.infinity, 0]).logSumExp(axis: 0).item() == .infinity)
        // Column layout with extremes.
        let columns = Tensor([1000, 0, -1000, 0], shape: [2, 2]).softmax(axis: 0)
        #expect(columns.toArray() == [1, 0.5, 0, 0.5])
    }

    @Test func stridedSlicesWithInfinities() {
        // Axis 0 of a [3, 9] tensor: the vectorised column kernel (8 lanes) plus a scalar lane.
        let inf = Float.infinity
        var values = [Float](repeating: 0, count: 27)
        for k in 0..<9 { values[k] = Float(k); values[9 + k] = Float(k) + 1; values[18 + k] = Float(k) - 1 }
        values[0] = -inf; values[9] = -inf; values[18] = 0        // leading −∞ entries
        values[1] = -inf; values[10] = -inf; values[19] = -inf    // an all −∞ column
        values[2] = 1000; values[11] = -1000; values[20] = 0      // extremes
        values[8] = -inf; values[17] = 5; values[26] = -inf       // scalar lane
        let x = Tensor(values, shape: [3, 9])
        let y = x.softmax(axis: 0).toArray()
        #expect([y[0], y[9], y[18]] == [0, 0, 1])
        #expect(y[1].isNaN && y[10].isNaN && y[19].isNaN)  // 0/0, as PyTorch
        #expect([y[2], y[11], y[20]] == [1, 0, 0])
        #expect([y[8], y[17], y[26]] == [0, 1, 0])
        #expect(close([y[3], y[12], y[21]], referenceSoftmax([3, 4, 2])))
        let lse = x.logSumExp(axis: 0).toArray()
        #expect(lse[0] == 0 && lse[1] == -inf && lse[2] == 1000 && lse[8] == 5)
        #expect(close([lse[3]], [Float(Foundation.log(Foundation.exp(3.0) + Foundation.exp(4.0) + Foundation.exp(2.0)))]))
        let logY = x.logSoftmax(axis: 0).toArray()
        #expect([logY[0], logY[18]] == [-inf, 0] && logY[2] == 0 && close([logY[11]], [-2000]))
    }

    @Test func rowsAndColumnsAgree() {
        // 37 columns: SIMD body plus a scalar tail; rows of 37 for the row kernel.
        let x = GradientCheck.random([5, 37], seed: 41, low: -4, high: 4, requiresGrad: false)
        let rows = x.softmax(axis: 1).toArray()
        let values = x.toArray()
        for r in 0..<5 {
            #expect(close(Array(rows[(r * 37)..<((r + 1) * 37)]), referenceSoftmax(Array(values[(r * 37)..<((r + 1) * 37)]))))
        }
        // The same data transposed and reduced along axis 0 (the strided column kernel).
        let xt = x.transposed().contiguous()
        #expect(close(xt.softmax(axis: 0).transposed().contiguous().toArray(), rows))
        #expect(close(xt.logSoftmax(axis: 0).transposed().contiguous().toArray(), x.logSoftmax(axis: 1).toArray()))
        #expect(close(xt.logSumExp(axis: 0).toArray(), x.logSumExp(axis: 1).toArray()))
        // A non-contiguous input along its last axis.
        #expect(close(xt.transposed().softmax(axis: -1).toArray(), rows))
        // Middle axis of a 3-D tensor with a wide inner extent (several column blocks).
        let y = GradientCheck.random([2, 3, 300], seed: 42, low: -3, high: 3, requiresGrad: false)
        let s = y.softmax(axis: 1).toArray()
        let yv = y.toArray()
        for o in 0..<2 {
            for k in stride(from: 0, to: 300, by: 37) {
                let slice = (0..<3).map { yv[o * 900 + $0 * 300 + k] }
                let expected = referenceSoftmax(slice)
                #expect(close((0..<3).map { s[o * 900 + $0 * 300 + k] }, expected))
            }
        }
        let lse = y.logSumExp(axis: 1, keepDims: true)
        #expect(lse.shape == [2, 1, 300])
        #expect(close(y.logSoftmax(axis: 1).toArray(), (y - lse).toArray(), tolerance: 1e-5))
    }

    @Test func largeRowsSumToOne() {
        let x = GradientCheck.random([64, 1000], seed: 43, low: -20, high: 20, requiresGrad: false)
        let y = x.softmax(axis: -1)
        let sums = y.sum(axis: 1).toArray()
        #expect(sums.allSatisfy { Swift.abs($0 - 1) < 1e-5 })
        #expect(close(y.log().toArray(), x.logSoftmax(axis: 1).toArray(), tolerance: 1e-4))
    }

    @Test func softmaxGradients() {
        let x = GradientCheck.random([3, 7], seed: 44, low: -2, high: 2)
        #expect(GradientCheck.maxError([x], epsilon: 1e-3) { $0[0].softmax(axis: 1) } < 1e-2)
        #expect(GradientCheck.maxError([x], epsilon: 1e-3) { $0[0].softmax(axis: 0) } < 1e-2)
        #expect(GradientCheck.maxError([x], epsilon: 1e-3) { $0[0].transposed().softmax(axis: 1) } < 1e-2)
        let y = GradientCheck.random([2, 3, 4], seed: 45, low: -2, high: 2)
        #expect(GradientCheck.maxError([y], epsilon: 1e-3) { $0[0].softmax(axis: 1) } < 1e-2)
        // Shift invariance at ±1000: stable forward and backward.
        #expect(GradientCheck.maxError([x]) { ($0[0] + 1000).softmax(axis: 1) } < 1e-2)
        #expect(GradientCheck.maxError([x]) { ($0[0] - 1000).softmax(axis: 0) } < 1e-2)
    }

    @Test func logSoftmaxAndLogSumExpGradients() {
        let x = GradientCheck.random([3, 7], seed: 46, low: -2, high: 2)
        #expect(GradientCheck.maxError([x], epsilon: 1e-3) { $0[0].logSoftmax(axis: 1) } < 1e-2)
        #expect(GradientCheck.maxError([x], epsilon: 1e-3) { $0[0].logSoftmax(axis: 0) } < 1e-2)
        #expect(GradientCheck.maxError([x], epsilon: 1e-3) { $0[0].transposed().logSoftmax(axis: -1) } < 1e-2)
        let y = GradientCheck.random([2, 3, 4], seed: 47, low: -2, high: 2)
        #expect(GradientCheck.maxError([y], epsilon: 1e-3) { $0[0].logSoftmax(axis: 1) } < 1e-2)
        #expect(GradientCheck.maxError([y], epsilon: 1e-3) { $0[0].logSumExp(axis: 1) } < 1e-2)
        #expect(GradientCheck.maxError([y], epsilon: 1e-3) { $0[0].logSumExp(axis: -1, keepDims: true) } < 1e-2)
        #expect(GradientCheck.maxError([x]) { ($0[0] * 1 + 1000).logSoftmax(axis: 1) } < 1e-2)
        #expect(GradientCheck.maxError([x]) { ($0[0] - 1000).logSumExp(axis: 1) } < 1e-2)
    }

    @Test func saturatedGradientsAreExact() {
        // softmax([1000, −1000, 0]) = [1, 0, 0]: every backward term is y·(g − Σg·y) = 0.
        let x = Tensor([1000, -1000, 0]).requiringGrad()
        (x.softmax(axis: 0) * Tensor([0.3, -0.7, 2])).sum().backward()
        #expect(x.grad?.toArray() == [0, 0, 0])
        // log-softmax: g − softmax·Σg = [0.3 − 1.6, −0.7, 2].
        let z = Tensor([1000, -1000, 0]).requiringGrad()
        (z.logSoftmax(axis: 0) * Tensor([0.3, -0.7, 2])).sum().backward()
        #expect(close(z.grad!.toArray(), [-1.3, -0.7, 2]))
    }
}
