// Inverted dropout.
//
// In training, each element is kept with probability 1 − p and scaled by 1 / (1 − p), so the
// expected value of every output equals its input and inference needs no rescaling:
//   y = x ⊙ m,  m_i = 1/(1 − p) with probability 1 − p, else 0;   ∂L/∂x = ∂L/∂y ⊙ m.

extension Tensor {
    /// Zeroes each element with `probability` and scales the kept ones by `1 / (1 − probability)`
    /// when `training`; returns `self` unchanged when not training or when `probability` is 0
    /// (`torch.nn.functional.dropout`). With `probability` 1 every element is zeroed.
    ///
    /// The mask is drawn from `generator`, one 32-bit uniform per element; the backward pass
    /// multiplies the gradient by the same mask.
    public func dropout(probability: Float, training: Bool, generator: inout RandomGenerator) -> Tensor {
        require(probability >= 0 && probability <= 1, "dropout: probability \(probability) is outside [0, 1]")
        require(dtype == .float32, "dropout: expects a float32 tensor, got \(dtype)")
        if !training || probability == 0 { return self }
        let mask = Tensor.dropoutMask(shape, probability: probability, generator: &generator)
        let out = binaryMap(self, mask, MultiplyOperation.self, name: "dropout")
        return Tensor.record(out, op: "dropout", inputs: [self]) { g in [g.multiplying(mask)] }
    }

    /// ``dropout(probability:training:generator:)`` drawing the mask from the default generator.
    public func dropout(probability: Float, training: Bool) -> Tensor {
        if !training || probability == 0 {
            require(probability >= 0 && probability <= 1, "dropout: probability \(probability) is outside [0, 1]")
            return self
        }
        return RandomGenerator.withDefault { dropout(probability: probability, training: training, generator: &$0) }
    }

    /// A float32 mask of 0 and `1 / (1 − probability)` (0 everywhere when `probability` is 1).
    /// Element i is kept when its 32-bit uniform word w satisfies w ≥ ⌊probability · 2³²⌋; each
    /// 64-bit draw gives the words of two elements (low half first).
    static func dropoutMask(_ shape: [Int], probability: Float, generator: inout RandomGenerator) -> Tensor {
        let mask = Tensor(uninitializedShape: shape, dtype: .float32)
        let p = mask.pointer(as: Float.self)
        let n = mask.count
        if probability >= 1 {
            p.initialize(repeating: 0, count: n)
            return mask
        }
        let threshold = UInt32(min(Double(probability) * 4_294_967_296, 4_294_967_295))
        let scale = 1 / (1 - probability)
        var i = 0
        while i < n {
            let bits = generator.next()
            p[i] = UInt32(truncatingIfNeeded: bits) >= threshold ? scale : 0
            if i + 1 < n { p[i + 1] = UInt32(truncatingIfNeeded: bits >> 32) >= threshold ? scale : 0 }
            i += 2
        }
        return mask
    }
}
