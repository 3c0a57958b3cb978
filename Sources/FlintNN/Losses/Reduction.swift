import Flint

/// How a loss combines its per-element values (PyTorch's `reduction=`).
public enum Reduction: Sendable, Equatable {
    /// The average over the counted elements (for class losses: the targets not ignored).
    case mean
    /// The sum.
    case sum
    /// No reduction: one loss per element, in the shape of the targets.
    case none
}

extension Reduction {
    /// Reduces `count` per-element losses held in `values` to a scalar tensor (sum, or sum divided
    /// by `normalizer` for `.mean`), or wraps them in a tensor of `shape` for `.none`.
    /// Sums run in Double.
    func reduce(_ values: Tensor, shape: [Int], normalizer: Float) -> Tensor {
        switch self {
        case .none:
            return values.reshaped(shape)
        case .sum, .mean:
            let p = values.pointer(as: Float.self)
            var total = 0.0
            for i in 0..<values.count { total += Double(p[i]) }
            if self == .mean { total /= Double(normalizer) }
            return Tensor(Float(total))
        }
    }

    /// Runs `body` with the factor each element's gradient gets from the upstream gradient `g` of
    /// the reduced loss: for `.mean` (g ÷ normalizer) and `.sum` (g) one shared factor and a nil
    /// pointer; for `.none` a pointer to the elements of `g` (contiguous), valid inside `body`.
    func withGradientScale<R>(_ g: Tensor, normalizer: Float,
                              _ body: (_ shared: Float, _ perElement: UnsafePointer<Float>?) -> R) -> R {
        switch self {
        case .none:
            let contiguous = g.contiguous()
            return withExtendedLifetime(contiguous) { body(1, UnsafePointer(contiguous.pointer(as: Float.self))) }
        case .sum:
            return body(g.item(), nil)
        case .mean:
            return body(g.item() / normalizer, nil)
        }
    }
}
