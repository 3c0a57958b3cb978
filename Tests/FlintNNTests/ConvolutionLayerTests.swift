import Testing
import Flint
import FlintNN
import FlintTestSupport

@Suite struct ConvolutionLayerTests {
    @Test func shapesAndNames() {
        let conv = Conv2d(inputChannels: 4, outputChannels: 8, kernelSize: 3, stride: 2, padding: 1, groups: 2)
        #expect(conv.weight.shape == [8, 2, 3, 3])
        #expect(conv.namedParameters().map(\.0) == ["weight", "bias"])
        #expect(conv(Tensor.zeros([2, 4, 9, 9])).shape == [2, 8, 5, 5])
        let rectangular = Conv2d(inputChannels: 1, outputChannels: 2, kernelSize: (1, 3), padding: (0, 1), bias: false)
        #expect(rectangular.bias == nil && rectangular(Tensor.zeros([1, 1, 4, 6])).shape == [1, 2, 4, 6])
    }

    @Test func handComputedOutput() {
        // A 3×3 all-ones kernel with padding 1 sums each 3×3 neighbourhood of a 3×3 image of 1…9.
        let conv = Conv2d(inputChannels: 1, outputChannels: 1, kernelSize: 3, padding: 1)
        conv.weight.copy(from: Tensor.ones([1, 1, 3, 3]))
        conv.bias!.copy(from: Tensor([0.5]))
        let image = Tensor((1...9).map(Float.init), shape: [1, 1, 3, 3])
        #expect(conv(image).toArray() == [12.5, 21.5, 16.5, 27.5, 45.5, 33.5, 24.5, 39.5, 28.5])
    }

    @Test func defaultInitialisationBounds() {
        // fan_in = (16 / 1)·3·3 = 144: U(−1/12, 1/12) for weight and bias.
        let conv = Conv2d(inputChannels: 16, outputChannels: 32, kernelSize: 3)
        let w = conv.weight.toArray()
        #expect(w.allSatisfy { abs($0) <= 1.0 / 12.0 })
        #expect(w.max()! > 0.08 && w.min()! < -0.08)
        #expect(conv.bias!.toArray().allSatisfy { abs($0) <= 1.0 / 12.0 })
        // Groups divide the fan-in: (16 / 4)·3·3 = 36 → 1/6.
        let grouped = Conv2d(inputChannels: 16, outputChannels: 32, kernelSize: 3, groups: 4).weight.toArray()
        #expect(grouped.allSatisfy { abs($0) <= 1.0 / 6.0 } && grouped.max()! > 1.0 / 12.0)
    }

    @Test func gradientsReachTheParameters() {
        let conv = Conv2d(inputChannels: 2, outputChannels: 3, kernelSize: 3, padding: 1)
        let x = GradientCheck.random([1, 2, 4, 4], seed: 42)
        #expect(GradientCheck.maxError([x, conv.weight, conv.bias!]) { conv($0[0]) } < 2e-3)
    }
}
