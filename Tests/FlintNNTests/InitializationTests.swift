import Testing
import Flint
import FlintNN

@Suite struct InitializationTests {
    @Test func fansOfLinearAndConvolutionWeights() {
        #expect(Initialization.fans([10, 20]) == (20, 10))
        #expect(Initialization.fans([16, 3, 5, 5]) == (75, 400))
    }

    @Test func gains() {
        #expect(Initialization.gain(.linear) == 1)
        #expect(abs(Initialization.gain(.relu) - 1.4142135) < 1e-6)
        // a = √5: √(2 / 6) = 0.57735
        #expect(abs(Initialization.gain(.leakyReLU(negativeSlope: Float(5).squareRoot())) - 0.57735026) < 1e-6)
        #expect(abs(Initialization.gain(.tanh) - 5.0 / 3.0) < 1e-6)
    }

    @Test func kaimingUniformWithSqrtFiveIsOneOverSqrtFanIn() {
        // gain √(1/3) · √(3 / fan_in) = 1/√fan_in = 1/√(4·3·3) = 1/6.
        let w = Tensor.zeros([8, 4, 3, 3])
        Initialization.kaimingUniform(w, nonlinearity: .leakyReLU(negativeSlope: Float(5).squareRoot()))
        let v = w.toArray()
        #expect(v.allSatisfy { abs($0) <= 1.0 / 6.0 + 1e-7 })
        #expect(v.max()! > 0.15 && v.min()! < -0.15)
    }

    @Test func normalHasRequestedMoments() {
        var generator = RandomGenerator(seed: 7)
        let t = Tensor.zeros([20_000])
        Initialization.normal(t, mean: 2, standardDeviation: 0.5, using: &generator)
        let v = t.toArray()
        let mean = v.reduce(0, +) / Float(v.count)
        let variance = v.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Float(v.count)
        #expect(abs(mean - 2) < 0.02)
        #expect(abs(variance - 0.25) < 0.01)
    }

    @Test func xavierBounds() {
        // b = √(6 / (fan_in + fan_out)) = √(6 / 24) = 0.5
        let w = Tensor.zeros([12, 12])
        Initialization.xavierUniform(w)
        #expect(w.toArray().allSatisfy { abs($0) <= 0.5 })
        #expect(w.toArray().max()! > 0.4)
        Initialization.constant(w, 3)
        #expect(w.toArray().allSatisfy { $0 == 3 })
    }
}
