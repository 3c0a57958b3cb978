import Testing
import Flint
import FlintTestSupport

@Suite struct DropoutTests {
    @Test func identityWhenNotTrainingOrZeroProbability() {
        let x = Tensor([1, 2, 3])
        #expect(x.dropout(probability: 0.5, training: false) === x)
        #expect(x.dropout(probability: 0, training: true) === x)
        var generator = RandomGenerator(seed: 1)
        #expect(x.dropout(probability: 0.9, training: false, generator: &generator) === x)
    }

    @Test func maskMatchesReferenceAndScales() {
        // Seed 5, p = 0.5: the 32-bit words keep elements 0, 3, 4, 5, 6 (computed independently in
        // Python); kept elements are scaled by 1 / (1 − 0.5) = 2.
        var generator = RandomGenerator(seed: 5)
        let x = Tensor([1, 2, 3, 4, 5, 6, 7])
        #expect(x.dropout(probability: 0.5, training: true, generator: &generator).toArray() == [2, 0, 0, 8, 10, 12, 14])
        var all = RandomGenerator(seed: 6)
        #expect(x.dropout(probability: 1, training: true, generator: &all).toArray() == [Float](repeating: 0, count: 7))
    }

    @Test func backwardUsesTheSameMask() {
        let x = Tensor.full([4, 50], value: 3).requiringGrad()
        let y = x.transposed().dropout(probability: 0.3, training: true)
        y.backward(gradient: Tensor.ones([50, 4]))
        // dy/dx is the mask: 0 where dropped, 1/0.7 where kept; y = 3 · mask.
        let mask = (y / 3).transposed().toArray()
        #expect(GradientCheck.allClose(x.grad!.toArray(), mask, tolerance: 1e-6))
        #expect(mask.allSatisfy { $0 == 0 || abs($0 - 1 / 0.7) < 1e-6 })
        #expect(mask.contains(0) && mask.contains { $0 != 0 })
    }

    @Test func keepRateAndExpectation() {
        var generator = RandomGenerator(seed: 77)
        let y = Tensor.ones([20_000]).dropout(probability: 0.2, training: true, generator: &generator).toArray()
        let kept = Float(y.filter { $0 != 0 }.count) / Float(y.count)
        #expect(abs(kept - 0.8) < 0.01)
        #expect(abs(y.reduce(0, +) / Float(y.count) - 1) < 0.015)
    }

    @Test func gradientCheck() {
        let x = GradientCheck.random([3, 7], seed: 41)
        #expect(GradientCheck.maxError([x]) { v in
            var generator = RandomGenerator(seed: 8)  // the same mask on every evaluation
            return v[0].dropout(probability: 0.4, training: true, generator: &generator)
        } < 1e-3)
    }
}
