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
/// - Throws: ``FlintError/invalidArgument(operation:message:)`` before any computation when a target is
///   outside `0..<C` (and not `ignoreIndex`) or the targets' dtype or shape is wrong.
public func nllLoss(logProbabilities: Tensor, targets: Tensor, ignoreIndex: Int = -100,
                    reduction: Reduction = .mean) throws -> Tensor {
    let layout = try ClassLayout(scores: logProbabilities, targets: targets, ignoreIndex: ignoreIndex, op: "nllLoss")
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
        // ClassLayout checked every target against 0..<classes.
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
