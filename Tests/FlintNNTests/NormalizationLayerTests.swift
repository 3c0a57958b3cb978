import Testing
import Flint
import FlintNN
import FlintTestSupport

@Suite struct NormalizationLayerTests {
    @Test func batchNormStateDictUsesPyTorchNames() {
        let bn = BatchNorm2d(features: 3)
        #expect(bn.stateDictEntries().map(\.0) == ["weight", "bias", "running_mean", "running_var", "num_batches_tracked"])
        #expect(bn.namedParameters().map(\.0) == ["weight", "bias"])
        #expect(bn.numBatchesTracked!.dtype == .int64)
        #expect(bn.weight!.toArray() == [1, 1, 1] && bn.bias!.toArray() == [0, 0, 0])
        #expect(bn.runningMean!.toArray() == [0, 0, 0] && bn.runningVariance!.toArray() == [1, 1, 1])
        let plain = BatchNorm1d(features: 2, affine: false, trackRunningStatistics: false)
        #expect(plain.stateDictEntries().isEmpty)
    }

    @Test func trainingUpdatesRunningStatisticsAndEvalUsesThem() {
        // x = 0…15 as [2, 2, 2, 2]: channel 0 holds 0…3 and 8…11 (mean 5.5, Σ(x − μ)² = 138),
        // channel 1 holds 4…7 and 12…15 (mean 9.5, same spread).
        // running_mean = 0.1·μ = [0.55, 0.95]; running_var = 0.9 + 0.1·138/7 = 2.8714286.
        let bn = BatchNorm2d(features: 2)
        let x = Tensor((0..<16).map(Float.init), shape: [2, 2, 2, 2])
        let y = bn(x)
        #expect(GradientCheck.allClose(bn.runningMean!.toArray(), [0.55, 0.95], tolerance: 1e-6))
        #expect(GradientCheck.allClose(bn.runningVariance!.toArray(), [2.8714286, 2.8714286], tolerance: 1e-6))
        #expect(bn.numBatchesTracked!.toIntArray() == [1])
        // Training output uses the batch statistics: x[0] = 0 → (0 − 5.5)/√(138/8 + 1e-5).
        #expect(abs(y.toArray()[0] - (-5.5 / (138.0 / 8.0 + 1e-5).squareRoot())) < 1e-5)
        bn.eval()
        let z = bn(x)
        #expect(abs(z.toArray()[0] - (0 - 0.55) / (2.8714286 + 1e-5).squareRoot()) < 1e-5)
        #expect(bn.numBatchesTracked!.toIntArray() == [1])
    }

    @Test func cumulativeAverageWithoutMomentum() {
        // Batch a = [[1, 2], [3, 6]]: means [2, 4], unbiased variances [2, 8]; with m = 1/1 the
        // running statistics become those. Batch b = [[5, 0], [7, 2]]: means [6, 1], variances
        // [2, 2]; m = 1/2 averages: mean [4, 2.5], variance [2, 5].
        let bn = BatchNorm1d(features: 2, momentum: nil)
        _ = bn(Tensor([1, 2, 3, 6], shape: [2, 2]))
        _ = bn(Tensor([5, 0, 7, 2], shape: [2, 2]))
        #expect(GradientCheck.allClose(bn.runningMean!.toArray(), [4, 2.5]))
        #expect(GradientCheck.allClose(bn.runningVariance!.toArray(), [2, 5]))
        #expect(bn.numBatchesTracked!.toIntArray() == [2])
    }

    @Test func batchNormGradients() {
        let bn = BatchNorm1d(features: 3)
        let x = GradientCheck.random([4, 3, 2], seed: 43)
        #expect(GradientCheck.maxError([x, bn.weight!, bn.bias!], epsilon: 1e-2) { bn($0[0]) } < 5e-3)
    }

    @Test func layerNormNormalisesTrailingDimensions() {
        let norm = LayerNorm([3])
        #expect(norm.namedParameters().map(\.0) == ["weight", "bias"])
        // Row [1, 2, 3]: mean 2, biased variance 2/3.
        let y = norm(Tensor([1, 2, 3, 10, 10, 10], shape: [2, 3])).toArray()
        let s = 1 / (2.0 / 3.0 + 1e-5 as Float).squareRoot()
        #expect(GradientCheck.allClose(Array(y[0..<3]), [-s, 0, s], tolerance: 1e-5))
        #expect(Array(y[3..<6]) == [0, 0, 0])
        #expect(LayerNorm([2, 3], elementwiseAffine: false).parameters().isEmpty)
        let x = GradientCheck.random([2, 2, 3], seed: 44)
        let affine = LayerNorm([2, 3])
        affine.weight!.copy(from: GradientCheck.random([2, 3], seed: 45, requiresGrad: false))
        #expect(GradientCheck.maxError([x, affine.weight!, affine.bias!]) { affine($0[0]) } < 5e-3)
    }
}
