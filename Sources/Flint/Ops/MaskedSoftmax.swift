// Scaled, masked softmax over the last axis: the attention-probability step of a transformer in one
// pass forward and one pass backward.
//
// For a row x of length n with additive mask row m and scale s:
//   y = softmax(s·x + m),   yᵢ = e^{s·xᵢ + mᵢ − c} / Σⱼ e^{s·xⱼ + mⱼ − c},  c = maxⱼ (s·xⱼ + mⱼ);
//   ∂L/∂xᵢ = s · yᵢ · (gᵢ − Σⱼ gⱼ·yⱼ).
// The mask is a constant (padding): it gets no gradient, which also saves the reduction of a
// broadcast add's gradient over the whole score tensor.

extension Tensor {
    /// softmax(scale · self + additiveMask) along the last axis, as
    /// `torch.softmax(x * scale + mask, dim=-1)` with a mask that broadcasts over the middle axes.
    ///
    /// - Parameters:
    ///   - scale: multiplies every input element first (1/√d for attention scores).
    ///   - additiveMask: nil, or a float32 tensor of shape [batch, n] when `self` has shape
    ///     [batch, …, n]: every row of `self` in batch entry b gets row b of the mask added
    ///     (0 to keep a position, a large negative number such as `-Float.greatestFiniteMagnitude`
    ///     to drop it). It is treated as a constant: no gradient flows into it.
    /// - Returns: the probabilities, contiguous, of `self`'s shape. Differentiable in `self`.
    public func scaledMaskedSoftmax(scale: Float = 1, additiveMask: Tensor? = nil) -> Tensor {
        require(dtype == .float32, "scaledMaskedSoftmax: expects float32, got \(dtype)")
        require(rank >= 1, "scaledMaskedSoftmax: needs at least one dimension, shape is \(shape)")
        let n = shape[rank - 1]
        let rows = n == 0 ? 0 : count / n
        var rowsPerMaskRow = rows
        if let additiveMask {
            require(additiveMask.dtype == .float32 && additiveMask.rank == 2 && rank >= 2
                        && additiveMask.shape == [shape[0], n],
                    "scaledMaskedSoftmax: mask must be float32 [\(rank >= 2 ? shape[0] : 0), \(n)] for input \(shape), got \(additiveMask.dtype) \(additiveMask.shape)")
            rowsPerMaskRow = shape[0] == 0 ? 0 : rows / shape[0]
        }
        let x = contiguous()
        let mask = additiveMask?.contiguous()
        let out = Tensor(uninitializedShape: shape)
        if rows == 0 { return out }
        let px = UnsafePointer(x.pointer(as: Float.self)), py = out.pointer(as: Float.self)
        let pm = mask.map { UnsafePointer($0.pointer(as: Float.self)) }
        let perRows = rowsPerMaskRow
        Parallel.forChunks(rows, minimumChunk: Swift.max(1, (1 << 14) / Swift.max(n, 1))) { range in
            for r in range {
                Tensor.scaledMaskedSoftmaxRow(px + r * n, pm.map { $0 + (r / perRows) * n }, py + r * n, n, scale)
            }
        }
        let y = out.detached()
        return Tensor.record(out, op: "scaledMaskedSoftmax", inputs: [self]) { g in
            let gc = g.contiguous()
            let gx = Tensor(uninitializedShape: y.shape)
            let pg = UnsafePointer(gc.pointer(as: Float.self)), pyy = UnsafePointer(y.pointer(as: Float.self))
            let pgx = gx.pointer(as: Float.self)
            Parallel.forChunks(rows, minimumChunk: Swift.max(1, (1 << 14) / Swift.max(n, 1))) { range in
                for r in range {
                    Tensor.scaledMaskedSoftmaxBackwardRow(pg + r * n, pyy + r * n, pgx + r * n, n, scale)
                }
            }
            return [gx]
        }
    }

    /// One forward row: y = softmax(s·x + m).
    @inline(__always)
    static func scaledMaskedSoftmaxRow(_ x: UnsafePointer<Float>, _ m: UnsafePointer<Float>?, _ y: UnsafeMutablePointer<Float>,
                                       _ n: Int, _ s: Float) {
        let vs = SIMD8<Float>(repeating: s)
        var vmax = SIMD8<Float>(repeating: -.infinity)
        var i = 0
        while i + 8 <= n {
            var z = loadVector(x + i) * vs
            if let m { z += loadVector(m + i) }
            storeVector(z, y + i)
            vmax = vmax.replacing(with: z, where: z .> vmax)
            i += 8
        }
        var c = vmax.max()
        while i < n {
            var z = x[i] * s
            if let m { z += m[i] }
            y[i] = z
            c = Swift.max(c, z)
            i += 1
        }
        // A row of −∞ (everything masked with −∞) gives NaN, as PyTorch; finite masks never do.
        let vc = SIMD8<Float>(repeating: c)
        var vsum = SIMD8<Float>()
        i = 0
        while i + 8 <= n {
            let e = VectorMath.exp(loadVector(y + i) - vc)
            storeVector(e, y + i)
            vsum += e
            i += 8
        }
        var total = vsum.sum()
        while i < n {
            let e = VectorMath.exp(y[i] - c)
            y[i] = e
            total += e
            i += 1
        }
        let inverse = 1 / total
        let vi = SIMD8<Float>(repeating: inverse)
        i = 0
        while i + 8 <= n {
            storeVector(loadVector(y + i) * vi, y + i)
            i += 8
        }
        while i < n {
            y[i] *= inverse
            i += 1
        }
    }

    /// One backward row: gx = s · y · (g − Σ g·y).
    @inline(__always)
    static func scaledMaskedSoftmaxBackwardRow(_ g: UnsafePointer<Float>, _ y: UnsafePointer<Float>,
                                               _ gx: UnsafeMutablePointer<Float>, _ n: Int, _ s: Float) {
        var vdot = SIMD8<Float>()
        var i = 0
        while i + 8 <= n {
            vdot = vdot.addingProduct(loadVector(g + i), loadVector(y + i))
            i += 8
        }
        var dot = vdot.sum()
        while i < n {
            dot += g[i] * y[i]
            i += 1
        }
        let vd = SIMD8<Float>(repeating: dot), vs = SIMD8<Float>(repeating: s)
        i = 0
        while i + 8 <= n {
            storeVector(vs * loadVector(y + i) * (loadVector(g + i) - vd), gx + i)
            i += 8
        }
        while i < n {
            gx[i] = s * y[i] * (g[i] - dot)
            i += 1
        }
    }
}
