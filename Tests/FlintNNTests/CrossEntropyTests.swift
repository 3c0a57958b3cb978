import Foundation
import Testing
import Flint
import FlintNN
import FlintTestSupport

/// Reference cross entropy in Double: −Σ_c q_c log p_c per row.
private func referenceLoss(_ logits: [Float], classes: Int, target: Int, smoothing: Double) -> Double {
    let z = logits.map(Double.init)
    let m = z.max()!
    let lse = m + Foundation.log(z.reduce(0) { $0 + Foundation.exp($1 - m) })
    var loss = 0.0
    for c in 0..<classes {
        let q = (c == target ? 1 - smoothing : 0) + smoothing / Double(classes)
        loss -= q * (z[c] - lse)
    }
    return loss
}

@Suite struct CrossEntropyTests {
    @Test func handValue() throws {
        // lse = log(e¹ + e² + e³) = 3 + log(1 + e⁻¹ + e⁻²) = 3.40760596; loss = lse − 3.
        let logits = Tensor([1, 2, 3], shape: [1, 3])
        let loss = try crossEntropy(logits: logits, targets: Tensor(integers: [2]))
        #expect(abs(loss.item() - 0.40760596) < 1e-6)
        // Rank-1 logits with a scalar target.
        #expect(abs(try crossEntropy(logits: Tensor([1, 2, 3]), targets: Tensor(integers: [2], shape: [])).item() - 0.40760596) < 1e-6)
    }

    @Test func handGradient() throws {
        // ∂ℓ/∂z = softmax(z) − onehot = [0.09003057, 0.24472847, 0.66524096 − 1].
        let logits = Tensor([1, 2, 3], shape: [1, 3]).requiringGrad()
        try crossEntropy(logits: logits, targets: Tensor(integers: [2])).backward()
        #expect(GradientCheck.allClose(logits.grad!.toArray(), [0.09003057, 0.24472847, -0.33475904], tolerance: 1e-6))
    }

    @Test func labelSmoothingHandValue() throws {
        // ε = 0.1, C = 3: 0.9·(lse − 3) + (0.1/3)·(3·lse − (1 + 2 + 3))
        //   = 0.9·0.40760596 + 4.22281789/30 = 0.36684537 + 0.14076060 = 0.50760596.
        let logits = Tensor([1, 2, 3], shape: [1, 3]).requiringGrad()
        let loss = try crossEntropy(logits: logits, targets: Tensor(integers: [2]), labelSmoothing: 0.1)
        #expect(abs(loss.item() - 0.50760596) < 1e-6)
        // ∂ℓ/∂z = p − q, q = [0.1/3, 0.1/3, 0.9 + 0.1/3].
        loss.backward()
        #expect(GradientCheck.allClose(logits.grad!.toArray(), [0.05669724, 0.21139514, -0.26809238], tolerance: 1e-6))
    }

    @Test func ignoreIndexExcludesRowsFromTheMean() throws {
        let logits = Tensor([1, 2, 3, 5, -1, 0.5], shape: [2, 3]).requiringGrad()
        let targets = Tensor(integers: [2, -100])
        let mean = try crossEntropy(logits: logits, targets: targets)
        #expect(abs(mean.item() - 0.40760596) < 1e-6)
        mean.backward()
        let g = logits.grad!.toArray()
        #expect(GradientCheck.allClose(Array(g[0..<3]), [0.09003057, 0.24472847, -0.33475904], tolerance: 1e-6))
        #expect(Array(g[3..<6]) == [0, 0, 0])
        let none = try crossEntropy(logits: logits, targets: targets, reduction: .none).toArray()
        #expect(abs(none[0] - 0.40760596) < 1e-6 && none[1] == 0)
        // A custom ignore index inside the class range.
        let custom = try crossEntropy(logits: logits, targets: Tensor(integers: [2, 1]), ignoreIndex: 1, reduction: .sum)
        #expect(abs(custom.item() - 0.40760596) < 1e-6)
        // Everything ignored: the mean is 0/0, NaN as in PyTorch.
        #expect(try crossEntropy(logits: logits, targets: Tensor(integers: [-100, -100])).item().isNaN)
    }

    @Test func labelSmoothingWithIgnoredRowsMatchesPyTorch() throws {
        // torch.nn.functional.cross_entropy(z, t, label_smoothing=0.2) = 1.0461920 for these
        // values: the smoothing term is averaged over the 2 counted rows, not all 3.
        let logits = Tensor([1, 2, 3, 5, -1, 0.5, 0, 0, 1], shape: [3, 3])
        let loss = try crossEntropy(logits: logits, targets: Tensor(integers: [2, -100, 0]), labelSmoothing: 0.2)
        #expect(abs(loss.item() - 1.0461920) < 1e-6)
    }

    @Test func reductionsAgreeWithReference() throws {
        // 37 classes: several SIMD blocks plus a tail; large logits test stability.
        let rows = 5, classes = 37
        let logits = GradientCheck.random([rows, classes], seed: 21, low: -30, high: 60, requiresGrad: false)
        let targetValues = [0, 36, 5, 17, 8]
        let targets = Tensor(integers: targetValues)
        let values = logits.toArray()
        for smoothing in [0.0, 0.2] {
            let reference = (0..<rows).map {
                referenceLoss(Array(values[$0 * classes..<($0 + 1) * classes]), classes: classes,
                              target: targetValues[$0], smoothing: smoothing)
            }
            let none = try crossEntropy(logits: logits, targets: targets, labelSmoothing: Float(smoothing), reduction: .none)
            #expect(none.shape == [rows])
            for (a, b) in zip(none.toArray(), reference) { #expect(abs(Double(a) - b) < 1e-4 * max(1, abs(b))) }
            let sum = try crossEntropy(logits: logits, targets: targets, labelSmoothing: Float(smoothing), reduction: .sum)
            let mean = try crossEntropy(logits: logits, targets: targets, labelSmoothing: Float(smoothing))
            let total = reference.reduce(0, +)
            #expect(abs(Double(sum.item()) - total) < 1e-4 * total)
            #expect(abs(Double(mean.item()) - total / Double(rows)) < 1e-4 * total)
        }
    }

    @Test func gradientsMatchFiniteDifferences() throws {
        let logits = GradientCheck.random([4, 11], seed: 22, low: -3, high: 3)
        let targets = Tensor(integers: [3, -100, 10, 0])
        for reduction in [Reduction.mean, .sum, .none] {
            for smoothing: Float in [0, 0.3] {
                let error = try GradientCheck.maxError([logits]) {
                    try crossEntropy(logits: $0[0], targets: targets, labelSmoothing: smoothing, reduction: reduction)
                }
                #expect(error < 2e-3, "reduction \(reduction), smoothing \(smoothing): \(error)")
            }
        }
    }

    @Test func spatialLogitsMatchFlattenedRows() throws {
        // [N, C, L] logits with [N, L] targets equal [N·L, C] rows after moving C last.
        let logits = GradientCheck.random([2, 4, 3], seed: 23, low: -2, high: 2)
        let targets = Tensor(integers: [0, 3, 1, 2, -100, 3], shape: [2, 3])
        let rows = logits.detached().permuted([0, 2, 1]).contiguous().reshaped([6, 4])
        let expected = try crossEntropy(logits: rows, targets: targets.reshaped([6]), reduction: .none).toArray()
        let spatial = try crossEntropy(logits: logits, targets: targets, reduction: .none)
        #expect(spatial.shape == [2, 3])
        #expect(spatial.toArray() == expected)
        let error = try GradientCheck.maxError([logits]) {
            try crossEntropy(logits: $0[0], targets: targets, labelSmoothing: 0.1)
        }
        #expect(error < 2e-3)
    }

    @Test func transposedLogitsView() throws {
        // A non-contiguous [N, C] view (transposed [C, N] storage) gives the same loss and gradient.
        let storage = GradientCheck.random([5, 3], seed: 24)
        let targets = Tensor(integers: [4, 0, 2])
        let direct = try crossEntropy(logits: storage.detached().transposed().contiguous(), targets: targets).item()
        #expect(abs(try crossEntropy(logits: storage.transposed(), targets: targets).item() - direct) < 1e-6)
        let error = try GradientCheck.maxError([storage]) {
            try crossEntropy(logits: $0[0].transposed(), targets: targets, labelSmoothing: 0.05)
        }
        #expect(error < 2e-3)
    }

    @Test func int32TargetsAndExtremeLogits() throws {
        let logits = Tensor([1000, 0, -1000, -1000, 0, 1000], shape: [2, 3])
        let loss = try crossEntropy(logits: logits, targets: Tensor(integers: [0, 0], dtype: .int32), reduction: .none)
        // Row 0 is certain (loss 0); row 1 has log-probability −2000 for class 0.
        #expect(loss.toArray() == [0, 2000])
    }

    /// A label outside 0..<C is data, not a programming error: a thrown error before the kernel runs
    /// (PyTorch raises IndexError), naming the loss, the value, its position and the class count.
    @Test func outOfRangeTargetsThrowInsteadOfTrapping() throws {
        let logits = Tensor([1, 2, 3, 4, 5, 6], shape: [2, 3])
        logits.requiresGrad = true
        for (values, bad, row) in [([0, 3], 3, 1), ([-1, 0], -1, 0), ([2, 1_000_000_000_000], 1_000_000_000_000, 1)] {
            let error = #expect(throws: FlintError.self) { try crossEntropy(logits: logits, targets: Tensor(integers: values)) }
            #expect(error?.description == "crossEntropy: target \(bad) at index \(row) is out of range for 3 classes (expected 0..<3 or ignore index -100)")
            let nll = #expect(throws: FlintError.self) { try nllLoss(logProbabilities: logits, targets: Tensor(integers: values)) }
            #expect(nll?.description.hasPrefix("nllLoss: target \(bad) at index \(row) is out of range for 3 classes") == true)
            #expect(throws: FlintError.self) { try CrossEntropyLoss()(logits, Tensor(integers: values)) }
        }
        // An ignored row may hold the ignore index even though it is out of range.
        #expect(try crossEntropy(logits: logits, targets: Tensor(integers: [7, 1]), ignoreIndex: 7).item().isFinite)
    }

    @Test func wrongTargetDtypeOrShapeThrows() throws {
        let logits = Tensor([1, 2, 3, 4, 5, 6], shape: [2, 3])
        let floats = #expect(throws: FlintError.self) { try crossEntropy(logits: logits, targets: Tensor([0, 1])) }
        #expect(floats?.description == "crossEntropy: targets must be int64 or int32 class indices, got float32")
        let shape = #expect(throws: FlintError.self) { try crossEntropy(logits: logits, targets: Tensor(integers: [0, 1, 2])) }
        #expect(shape?.description.contains("targets [3] do not match scores [2, 3]") == true)
        #expect(throws: FlintError.self) { try crossEntropy(logits: logits, targets: Tensor(integers: [0, 1]), labelSmoothing: 2) }
    }
}
