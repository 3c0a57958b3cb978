import Foundation
import Flint

/// Cross entropy between class scores and class-index targets, as
/// `torch.nn.functional.cross_entropy`: one fused kernel for log-softmax, loss and gradient.
///
/// For a row of logits z over C classes with target y, p = softmax(z) and smoothing ε, the target
/// distribution is q = (1 − ε)·onehot(y) + ε/C, and
///
///     ℓ = −Σ_c q_c log p_c = (1 − ε)·(lse − z_y) + (ε/C)·Σ_c (lse − z_c),   lse = log Σ_c e^{z_c},
///
/// computed stably with lse = m + log Σ e^{z_c − m}, m = max z. Rows whose target equals
/// `ignoreIndex` contribute 0 and are not counted: `.mean` divides by the number of other rows
/// (NaN when every row is ignored, as PyTorch). The gradient is ∂ℓ/∂z_c = p_c − q_c per counted row,
/// divided by that count for `.mean`.
///
/// - Parameters:
///   - logits: [C], [N, C] or [N, C, d₁, …] float32 scores (any strides).
///   - targets: int64 (or int32) class indices of shape [], [N] or [N, d₁, …], in 0..<C or
///     equal to `ignoreIndex`.
///   - labelSmoothing: ε in [0, 1].
/// - Returns: a scalar, or for `.none` the per-target losses in the targets' shape.
/// - Throws: ``FlintError/invalidArgument(operation:message:)`` before any computation when a target is
///   outside `0..<C` (and not `ignoreIndex`), the targets are not integer or their shape does not
///   match, or `labelSmoothing` is outside [0, 1] — targets come from data, so, as PyTorch's
///   `IndexError`, a bad one is an error the caller can report rather than a crash.
public func crossEntropy(logits: Tensor, targets: Tensor, labelSmoothing: Float = 0, ignoreIndex: Int = -100,
                         reduction: Reduction = .mean) throws -> Tensor {
    guard labelSmoothing >= 0 && labelSmoothing <= 1 else {
        throw FlintError.invalidArgument(operation: "crossEntropy", message: "labelSmoothing must be in [0, 1], got \(labelSmoothing)")
    }
    let layout = try ClassLayout(scores: logits, targets: targets, ignoreIndex: ignoreIndex, op: "crossEntropy")
    let rows = layout.rowCount, classes = layout.classes
    // With a backward pass ahead, keep e^{z − m} per class and 1/Σ per row (p = e·(1/Σ) is formed
    // in the backward pass); otherwise each thread reuses one scratch row.
    let keepsExponentials = GradMode.isEnabled && logits.requiresGrad
    let exponentials = Tensor(uninitializedShape: keepsExponentials ? [rows, classes] : [0])
    let inverseTotals = Tensor(uninitializedShape: [rows])
    let losses = Tensor(uninitializedShape: [rows])
    let x = UnsafePointer(layout.rows.pointer(as: Float.self))
    let p = exponentials.pointer(as: Float.self)
    let inverses = inverseTotals.pointer(as: Float.self)
    let loss = losses.pointer(as: Float.self)
    let t = UnsafePointer(layout.targets.pointer(as: Int64.self))
    let ignored = Int64(ignoreIndex)
    let epsilon = labelSmoothing
    let keep = 1 - labelSmoothing
    let uniform = labelSmoothing / Float(classes)
    Parallel.forChunks(rows, minimumChunk: max(1, 16_384 / classes)) { range in
        let scratch = keepsExponentials ? nil : UnsafeMutablePointer<Float>.allocate(capacity: classes)
        defer { scratch?.deallocate() }
        for r in range {
            let xr = x + r * classes, pr = scratch ?? p + r * classes
            let m = maxContiguous(xr, classes)
            let (total, rowSum) = exponentiateShifted(xr, shift: m, into: pr, classes)
            inverses[r] = 1 / total
            let target = t[r]
            if target == ignored {
                loss[r] = 0
                continue
            }
            // ClassLayout checked every target against 0..<classes before this kernel.
            let lse = m + Foundation.log(total)
            var value = keep * (lse - xr[Int(target)])
            if epsilon > 0 {
                value += uniform * (Float(classes) * lse - rowSum)
            }
            loss[r] = value
        }
    }
    let counted = layout.countNotIgnored(ignoreIndex)
    let normalizer = Float(counted)
    let result = reduction.reduce(losses, shape: layout.targetShape, normalizer: normalizer)
    let savedTargets = layout.targets, scoreShape = layout.scoreShape
    return Tensor.record(result, op: "crossEntropy", inputs: [logits]) { g in
        return reduction.withGradientScale(g, normalizer: normalizer) { shared, perRow in
            let gradient = Tensor(uninitializedShape: [rows, classes])
            let gp = gradient.pointer(as: Float.self)
            let pp = UnsafePointer(exponentials.pointer(as: Float.self))
            let inverse = UnsafePointer(inverseTotals.pointer(as: Float.self))
            let tp = UnsafePointer(savedTargets.pointer(as: Int64.self))
            Parallel.forChunks(rows, minimumChunk: max(1, 16_384 / classes)) { range in
                for r in range {
                    let out = gp + r * classes
                    let target = tp[r]
                    if target == ignored {
                        out.update(repeating: 0, count: classes)
                        continue
                    }
                    let scale = perRow.map { $0[r] } ?? shared
                    // scale · (p_c − ε/C) everywhere, minus scale · (1 − ε) at the target.
                    affineRow(pp + r * classes, out, classes, scale: scale * inverse[r], shift: -scale * uniform)
                    out[Int(target)] -= scale * keep
                }
            }
            return [ClassLayout.gradient(gradient, forScoreShape: scoreShape)]
        }
    }
}

/// out[i] = scale·x[i] + shift for i < n.
@inline(__always)
func affineRow(_ x: UnsafePointer<Float>, _ out: UnsafeMutablePointer<Float>, _ n: Int, scale: Float, shift: Float) {
    let vs = SIMD8<Float>(repeating: scale), vb = SIMD8<Float>(repeating: shift)
    var i = 0
    while i + 8 <= n {
        storeVector(loadVector(x + i) * vs + vb, out + i)
        i += 8
    }
    while i < n { out[i] = scale * x[i] + shift; i += 1 }
}
