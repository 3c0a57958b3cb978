// Softmax, log-softmax and log-sum-exp along one axis, with fused kernels.
//
// A contiguous tensor is viewed as [outer, n, inner] around the reduced axis of length n. When the
// axis is the last one (inner = 1) each slice is a contiguous row: one pass finds the maximum, one
// computes and sums exp(x − max), one scales (the row stays in L1). For other axes a slice is
// strided by `inner`, and the kernels sweep whole rows of `inner` values at a time, so every memory
// access stays contiguous and vectorised (no permute copies); there one "online" pass finds the
// maximum and the rescaled sum together and a second writes the result. All forms subtract the
// maximum first, so inputs of ±1000 are fine.

/// Where the reduced axis sits in a contiguous tensor: `outer` slices of `length` elements,
/// neighbouring slice elements `inner` apart.
struct AxisLayout {
    let outer: Int
    let length: Int
    let inner: Int

    init(shape: [Int], axis: Int, op: String) {
        if shape.isEmpty {
            _ = Shape.axis(axis, rank: 0, op: op)
            outer = 1; length = 1; inner = 1
            return
        }
        let a = Shape.axis(axis, rank: shape.count, op: op)
        outer = shape[..<a].reduce(1, *)
        length = shape[a]
        inner = shape[(a + 1)...].reduce(1, *)
    }

    /// Runs `body(o, k0, k1)` over slice groups in parallel: for rows (inner = 1) `k0..<k1` is
    /// 0..<1 and one call handles one row; otherwise one call handles columns k0..<k1 of outer
    /// index o. Column groups are whole rows of up to 2048 columns, read as contiguous streams:
    /// narrower groups measured 2–3× slower (even when they let more threads help), so a single
    /// outer slice narrower than 2048 runs on one thread.
    func forEachBlock(_ body: (Int, Int, Int) -> Void) {
        let block = Swift.max(1, Swift.min(inner, 2048))
        let blocks = (inner + block - 1) / block
        let perUnit = length * block
        Parallel.forChunks(outer * blocks, minimumChunk: Swift.max(1, (1 << 14) / Swift.max(perUnit, 1))) { range in
            for unit in range {
                let o = unit / blocks
                let k0 = (unit % blocks) * block
                body(o, k0, Swift.min(inner, k0 + block))
            }
        }
    }
}

/// Fused softmax-family kernels over contiguous float32 buffers in an ``AxisLayout``.
enum SoftmaxKernels {
    // MARK: Forward

    /// out = softmax(x) (or log-softmax when `logarithmic`) along the layout's axis.
    static func forward(_ x: UnsafePointer<Float>, _ out: UnsafeMutablePointer<Float>, _ layout: AxisLayout,
                        logarithmic: Bool) {
        let n = layout.length, inner = layout.inner
        if inner == 1 {
            layout.forEachBlock { o, _, _ in
                if logarithmic {
                    logSoftmaxRow(x + o * n, out + o * n, n)
                } else {
                    softmaxRow(x + o * n, out + o * n, n)
                }
            }
            return
        }
        layout.forEachBlock { o, k0, k1 in
            withUnsafeTemporaryAllocation(of: Float.self, capacity: 2 * (k1 - k0)) { scratch in
                let base = x + o * n * inner + k0, dst = out + o * n * inner + k0
                let width = k1 - k0
                let m = scratch.baseAddress!, s = m + width
                columnMaximumAndSum(base, n, inner, width, m, s)
                if logarithmic {
                    for k in 0..<width { s[k] = VectorMath.log(s[k]) }
                    for j in 0..<n {
                        let row = base + j * inner, target = dst + j * inner
                        var k = 0
                        while k + 8 <= width {
                            storeVector(loadVector(row + k) - loadVector(m + k) - loadVector(s + k), target + k)
                            k += 8
                        }
                        while k < width { target[k] = row[k] - m[k] - s[k]; k += 1 }
                    }
                } else {
                    for k in 0..<width { s[k] = 1 / s[k] }
                    for j in 0..<n {
                        let row = base + j * inner, target = dst + j * inner
                        var k = 0
                        while k + 8 <= width {
                            let e = VectorMath.exp(loadVector(row + k) - loadVector(m + k))
                            storeVector(e * loadVector(s + k), target + k)
                            k += 8
                        }
                        while k < width { target[k] = VectorMath.exp(row[k] - m[k]) * s[k]; k += 1 }
                    }
                }
            }
        }
    }

    /// One contiguous row: q = exp(p − max) / Σ exp(p − max).
    @inline(__always)
    static func softmaxRow(_ p: UnsafePointer<Float>, _ q: UnsafeMutablePointer<Float>, _ n: Int) {
        let m = extremumValue(p, n, MaximumKind.self)
        let s = rowSumExp(p, n, m, store: q)
        let inverse = SIMD8<Float>(repeating: 1 / s)
        var i = 0
        while i + 8 <= n {
            storeVector(loadVector(q + i) * inverse, q + i)
            i += 8
        }
        while i < n { q[i] *= inverse[0]; i += 1 }
    }

    /// One contiguous row: q = (p − max) − log Σ exp(p − max).
    @inline(__always)
    static func logSoftmaxRow(_ p: UnsafePointer<Float>, _ q: UnsafeMutablePointer<Float>, _ n: Int) {
        let m = extremumValue(p, n, MaximumKind.self)
        let logSum = VectorMath.log(rowSumExp(p, n, m, store: nil))
        let vm = SIMD8<Float>(repeating: m), vl = SIMD8<Float>(repeating: logSum)
        var i = 0
        while i + 8 <= n {
            storeVector(loadVector(p + i) - vm - vl, q + i)
            i += 8
        }
        while i < n { q[i] = p[i] - m - logSum; i += 1 }
    }

    /// Σ exp(p[i] − m) over a row, optionally storing each exp into `store`.
    @inline(__always)
    static func rowSumExp(_ p: UnsafePointer<Float>, _ n: Int, _ m: Float,
                          store: UnsafeMutablePointer<Float>?) -> Float {
        let vm = SIMD8<Float>(repeating: m)
        var a0 = SIMD8<Float>(), a1 = SIMD8<Float>()
        var i = 0
        if let q = store {
            while i + 16 <= n {
                let e0 = VectorMath.exp(loadVector(p + i) - vm), e1 = VectorMath.exp(loadVector(p + i + 8) - vm)
                storeVector(e0, q + i)
                storeVector(e1, q + i + 8)
                a0 += e0
                a1 += e1
                i += 16
            }
            while i + 8 <= n {
                let e = VectorMath.exp(loadVector(p + i) - vm)
                storeVector(e, q + i)
                a0 += e
                i += 8
            }
        } else {
            while i + 16 <= n {
                a0 += VectorMath.exp(loadVector(p + i) - vm)
                a1 += VectorMath.exp(loadVector(p + i + 8) - vm)
                i += 16
            }
            while i + 8 <= n {
                a0 += VectorMath.exp(loadVector(p + i) - vm)
                i += 8
            }
        }
        var s = (a0 + a1).sum()
        while i < n {
            let e = VectorMath.exp(p[i] - m)
            store?[i] = e
            s += e
            i += 1
        }
        return s
    }

    /// One pass over strided slices: m[k] = max_j x[j, k] and s[k] = Σ_j exp(x[j, k] − m[k]) for
    /// k < width, with x[j, k] = base[j·inner + k]. The running sum is rescaled by exp(m_old − m_new)
    /// whenever the maximum grows (the "online softmax" recurrence), so the data is read once here
    /// and once more for the output, instead of three times. Equal old and new maxima rescale by
    /// exactly 1 (so leading −∞ entries do not turn the sum into NaN); NaN still reaches the sum.
    static func columnMaximumAndSum(_ base: UnsafePointer<Float>, _ n: Int, _ inner: Int, _ width: Int,
                                    _ m: UnsafeMutablePointer<Float>, _ s: UnsafeMutablePointer<Float>) {
        m.update(from: base, count: width)
        s.initialize(repeating: 1, count: width)
        let one = SIMD8<Float>(repeating: 1)
        for j in 1..<Swift.max(n, 1) {
            let row = base + j * inner
            var k = 0
            while k + 8 <= width {
                let v = loadVector(row + k), mOld = loadVector(m + k)
                let mNew = MaximumKind.combine(mOld, v)
                let term = VectorMath.exp(v - mNew).replacing(with: one, where: v .== mNew)
                let grew = mOld .!= mNew
                if any(grew) {  // rare after the first rows: the maximum seldom changes
                    let rescale = VectorMath.exp(mOld - mNew).replacing(with: one, where: .!grew)
                    storeVector(term.addingProduct(loadVector(s + k), rescale), s + k)
                    storeVector(mNew, m + k)
                } else {
                    storeVector(loadVector(s + k) + term, s + k)
                }
                k += 8
            }
            while k < width {
                let v = row[k], mOld = m[k]
                let mNew = v > mOld ? v : mOld
                let rescale = mOld == mNew ? 1 : VectorMath.exp(mOld - mNew)
                let term = v == mNew ? 1 : VectorMath.exp(v - mNew)
                s[k] = s[k] * rescale + term
                m[k] = mNew
                k += 1
            }
        }
    }

    // MARK: Log-sum-exp

    /// out[o, k] = log Σ_j exp(x[o, j, k]), shifted by the maximum (a ±∞ maximum is not
    /// subtracted, so an all −∞ slice gives −∞ and a +∞ element gives +∞, as PyTorch).
    static func logSumExp(_ x: UnsafePointer<Float>, _ out: UnsafeMutablePointer<Float>, _ layout: AxisLayout) {
        let n = layout.length, inner = layout.inner
        layout.forEachBlock { o, k0, k1 in
            if inner == 1 {
                var m = extremumValue(x + o * n, n, MaximumKind.self)
                if m.isInfinite { m = 0 }
                out[o] = m + VectorMath.log(rowSumExp(x + o * n, n, m, store: nil))
                return
            }
            withUnsafeTemporaryAllocation(of: Float.self, capacity: 2 * (k1 - k0)) { scratch in
                let width = k1 - k0
                let base = x + o * n * inner + k0
                let m = scratch.baseAddress!, s = m + width
                // An all −∞ slice ends with m = −∞ and a finite s, so the result is −∞; a +∞
                // entry gives +∞, as PyTorch.
                columnMaximumAndSum(base, n, inner, width, m, s)
                for k in 0..<width { out[o * inner + k0 + k] = m[k] + VectorMath.log(s[k]) }
            }
        }
    }

    // MARK: Backward

    /// Softmax: gx = y·(g − Σ g·y). Log-softmax (y = log-probabilities): gx = g − exp(y)·Σ g.
    static func backward(_ y: UnsafePointer<Float>, _ g: UnsafePointer<Float>, _ out: UnsafeMutablePointer<Float>,
                         _ layout: AxisLayout, logarithmic: Bool) {
        let n = layout.length, inner = layout.inner
        if inner == 1 {
            layout.forEachBlock { o, _, _ in
                let py = y + o * n, pg = g + o * n, q = out + o * n
                var acc = SIMD8<Float>()
                var i = 0
                if logarithmic {
                    while i + 8 <= n { acc += loadVector(pg + i); i += 8 }
                    var total = acc.sum()
                    while i < n { total += pg[i]; i += 1 }
                    let vt = SIMD8<Float>(repeating: total)
                    i = 0
                    while i + 8 <= n {
                        storeVector(loadVector(pg + i) - VectorMath.exp(loadVector(py + i)) * vt, q + i)
                        i += 8
                    }
                    while i < n { q[i] = pg[i] - VectorMath.exp(py[i]) * total; i += 1 }
                } else {
                    while i + 8 <= n { acc = acc.addingProduct(loadVector(pg + i), loadVector(py + i)); i += 8 }
                    var dot = acc.sum()
                    while i < n { dot += pg[i] * py[i]; i += 1 }
                    let vd = SIMD8<Float>(repeating: dot)
                    i = 0
                    while i + 8 <= n {
                        storeVector(loadVector(py + i) * (loadVector(pg + i) - vd), q + i)
                        i += 8
                    }
                    while i < n { q[i] = py[i] * (pg[i] - dot); i += 1 }
                }
            }
            return
        }
        layout.forEachBlock { o, k0, k1 in
            withUnsafeTemporaryAllocation(of: Float.self, capacity: k1 - k0) { scratch in
                let width = k1 - k0
                let start = o * n * inner + k0
                let by = y + start, bg = g + start, bq = out + start
                let s = scratch.baseAddress!
                s.initialize(repeating: 0, count: width)
                for j in 0..<n {
                    let ry = by + j * inner, rg = bg + j * inner
                    var k = 0
                    while k + 8 <= width {
                        let term = logarithmic ? loadVector(rg + k) : loadVector(rg + k) * loadVector(ry + k)
                        storeVector(loadVector(s + k) + term, s + k)
                        k += 8
                    }
                    while k < width { s[k] += logarithmic ? rg[k] : rg[k] * ry[k]; k += 1 }
                }
                for j in 0..<n {
                    let ry = by + j * inner, rg = bg + j * inner, rq = bq + j * inner
                    var k = 0
                    while k + 8 <= width {
                        let vy = loadVector(ry + k), vg = loadVector(rg + k), vs = loadVector(s + k)
                        let r = logarithmic ? vg - VectorMath.exp(vy) * vs : vy * (vg - vs)
                        storeVector(r, rq + k)
                        k += 8
                    }
                    while k < width {
                        rq[k] = logarithmic ? rg[k] - VectorMath.exp(ry[k]) * s[k] : ry[k] * (rg[k] - s[k])
                        k += 1
                    }
                }
            }
        }
    }
}

extension Tensor {
    /// softmax(x)ᵢ = e^{xᵢ − m} / Σⱼ e^{xⱼ − m} along `axis` (m the slice maximum, for stability),
    /// as `torch.softmax(x, dim)`.
    ///
    /// Backward: gx = y ⊙ (g − Σ g ⊙ y) along the axis.
    public func softmax(axis: Int) -> Tensor {
        softmaxFamily(axis: axis, logarithmic: false, name: "softmax")
    }

    /// log softmax(x)ᵢ = (xᵢ − m) − log Σⱼ e^{xⱼ − m} along `axis`, as `torch.log_softmax`.
    ///
    /// Backward: gx = g − softmax(x) ⊙ Σ g along the axis.
    public func logSoftmax(axis: Int) -> Tensor {
        softmaxFamily(axis: axis, logarithmic: true, name: "logSoftmax")
    }

    /// log Σ exp(x) along `axis`, computed as m + log Σ e^{x − m}, as `torch.logsumexp`.
    ///
    /// Backward: gx = g ⊙ e^{x − logsumexp(x)} = g ⊙ softmax(x).
    public func logSumExp(axis: Int, keepDims: Bool = false) -> Tensor {
        require(dtype == .float32, "logSumExp: expects a float32 tensor, got \(dtype)")
        let layout = AxisLayout(shape: shape, axis: axis, op: "logSumExp")
        var keptShape = shape
        var resultShape = shape
        if rank > 0 {
            let a = Shape.axis(axis, rank: rank, op: "logSumExp")
            keptShape[a] = 1
            if keepDims { resultShape[a] = 1 } else { resultShape.remove(at: a) }
        }
        let out = Tensor(uninitializedShape: resultShape, dtype: .float32)
        if layout.length == 0 {
            out.storage.data.assumingMemoryBound(to: Float.self).initialize(repeating: -.infinity, count: out.count)
        } else if count > 0 {
            let source = isContiguous ? self : withNoGrad { contiguous() }
            SoftmaxKernels.logSumExp(source.pointer(as: Float.self), out.pointer(as: Float.self), layout)
        }
        let x = detached(), lse = out.detached()
        return Tensor.record(out, op: "logSumExp", inputs: [self]) { g in
            let probabilities = x.subtracting(lse.reshaped(keptShape)).exp()
            return [probabilities.multiplying(g.reshaped(keptShape))]
        }
    }

    private func softmaxFamily(axis: Int, logarithmic: Bool, name: String) -> Tensor {
        require(dtype == .float32, "\(name): expects a float32 tensor, got \(dtype)")
        let layout = AxisLayout(shape: shape, axis: axis, op: name)
        let out = Tensor(uninitializedShape: shape, dtype: .float32)
        if count > 0 {
            let source = isContiguous ? self : withNoGrad { contiguous() }
            SoftmaxKernels.forward(source.pointer(as: Float.self), out.pointer(as: Float.self), layout,
                                   logarithmic: logarithmic)
        }
        let y = out.detached()
        return Tensor.record(out, op: name, inputs: [self]) { g in
            let gc = g.contiguous()
            let gradient = Tensor(uninitializedShape: y.shape, dtype: .float32)
            if gradient.count > 0 {
                SoftmaxKernels.backward(y.pointer(as: Float.self), gc.pointer(as: Float.self),
                                        gradient.pointer(as: Float.self), layout, logarithmic: logarithmic)
            }
            return [gradient]
        }
    }
}
