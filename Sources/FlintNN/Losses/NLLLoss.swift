import Flint

/// Negative log-likelihood of class-index targets under given log-probabilities, as
/// `torch.nn.functional.nll_loss`: ℓ = −logProbabilities[y] per target.
///
/// Rows whose target equals `ignoreIndex` contribute 0 and are not counted; `.mean` divides by
/// the number of other rows. The gradient is −1 (÷ count for `.mean`) at each target's entry
/// and 0 elsewhere. Pair with `logSoftmax(axis: 1)` to get ``crossEntropy(logits:targets:labelSmoothing:ignoreIndex:reduction:)``.
///
/// - Parameters:
///   - logProbabilities: [C], [N, C] or [N, C, d₁, …] float32.
///   - targets: int64 (or int32) indices of shape [], [N] or [N, d₁, …].
public func nllLoss(logProbabilities: Tensor, targets: Tensor, ignoreIndex: Int = -100,
                    reduction: Reduction = .mean) -> Tensor {
    let layout = ClassLayout(scores: logProbabilities, targets: targets, op: "nllLoss")
    let rows = layout.rowCount, classes = layout.classes
    let losses = Tensor(uninitializedShape: [rows])
    let x = layout.rows.pointer(as: Float.self)
    let loss = losses.pointer(as: Float.self)
    let t = layout.targets.pointer(as: Int64.self)
    let ignored = Int64(ignoreIndex)
    for r in 0..<rows {
        let target = t[r]
        if target == ignored {
            loss[r] = 0
            continue
        }
        // A bad label is data, not a programming error: checked even in -Ounchecked builds.
        if target < 0 || target >= Int64(classes) {
            fatalError("nllLoss: target \(target) at row \(r) is out of range for \(classes) classes")
        }
        loss[r] = -x[r * classes + Int(target)]
    }
    let normalizer = Float(layout.countNotIgnored(ignoreIndex))
    let result = reduction.reduce(losses, shape: layout.targetShape, normalizer: normalizer)
    let savedTargets = layout.targets, scoreShape = layout.scoreShape
    return Tensor.record(result, op: "nllLoss", inputs: [logProbabilities]) { g in
        return reduction.withGradientScale(g, normalizer: normalizer) { shared, perRow in
            let gradient = Tensor.zeros([rows, classes])
            let gp = gradient.pointer(as: Float.self)
            let tp = savedTargets.pointer(as: Int64.self)
            for r in 0..<rows where tp[r] != ignored {
                gp[r * classes + Int(tp[r])] = -(perRow.map { $0[r] } ?? shared)
            }
            return [ClassLayout.gradient(gradient, forScoreShape: scoreShape)]
        }
    }
}
