import Testing
import Flint
import FlintNN
import FlintTestSupport

@Suite struct LinearTests {
    @Test func forwardMatchesHandComputed() {
        let layer = Linear(inputFeatures: 3, outputFeatures: 2)
        layer.weight.copy(from: Tensor([1, 0, -1, 0.5, 2, 0], shape: [2, 3]))
        layer.bias!.copy(from: Tensor([0.25, -1]))
        // [1, 2, 3] → [1 − 3 + 0.25, 0.5 + 4 − 1] = [−1.75, 3.5]
        #expect(layer(Tensor([1, 2, 3], shape: [1, 3])).toArray() == [-1.75, 3.5])
        // Leading batch dimensions are kept.
        #expect(layer(Tensor.ones([4, 5, 3])).shape == [4, 5, 2])
    }

    @Test func gradientsReachWeightAndBias() {
        let layer = Linear(inputFeatures: 4, outputFeatures: 3)
        let x = GradientCheck.random([2, 4], seed: 11)
        let w = layer.weight, b = layer.bias!
        let error = GradientCheck.maxError([x, w, b]) { inputs in
            layer(inputs[0])
        }
        #expect(error < 1e-3)
        #expect(w.grad != nil && b.grad != nil)
    }

    @Test func transposedInputView() {
        let layer = Linear(inputFeatures: 4, outputFeatures: 3)
        let storage = GradientCheck.random([4, 2], seed: 12)
        let view = storage.detached().transposed()
        #expect(!view.isContiguous)
        #expect(layer(view).toArray() == layer(view.contiguous()).toArray())
        #expect(GradientCheck.maxError([storage, layer.weight]) { layer($0[0].transposed()) } < 1e-3)
    }

    @Test func defaultInitialisationBounds() {
        // PyTorch: weight and bias ~ U(−1/√fan_in, 1/√fan_in); fan_in = 64 → bound 0.125.
        let layer = Linear(inputFeatures: 64, outputFeatures: 128)
        let w = layer.weight.toArray(), b = layer.bias!.toArray()
        #expect(w.allSatisfy { abs($0) <= 0.125 })
        #expect(b.allSatisfy { abs($0) <= 0.125 })
        // 8192 uniform draws fill the interval: extremes near ±0.125, mean near 0, variance b²/3.
        #expect(w.max()! > 0.12 && w.min()! < -0.12)
        let mean = w.reduce(0, +) / Float(w.count)
        let variance = w.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Float(w.count)
        #expect(abs(mean) < 0.005)
        #expect(abs(variance - 0.125 * 0.125 / 3) < 0.0005)
        #expect(layer.weight.requiresGrad && layer.bias!.requiresGrad)
        #expect(Linear(inputFeatures: 2, outputFeatures: 2, bias: false).bias == nil)
    }

    @Test func manualSeedMakesInitialisationReproducible() {
        // Other tests may draw from the shared default generator concurrently, so a run only
        // counts when the default generator ends in exactly the state of a private generator that
        // made the same draws (weight, then bias); a real reproducibility bug fails every attempt.
        var verified = false
        for attempt in 0..<20 where !verified {
            let seed = UInt64(1234 + attempt)
            RandomGenerator.manualSeed(seed)
            let layer = Linear(inputFeatures: 5, outputFeatures: 3)
            let after = RandomGenerator.withDefault { $0.state }
            var reference = RandomGenerator(seed: seed)
            let bound = 1 / Float(5).squareRoot()
            let expected = (0..<18).map { _ in -bound + 2 * bound * reference.nextFloat() }
            guard after == reference.state else { continue }
            #expect(layer.weight.toArray() + layer.bias!.toArray() == expected)
            verified = true
        }
        #expect(verified)
    }
}
