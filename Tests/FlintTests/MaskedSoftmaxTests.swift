import Foundation
import Testing
import Flint
import FlintTestSupport

@Suite struct MaskedSoftmaxTests {
    /// softmax(s·x + m) of one row, in Double.
    private func reference(_ x: [Float], _ m: [Float], _ s: Float) -> [Float] {
        let z = zip(x, m).map { Double($0) * Double(s) + Double($1) }
        let c = z.max()!
        let e = z.map { Foundation.exp($0 - c) }
        let total = e.reduce(0, +)
        return e.map { Float($0 / total) }
    }

    @Test func matchesSoftmaxOfScaledMaskedScores() {
        // [batch 2, heads 3, queries 4, keys 11]: 11 keys exercise the SIMD body and the tail.
        let x = GradientCheck.random([2, 3, 4, 11], seed: 7, low: -3, high: 3, requiresGrad: false)
        var maskValues = [Float](repeating: 0, count: 22)
        for k in 8..<11 { maskValues[k] = -Float.greatestFiniteMagnitude }   // batch 0: last 3 keys are padding
        maskValues[11 + 2] = -1.5                                            // batch 1: a finite additive bias
        let mask = Tensor(maskValues, shape: [2, 11])
        let y = x.scaledMaskedSoftmax(scale: 0.5, additiveMask: mask).toArray()
        let xs = x.toArray()
        for row in 0..<24 {
            let b = row / 12
            let expected = reference(Array(xs[(row * 11)..<(row * 11 + 11)]), Array(maskValues[(b * 11)..<(b * 11 + 11)]), 0.5)
            let actual = Array(y[(row * 11)..<(row * 11 + 11)])
            #expect(GradientCheck.allClose(actual, expected, tolerance: 1e-6))
            if b == 0 { #expect(actual[8..<11].allSatisfy { $0 == 0 }) }
        }
        // Without a mask it is the plain softmax of the scaled input.
        let plain = x.scaledMaskedSoftmax(scale: 2).toArray()
        #expect(GradientCheck.allClose(plain, (x * 2).softmax(axis: -1).toArray(), tolerance: 1e-6))
    }

    @Test func gradientMatchesFiniteDifferences() {
        let x = GradientCheck.random([2, 2, 3, 10], seed: 3, low: -2, high: 2)
        let mask = Tensor([0, 0, 0, 0, 0, 0, 0, -1e30, -1e30, -1e30, 0, 0, 0, 0, 0, 0, 0, 0, 0, -0.7], shape: [2, 10])
        let error = GradientCheck.maxError([x], epsilon: 1e-2) { inputs in
            inputs[0].scaledMaskedSoftmax(scale: 0.8, additiveMask: mask)
        }
        #expect(error < 1e-3)
    }

    @Test func fullyMaskedRowsWithFiniteMaskStayFinite() {
        // Hugging Face's finfo.min mask on every key leaves a uniform distribution, not NaN.
        let x = Tensor([1, 2, 3, 4], shape: [1, 4])
        let mask = Tensor([Float](repeating: -Float.greatestFiniteMagnitude, count: 4), shape: [1, 4])
        let y = x.scaledMaskedSoftmax(scale: 1, additiveMask: mask).toArray()
        #expect(y.allSatisfy { $0.isFinite })
        #expect(abs(y.reduce(0, +) - 1) < 1e-6)
    }
}
