import Testing
import Flint
import FlintTestSupport

@Suite struct CoreTests {
    @Test func broadcastAddValues() {
        let a = Tensor([1, 2, 3, 4, 5, 6], shape: [2, 3])
        let b = Tensor([10, 20, 30])
        #expect((a + b).toArray() == [11, 22, 33, 14, 25, 36])
        #expect((a.transposed() * 2).toArray() == [2, 8, 4, 10, 6, 12])
    }

    @Test func matmulMatchesHandComputed() {
        let a = Tensor([1, 2, 3, 4, 5, 6], shape: [2, 3])
        #expect(a.matmul(a.transposed()).toArray() == [14, 32, 32, 77])
        #expect(a.transposed().matmul(a).toArray() == [17, 22, 27, 22, 29, 36, 27, 36, 45])
    }

    @Test func arithmeticGradients() {
        let a = GradientCheck.random([3, 4], seed: 1)
        let b = GradientCheck.random([4], seed: 2, low: 0.5, high: 2)
        #expect(GradientCheck.maxError([a, b]) { ($0[0] + $0[1]) * $0[0] / $0[1] - $0[1] } < 1e-3)
        #expect(GradientCheck.maxError([a, b]) { $0[0].maximum($0[1]).minimum($0[0] * 0.5) } < 1e-3)
    }

    @Test func matmulGradients() {
        let a = GradientCheck.random([2, 3, 4], seed: 3)
        let b = GradientCheck.random([4, 5], seed: 4)
        #expect(GradientCheck.maxError([a, b]) { $0[0].matmul($0[1]) } < 1e-3)
        #expect(GradientCheck.maxError([a, b]) { $0[1].transposed().matmul($0[0].transposed()) } < 1e-3)
        let v = GradientCheck.random([4], seed: 5)
        #expect(GradientCheck.maxError([a, v]) { $0[0].matmul($0[1]) } < 1e-3)
        let w = GradientCheck.random([5, 4], seed: 6), bias = GradientCheck.random([5], seed: 7)
        #expect(GradientCheck.maxError([a, w, bias]) { $0[0].linear(weight: $0[1], bias: $0[2]) } < 1e-3)
    }

    @Test func reductionGradients() {
        let a = GradientCheck.random([2, 3, 4], seed: 8)
        #expect(GradientCheck.maxError([a]) { $0[0].sum(axes: [0, 2]) } < 1e-3)
        #expect(GradientCheck.maxError([a]) { $0[0].mean(axis: 1, keepDims: true) } < 1e-3)
        #expect(GradientCheck.maxError([a]) { $0[0].sum(axes: [0]) } < 1e-3)
    }
}
