import Foundation
import Flint

/// Binary cross entropy on raw scores (`torch.nn.functional.binary_cross_entropy_with_logits`):
///
///     ℓ = −[y·log σ(x) + (1 − y)·log(1 − σ(x))] = max(x, 0) − x·y + log(1 + e^{−|x|}),
///
/// the right-hand form being stable for any x. Gradients: ∂ℓ/∂x = σ(x) − y and ∂ℓ/∂y = −x
/// (÷ count for `.mean`).
///
/// - Parameters:
///   - logits: float32 scores of any shape.
///   - targets: float32 targets in [0, 1], same shape.
public func binaryCrossEntropyWithLogits(_ logits: Tensor, _ targets: Tensor, reduction: Reduction = .mean) -> Tensor {
    precondition(logits.shape == targets.shape,
                 "binaryCrossEntropyWithLogits: logits \(logits.shape) and targets \(targets.shape) differ in shape")
    precondition(logits.dtype == .float32 && targets.dtype == .float32,
                 "binaryCrossEntropyWithLogits: expects float32, got \(logits.dtype) and \(targets.dtype)")
    let x = logits.detached().contiguous(), y = targets.detached().contiguous()
    let n = x.count
    let losses = Tensor(uninitializedShape: [n])
    let px = x.pointer(as: Float.self), py = y.pointer(as: Float.self), pl = losses.pointer(as: Float.self)
    Parallel.forChunks(n, minimumChunk: 16_384) { range in
        for i in range {
            let v = px[i]
            pl[i] = max(v, 0) - v * py[i] + Foundation.log1p(Foundation.exp(-abs(v)))
        }
    }
    let normalizer = Float(n)
    let result = reduction.reduce(losses, shape: logits.shape, normalizer: normalizer)
    return Tensor.record(result, op: "binaryCrossEntropyWithLogits", inputs: [logits, targets]) { [shape = logits.shape] g in
        return reduction.withGradientScale(g, normalizer: normalizer) { shared, perElement in
            let gx = Tensor(uninitializedShape: shape), gy = Tensor(uninitializedShape: shape)
            let pgx = gx.pointer(as: Float.self), pgy = gy.pointer(as: Float.self)
            let px = x.pointer(as: Float.self), py = y.pointer(as: Float.self)
            Parallel.forChunks(n, minimumChunk: 16_384) { range in
                for i in range {
                    let scale = perElement.map { $0[i] } ?? shared
                    let v = px[i]
                    // σ(v) without overflow: e^{−|v|} is at most 1.
                    let e = Foundation.exp(-abs(v))
                    let sigmoid = v >= 0 ? 1 / (1 + e) : e / (1 + e)
                    pgx[i] = scale * (sigmoid - py[i])
                    pgy[i] = -scale * v
                }
            }
            return [gx, gy]
        }
    }
}
