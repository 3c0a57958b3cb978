import Foundation
import Testing
import Flint
import FlintNN
import FlintTestSupport

@Suite struct LossTests {
    @Test func nllLossPicksTargetLogProbabilities() throws {
        let logProbabilities = Tensor([-1, -2, -0.5, -0.25, -3, -4], shape: [2, 3]).requiringGrad()
        let targets = Tensor(integers: [2, 0])
        // (0.5 + 0.25) / 2
        let loss = try nllLoss(logProbabilities: logProbabilities, targets: targets)
        #expect(loss.item() == 0.375)
        loss.backward()
        #expect(logProbabilities.grad!.toArray() == [0, 0, -0.5, -0.5, 0, 0])
        #expect(try nllLoss(logProbabilities: logProbabilities, targets: targets, reduction: .sum).item() == 0.75)
        #expect(try nllLoss(logProbabilities: logProbabilities, targets: Tensor(integers: [2, -100]), reduction: .none).toArray() == [0.5, 0])
        #expect(try nllLoss(logProbabilities: logProbabilities, targets: Tensor(integers: [2, 1]), ignoreIndex: 1).item() == 0.5)
        let x = GradientCheck.random([3, 4, 2], seed: 31)
        let spatialTargets = Tensor(integers: [0, 3, 1, -100, 2, 2], shape: [3, 2])
        for reduction in [Reduction.mean, .sum, .none] {
            #expect(try GradientCheck.maxError([x]) { try nllLoss(logProbabilities: $0[0], targets: spatialTargets, reduction: reduction) } < 1e-3)
        }
    }

    @Test func mseLossValuesAndGradients() {
        let a = Tensor([1, 2, 3]), b = Tensor([1, 1, 1])
        // (0 + 1 + 4) / 3
        #expect(abs(mseLoss(a, b).item() - 5.0 / 3.0) < 1e-6)
        #expect(mseLoss(a, b, reduction: .sum).item() == 5)
        #expect(mseLoss(a, b, reduction: .none).toArray() == [0, 1, 4])
        let x = GradientCheck.random([2, 3], seed: 32), y = GradientCheck.random([2, 3], seed: 33)
        for reduction in [Reduction.mean, .sum, .none] {
            #expect(GradientCheck.maxError([x, y]) { mseLoss($0[0], $0[1], reduction: reduction) } < 1e-3)
        }
    }

    @Test func elementwiseLossesAcceptTransposedViews() {
        let x = GradientCheck.random([3, 2], seed: 36, low: -3, high: 3)
        let y = GradientCheck.random([2, 3], seed: 37, low: 0, high: 1)
        let direct = binaryCrossEntropyWithLogits(x.detached().transposed().contiguous(), y.detached(), reduction: .none)
        #expect(binaryCrossEntropyWithLogits(x.detached().transposed(), y.detached(), reduction: .none).toArray() == direct.toArray())
        #expect(GradientCheck.maxError([x, y]) { binaryCrossEntropyWithLogits($0[0].transposed(), $0[1]) } < 1e-3)
        #expect(GradientCheck.maxError([x, y]) { mseLoss($0[0].transposed(), $0[1], reduction: .sum) } < 1e-3)
    }

    @Test func binaryCrossEntropyWithLogitsHandValues() {
        // x = 0, y = 1: log 2.  x = 2, y = 0: 2 + log(1 + e⁻²).  x = −3, y = 1: 3 + log(1 + e⁻³).
        // x = 100, y = 0: 100 (the stable form does not overflow).  x = −100, y = 0: ≈ 0.
        let logits = Tensor([0, 2, -3, 100, -100]).requiringGrad()
        let targets = Tensor([1, 0, 1, 0, 0])
        let losses = binaryCrossEntropyWithLogits(logits, targets, reduction: .none).toArray()
        let expected: [Float] = [0.69314718, 2.12692801, 3.04858735, 100, 0]
        #expect(GradientCheck.allClose(losses, expected, tolerance: 1e-6))
        let mean = binaryCrossEntropyWithLogits(logits, targets)
        #expect(abs(mean.item() - expected.reduce(0, +) / 5) < 1e-5)
        // ∂/∂x = (σ(x) − y) / 5: [−0.1, 0.88079708/5, (0.04742587 − 1)/5, 1/5, 0]
        mean.backward()
        #expect(GradientCheck.allClose(logits.grad!.toArray(), [-0.1, 0.17615942, -0.19051483, 0.2, 0], tolerance: 1e-6))
    }

    @Test func binaryCrossEntropyWithLogitsGradients() {
        let x = GradientCheck.random([3, 4], seed: 34, low: -4, high: 4)
        let y = GradientCheck.random([3, 4], seed: 35, low: 0, high: 1)
        for reduction in [Reduction.mean, .sum, .none] {
            #expect(GradientCheck.maxError([x, y]) { binaryCrossEntropyWithLogits($0[0], $0[1], reduction: reduction) } < 1e-3)
        }
    }
}

@Suite struct LossFunctionTests {
    @Test func wrappersForwardTheirOptions() throws {
        let logits = Tensor([1, 2, 3, 0, 0, 0], shape: [2, 3])
        let targets = Tensor(integers: [2, -1])
        let wrapped = try CrossEntropyLoss(labelSmoothing: 0.1, ignoreIndex: -1, reduction: .sum)(logits, targets)
        let direct = try crossEntropy(logits: logits, targets: targets, labelSmoothing: 0.1, ignoreIndex: -1, reduction: .sum)
        #expect(wrapped.item() == direct.item())
        #expect(abs(wrapped.item() - 0.50760596) < 1e-6)
        #expect(try NLLLoss(reduction: .none)(logits, Tensor(integers: [0, 1])).toArray() == [-1, 0])
        #expect(MSELoss(reduction: .sum)(Tensor([1, 2]), Tensor([0, 0])).item() == 5)
        #expect(abs(BCEWithLogitsLoss()(Tensor([0]), Tensor([1])).item() - 0.69314718) < 1e-6)
    }
}
