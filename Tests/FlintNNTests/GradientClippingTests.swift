import Testing
import Flint
import FlintNN

@Suite struct GradientClippingTests {
    @Test func clipsToMaxNormAndReturnsTotal() {
        // ‖[3, 4, 12]‖ = 13; maxNorm 6.5 halves every gradient.
        let a = Tensor.zeros([2]).requiringGrad(), b = Tensor.zeros([1]).requiringGrad(), c = Tensor.zeros([3]).requiringGrad()
        a.grad = Tensor([3, 4])
        b.grad = Tensor([12])
        let total = clipGradientNorm(parameters: [a, b, c], maxNorm: 6.5)
        #expect(abs(total - 13) < 1e-6)
        #expect(GradientCheckLite.close(a.grad!.toArray(), [1.5, 2]))
        #expect(GradientCheckLite.close(b.grad!.toArray(), [6]))
        #expect(c.grad == nil)
    }

    @Test func leavesSmallGradientsAlone() {
        let a = Tensor.zeros([20]).requiringGrad()
        a.grad = Tensor.full([20], value: 0.5)
        // ‖g‖ = 0.5·√20 = 2.2360680
        let total = clipGradientNorm(parameters: [a], maxNorm: 5)
        #expect(abs(total - 2.236068) < 1e-6)
        #expect(a.grad!.toArray().allSatisfy { $0 == 0.5 })
    }

    @Test func otherNorms() {
        let a = Tensor.zeros([3]).requiringGrad()
        a.grad = Tensor([1, -7, 2])
        #expect(clipGradientNorm(parameters: [a], maxNorm: 100, normType: .infinity) == 7)
        #expect(clipGradientNorm(parameters: [a], maxNorm: 100, normType: 1) == 10)
        let total = clipGradientNorm(parameters: [a], maxNorm: 5, normType: 1)
        #expect(total == 10)
        #expect(GradientCheckLite.close(a.grad!.toArray(), [0.5, -3.5, 1]))
        #expect(clipGradientNorm(parameters: [Tensor.zeros([2])], maxNorm: 1) == 0)
    }
}

/// Relative closeness for clipped values (the 10⁻⁶ in the coefficient makes them inexact).
enum GradientCheckLite {
    static func close(_ a: [Float], _ b: [Float]) -> Bool {
        a.count == b.count && zip(a, b).allSatisfy { abs($0 - $1) <= 1e-5 * max(1, abs($1)) }
    }
}
