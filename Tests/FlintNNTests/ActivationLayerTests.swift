import Testing
import Flint
import FlintNN
import FlintTestSupport

@Suite struct ActivationLayerTests {
    private let x = Tensor([-1.5, 0, 1, 2])

    @Test func valuesMatchPyTorch() {
        // Reference values from torch.nn.functional on the same inputs.
        #expect(ReLU()(x).toArray() == [0, 0, 1, 2])
        #expect(GradientCheck.allClose(GELU()(x).toArray(), [-0.10021086, 0, 0.84134471, 1.95449972], tolerance: 1e-6))
        #expect(GradientCheck.allClose(GELU(approximation: .tanh)(x).toArray(), [-0.10042843, 0, 0.84119201, 1.95459771],
                                       tolerance: 1e-6))
        #expect(GradientCheck.allClose(Tanh()(x).toArray(), [-0.90514827, 0, 0.76159418, 0.96402758], tolerance: 1e-6))
        #expect(GradientCheck.allClose(Sigmoid()(x).toArray(), [0.18242553, 0.5, 0.73105860, 0.88079703], tolerance: 1e-6))
        #expect(GradientCheck.allClose(SiLU()(x).toArray(), [-0.27363828, 0, 0.73105860, 1.76159406], tolerance: 1e-6))
        #expect(Identity()(x) === x)
    }

    @Test func gradientsFlowThroughTheLayers() {
        let input = GradientCheck.random([3, 4], seed: 41, low: -2, high: 2)
        for layer in [GELU(), GELU(approximation: .tanh), Tanh(), Sigmoid(), SiLU()] as [any UnaryLayer] {
            #expect(GradientCheck.maxError([input]) { layer($0[0]) } < 2e-3, "\(layer)")
        }
        #expect(ReLU().parameters().isEmpty)
    }
}
