// Batch and layer normalisation: fused forward kernels and fused analytic backward kernels.
//
// With x̂ = (x − μ)·rstd, rstd = 1/√(σ² + ε) and y = γ·x̂ + β over a group of M values,
//   dβ = Σ dy,   dγ = Σ dy·x̂,   dx = (γ·rstd/M)·(M·dy − Σdy − x̂·Σ(dy·x̂))
// (for layer norm γ varies along the group, so dy is replaced by g = γ·dy inside the bracket).

/// Σ (x − shift) and Σ (x − shift)² over x[0..<n], in float SIMD lanes (callers sum rows in Double).
@inline(__always)
private func shiftedSums(_ x: UnsafePointer<Float>, _ n: Int, shift: Float) -> (Float, Float) {
    let vs = SIMD8<Float>(repeating: shift)
    var s0 = SIMD8<Float>(), s1 = SIMD8<Float>(), q0 = SIMD8<Float>(), q1 = SIMD8<Float>()
    var i = 0
    while i + 16 <= n {
        let a = loadVector(x + i) - vs, b = loadVector(x + i + 8) - vs
        s0 += a; s1 += b
        q0 = q0.addingProduct(a, a)
        q1 = q1.addingProduct(b, b)
        i += 16
    }
    var s = (s0 + s1).sum(), q = (q0 + q1).sum()
    while i < n {
        let a = x[i] - shift
        s += a
        q += a * a
        i += 1
    }
    return (s, q)
}

/// y[i] = x[i]·scale + shift.
@inline(__always)
private func scaleShift(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, _ n: Int, scale: Float, shift: Float) {
    let va = SIMD8<Float>(repeating: scale), vb = SIMD8<Float>(repeating: shift)
    var i = 0
    while i + 8 <= n { storeVector(vb.addingProduct(loadVector(x + i), va), y + i); i += 8 }
    while i < n { y[i] = x[i] * scale + shift; i += 1 }
}

/// Σ dy and Σ dy·(x − mean) over n elements.
@inline(__always)
private func gradientSums(_ dy: UnsafePointer<Float>, _ x: UnsafePointer<Float>, _ n: Int, mean: Float) -> (Float, Float) {
    let vm = SIMD8<Float>(repeating: mean)
    var s0 = SIMD8<Float>(), s1 = SIMD8<Float>(), p0 = SIMD8<Float>(), p1 = SIMD8<Float>()
    var i = 0
    while i + 16 <= n {
        let g0 = loadVector(dy + i), g1 = loadVector(dy + i + 8)
        s0 += g0; s1 += g1
        p0 = p0.addingProduct(g0, loadVector(x + i) - vm)
        p1 = p1.addingProduct(g1, loadVector(x + i + 8) - vm)
        i += 16
    }
    var s = (s0 + s1).sum(), p = (p0 + p1).sum()
    while i < n {
        s += dy[i]
        p += dy[i] * (x[i] - mean)
        i += 1
    }
    return (s, p)
}

/// dx[i] = a·dy[i] + b·x[i] + c.
@inline(__always)
private func affineCombination(_ dy: UnsafePointer<Float>, _ x: UnsafePointer<Float>, _ dx: UnsafeMutablePointer<Float>,
                               _ n: Int, a: Float, b: Float, c: Float) {
    let va = SIMD8<Float>(repeating: a), vb = SIMD8<Float>(repeating: b), vc = SIMD8<Float>(repeating: c)
    var i = 0
    while i + 8 <= n {
        storeVector(vc.addingProduct(va, loadVector(dy + i)).addingProduct(vb, loadVector(x + i)), dx + i)
        i += 8
    }
    while i < n { dx[i] = a * dy[i] + b * x[i] + c; i += 1 }
}

extension Tensor {
    /// Batch normalisation over the channel dimension 1 of an [N, C] or [N, C, *] input, like
    /// `torch.nn.functional.batch_norm`.
    ///
    /// Each channel c is normalised over its M = N·(spatial size) values:
    /// y = γ_c · (x − μ_c) / √(σ²_c + ε) + β_c. In training (or when no running statistics are
    /// given) μ and σ² are the batch mean and biased variance, and the running statistics, when
    /// given, are updated in place: running = (1 − momentum)·running + momentum·batch, with the
    /// unbiased variance σ²·M/(M − 1) for `runningVariance`. In evaluation the running statistics
    /// are used. Differentiable in the input, `weight` (γ) and `bias` (β).
    ///
    /// - Parameters:
    ///   - runningMean: [C] float32, contiguous; updated in place in training.
    ///   - runningVariance: [C] float32, contiguous; updated in place in training.
    ///   - weight: γ, [C], or nil for 1.
    ///   - bias: β, [C], or nil for 0.
    public func batchNorm(runningMean: Tensor?, runningVariance: Tensor?, weight: Tensor?, bias: Tensor?,
                          training: Bool, momentum: Float = 0.1, epsilon: Float = 1e-5) -> Tensor {
        require(dtype == .float32, "batchNorm: expects float32, got \(dtype)")
        require(rank >= 2, "batchNorm: input must be [N, C] or [N, C, *], got \(shape)")
        let batch = shape[0], channels = shape[1]
        let spatial = count / max(batch * channels, 1)
        let m = batch * spatial
        for (name, t) in [("runningMean", runningMean), ("runningVariance", runningVariance), ("weight", weight), ("bias", bias)] {
            if let t {
                require(t.dtype == .float32 && t.shape == [channels],
                             "batchNorm: \(name) must be float32 [\(channels)] for input \(shape), got \(t.dtype) \(t.shape)")
            }
        }
        require((runningMean == nil) == (runningVariance == nil),
                     "batchNorm: give both runningMean and runningVariance or neither")
        let useBatchStatistics = training || runningMean == nil
        if useBatchStatistics {
            require(m > 1, "batchNorm: expected more than 1 value per channel when training, got input \(shape)")
        }
        if training, let runningMean, let runningVariance {
            require(runningMean.isContiguous && runningVariance.isContiguous,
                         "batchNorm: running statistics must be contiguous to be updated in place")
        }
        let x = contiguous()
        let gamma = weight?.contiguous(), beta = bias?.contiguous()
        let out = Tensor(uninitializedShape: shape)
        // Per-channel mean and rstd used for normalising (batch or running), kept for backward.
        let statistics = Tensor(uninitializedShape: [2, channels])
        let means = statistics.pointer(as: Float.self), rstds = means + channels
        let px = UnsafePointer(x.pointer(as: Float.self)), py = out.pointer(as: Float.self)
        let pw = gamma.map { UnsafePointer($0.pointer(as: Float.self)) }
        let pb = beta.map { UnsafePointer($0.pointer(as: Float.self)) }
        let runMean = runningMean?.pointer(as: Float.self), runVariance = runningVariance?.pointer(as: Float.self)
        let rowStride = channels * spatial
        let chunk = max(1, (1 << 15) / max(m, 1))
        Parallel.forChunks(channels, minimumChunk: chunk) { range in
            for c in range {
                let first = px + c * spatial
                var mean: Float, rstd: Float
                if useBatchStatistics {
                    let shift = first[0]
                    var s = 0.0, q = 0.0
                    for n in 0..<batch {
                        let (rs, rq) = shiftedSums(first + n * rowStride, spatial, shift: shift)
                        s += Double(rs)
                        q += Double(rq)
                    }
                    let shiftedMean = s / Double(m)
                    let variance = max(q / Double(m) - shiftedMean * shiftedMean, 0)
                    mean = Float(Double(shift) + shiftedMean)
                    rstd = Float(1 / (variance + Double(epsilon)).squareRoot())
                    if training, let runMean, let runVariance {
                        runMean[c] = (1 - momentum) * runMean[c] + momentum * mean
                        let unbiased = variance * Double(m) / Double(m - 1)
                        runVariance[c] = (1 - momentum) * runVariance[c] + momentum * Float(unbiased)
                    }
                } else {
                    mean = runMean![c]
                    rstd = 1 / (runVariance![c] + epsilon).squareRoot()
                }
                means[c] = mean
                rstds[c] = rstd
                let scale = (pw?[c] ?? 1) * rstd
                let shift = (pb?[c] ?? 0) - mean * scale
                for n in 0..<batch {
                    let offset = c * spatial + n * rowStride
                    scaleShift(px + offset, py + offset, spatial, scale: scale, shift: shift)
                }
            }
        }
        var inputs = [x]
        if let gamma { inputs.append(gamma) }
        if let beta { inputs.append(beta) }
        let needWeight = gamma?.requiresGrad ?? false, needBias = beta?.requiresGrad ?? false
        let savedInput = x.detached(), savedWeight = gamma?.detached()
        let hasWeight = gamma != nil, hasBias = beta != nil
        return Tensor.record(out, op: "batchNorm", inputs: inputs) { g in
            let dy = g.contiguous()
            let dx = Tensor(uninitializedShape: savedInput.shape)
            let dWeight = needWeight ? Tensor(uninitializedShape: [channels]) : nil
            let dBias = needBias ? Tensor(uninitializedShape: [channels]) : nil
            let pg = UnsafePointer(dy.pointer(as: Float.self)), px = UnsafePointer(savedInput.pointer(as: Float.self))
            let pdx = dx.pointer(as: Float.self)
            let pw = savedWeight.map { UnsafePointer($0.pointer(as: Float.self)) }
            let pdw = dWeight?.pointer(as: Float.self), pdb = dBias?.pointer(as: Float.self)
            let means = UnsafePointer(statistics.pointer(as: Float.self)), rstds = means + channels
            Parallel.forChunks(channels, minimumChunk: chunk) { range in
                for c in range {
                    let mean = means[c], rstd = rstds[c]
                    var sumGradient = 0.0, sumGradientCentered = 0.0
                    for n in 0..<batch {
                        let offset = c * spatial + n * rowStride
                        let (s, p) = gradientSums(pg + offset, px + offset, spatial, mean: mean)
                        sumGradient += Double(s)
                        sumGradientCentered += Double(p)
                    }
                    // Σ dy·x̂ = rstd · Σ dy·(x − μ)
                    let sumGradientNormalized = Double(rstd) * sumGradientCentered
                    pdw?[c] = Float(sumGradientNormalized)
                    pdb?[c] = Float(sumGradient)
                    let scale = (pw?[c] ?? 1) * rstd
                    // dx = a·dy + b·x + c0 with the batch statistics' dependence on x folded in.
                    var b: Float = 0, c0: Float = 0
                    if useBatchStatistics {
                        b = Float(-Double(scale) * Double(rstd) * sumGradientNormalized / Double(m))
                        c0 = Float(-Double(scale) * sumGradient / Double(m)) - b * mean
                    }
                    for n in 0..<batch {
                        let offset = c * spatial + n * rowStride
                        affineCombination(pg + offset, px + offset, pdx + offset, spatial, a: scale, b: b, c: c0)
                    }
                }
            }
            var result: [Tensor?] = [dx]
            if hasWeight { result.append(dWeight) }
            if hasBias { result.append(dBias) }
            return result
        }
    }

    /// Layer normalisation over the trailing dimensions `normalizedShape`, like
    /// `torch.nn.functional.layer_norm`.
    ///
    /// Each row r (the last D = ∏ normalizedShape values) gets
    /// y = (x − μ_r)/√(σ²_r + ε) · γ + β with its own mean and biased variance; γ and β have shape
    /// `normalizedShape` (nil for 1 and 0). Differentiable in the input, `weight` and `bias`.
    public func layerNorm(normalizedShape: [Int], weight: Tensor? = nil, bias: Tensor? = nil, epsilon: Float = 1e-5) -> Tensor {
        require(dtype == .float32, "layerNorm: expects float32, got \(dtype)")
        require(!normalizedShape.isEmpty && normalizedShape.count <= rank && Array(shape.suffix(normalizedShape.count)) == normalizedShape,
                     "layerNorm: normalized shape \(normalizedShape) does not match the trailing dimensions of input \(shape)")
        for (name, t) in [("weight", weight), ("bias", bias)] {
            if let t {
                require(t.dtype == .float32 && t.shape == normalizedShape,
                             "layerNorm: \(name) must be float32 \(normalizedShape), got \(t.dtype) \(t.shape)")
            }
        }
        let d = Shape.count(normalizedShape)
        let rows = d == 0 ? 0 : count / d
        let x = contiguous()
        let gamma = weight?.contiguous(), beta = bias?.contiguous()
        let out = Tensor(uninitializedShape: shape)
        let statistics = Tensor(uninitializedShape: [2, rows])
        let means = statistics.pointer(as: Float.self), rstds = means + rows
        let px = UnsafePointer(x.pointer(as: Float.self)), py = out.pointer(as: Float.self)
        let pw = gamma.map { UnsafePointer($0.pointer(as: Float.self)) }
        let pb = beta.map { UnsafePointer($0.pointer(as: Float.self)) }
        let chunk = max(1, (1 << 14) / max(d, 1))
        Parallel.forChunks(rows, minimumChunk: chunk) { range in
            for r in range {
                let xr = px + r * d, yr = py + r * d
                let mean = sumContiguous(xr, d) / Float(d)
                let (_, q) = shiftedSums(xr, d, shift: mean)
                let rstd = 1 / (q / Float(d) + epsilon).squareRoot()
                means[r] = mean
                rstds[r] = rstd
                let vm = SIMD8<Float>(repeating: mean), vr = SIMD8<Float>(repeating: rstd)
                var i = 0
                while i + 8 <= d {
                    var v = (loadVector(xr + i) - vm) * vr
                    if let pw { v *= loadVector(pw + i) }
                    if let pb { v += loadVector(pb + i) }
                    storeVector(v, yr + i)
                    i += 8
                }
                while i < d {
                    var v = (xr[i] - mean) * rstd
                    if let pw { v *= pw[i] }
                    if let pb { v += pb[i] }
                    yr[i] = v
                    i += 1
                }
            }
        }
        var inputs = [x]
        if let gamma { inputs.append(gamma) }
        if let beta { inputs.append(beta) }
        let needWeight = gamma?.requiresGrad ?? false, needBias = beta?.requiresGrad ?? false
        let savedInput = x.detached(), savedWeight = gamma?.detached()
        let hasWeight = gamma != nil, hasBias = beta != nil
        return Tensor.record(out, op: "layerNorm", inputs: inputs) { g in
            let dy = g.contiguous()
            let dx = Tensor(uninitializedShape: savedInput.shape)
            let dWeight = needWeight ? Tensor(uninitializedShape: normalizedShape) : nil
            let dBias = needBias ? Tensor(uninitializedShape: normalizedShape) : nil
            let pg = UnsafePointer(dy.pointer(as: Float.self)), px = UnsafePointer(savedInput.pointer(as: Float.self))
            let pdx = dx.pointer(as: Float.self)
            let pw = savedWeight.map { UnsafePointer($0.pointer(as: Float.self)) }
            let means = UnsafePointer(statistics.pointer(as: Float.self)), rstds = means + rows
            let accumulate = needWeight || needBias
            let tasks = rows * d >= (1 << 15) ? Swift.min(Parallel.threadCount, Swift.max(rows, 1)) : 1
            let padded = Workspace.aligned(d)
            // Per task: Σ dy·x̂ (padded floats), then Σ dy (padded floats).
            Workspace.with(count: tasks, floats: accumulate ? 2 * padded : 0) { workspaces in
                Parallel.run(tasks: tasks) { t in
                    let sumNormalized = workspaces[t].base, sumGradient = workspaces[t].base + padded
                    if accumulate { zeroFloats(sumNormalized, 2 * padded) }
                    for r in (rows * t / tasks)..<(rows * (t + 1) / tasks) {
                        let xr = px + r * d, gr = pg + r * d, dxr = pdx + r * d
                        let mean = means[r], rstd = rstds[r]
                        let vm = SIMD8<Float>(repeating: mean), vr = SIMD8<Float>(repeating: rstd)
                        // Pass 1: Σ γ·dy and Σ γ·dy·x̂ over the row; accumulate dγ, dβ.
                        var a0 = SIMD8<Float>(), b0 = SIMD8<Float>()
                        var i = 0
                        while i + 8 <= d {
                            let gy = loadVector(gr + i)
                            let xhat = (loadVector(xr + i) - vm) * vr
                            let gw = pw.map { gy * loadVector($0 + i) } ?? gy
                            a0 += gw
                            b0 = b0.addingProduct(gw, xhat)
                            if accumulate {
                                storeVector(loadVector(sumNormalized + i).addingProduct(gy, xhat), sumNormalized + i)
                                storeVector(loadVector(sumGradient + i) + gy, sumGradient + i)
                            }
                            i += 8
                        }
                        var sumG = a0.sum(), sumGX = b0.sum()
                        while i < d {
                            let gy = gr[i], xhat = (xr[i] - mean) * rstd
                            let gw = gy * (pw?[i] ?? 1)
                            sumG += gw
                            sumGX += gw * xhat
                            if accumulate {
                                sumNormalized[i] += gy * xhat
                                sumGradient[i] += gy
                            }
                            i += 1
                        }
                        // Pass 2: dx = rstd·(γ·dy − mean(γ·dy) − x̂·mean(γ·dy·x̂)).
                        let c1 = sumG / Float(d), c2 = sumGX / Float(d)
                        let v1 = SIMD8<Float>(repeating: c1), v2 = SIMD8<Float>(repeating: c2)
                        i = 0
                        while i + 8 <= d {
                            let gy = loadVector(gr + i)
                            let gw = pw.map { gy * loadVector($0 + i) } ?? gy
                            let xhat = (loadVector(xr + i) - vm) * vr
                            storeVector((gw - v1 - xhat * v2) * vr, dxr + i)
                            i += 8
                        }
                        while i < d {
                            let gw = gr[i] * (pw?[i] ?? 1)
                            let xhat = (xr[i] - mean) * rstd
                            dxr[i] = (gw - c1 - xhat * c2) * rstd
                            i += 1
                        }
                    }
                }
                if let dWeight {
                    let p = dWeight.pointer(as: Float.self)
                    copyFloats(p, workspaces[0].base, d)
                    for t in 1..<tasks { accumulateFloats(p, workspaces[t].base, d) }
                }
                if let dBias {
                    let p = dBias.pointer(as: Float.self)
                    copyFloats(p, workspaces[0].base + padded, d)
                    for t in 1..<tasks { accumulateFloats(p, workspaces[t].base + padded, d) }
                }
            }
            var result: [Tensor?] = [dx]
            if hasWeight { result.append(dWeight) }
            if hasBias { result.append(dBias) }
            return result
        }
    }
}
