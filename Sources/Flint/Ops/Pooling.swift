// 2-D pooling over the last two dimensions ([N, C, H, W] or [C, H, W]): max, average and adaptive
// average, with their gradients. Every plane (one channel of one image) is independent, so the
// kernels split the planes across threads.

/// Per-axis pooling windows: output position i reads input positions starts[i]..<ends[i] and
/// contributes `counts[i]` to the divisor of an average (the divisor is countY · countX).
struct PoolingBins {
    var starts: [Int]
    var ends: [Int]
    var counts: [Int]

    /// Sliding windows of `kernel` taps every `stride` with `padding` on both sides; `counts`
    /// include the padding when `countPadding`, as PyTorch's `count_include_pad`.
    init(size: Int, kernel: Int, stride: Int, padding: Int, outputs: Int, countPadding: Bool) {
        starts = []; ends = []; counts = []
        for i in 0..<outputs {
            let start = i * stride - padding
            let end = start + kernel
            starts.append(max(start, 0))
            ends.append(min(end, size))
            counts.append(countPadding ? min(end, size + padding) - start : min(end, size) - max(start, 0))
        }
    }

    /// PyTorch's adaptive bins: i covers ⌊i·size/outputs⌋ ..< ⌈(i+1)·size/outputs⌉.
    init(adaptiveSize size: Int, outputs: Int) {
        starts = []; ends = []; counts = []
        for i in 0..<outputs {
            let start = i * size / outputs
            let end = ((i + 1) * size + outputs - 1) / outputs
            starts.append(start)
            ends.append(end)
            counts.append(end - start)
        }
    }
}

extension Tensor {
    /// The plane count, height and width of a pooling input ([N, C, H, W] or [C, H, W]).
    private func poolingPlanes(_ op: String) -> (planes: Int, height: Int, width: Int) {
        require(dtype == .float32, "\(op): expects float32, got \(dtype)")
        require(rank == 3 || rank == 4, "\(op): input must be [N, C, H, W] or [C, H, W], got \(shape)")
        let h = shape[rank - 2], w = shape[rank - 1]
        return (count / max(h * w, 1), h, w)
    }

    /// The output size of a sliding pooling window along one axis, checked.
    private static func pooledSize(_ op: String, size: Int, kernel: Int, stride: Int, padding: Int, shape: [Int]) -> Int {
        require(kernel >= 1 && stride >= 1, "\(op): kernel size and stride must be positive (input \(shape))")
        require(padding >= 0 && 2 * padding <= kernel,
                     "\(op): padding \(padding) must be non-negative and at most half the kernel size \(kernel) (input \(shape))")
        require(size + 2 * padding >= kernel,
                     "\(op): kernel \(kernel) is larger than the padded input (size \(size), padding \(padding), input \(shape))")
        return (size + 2 * padding - kernel) / stride + 1
    }

    /// Max pooling over windows of `kernelSize`, like `torch.nn.functional.max_pool2d`.
    ///
    /// Output [.., Ho, Wo] with Ho = ⌊(H + 2·padding.0 − kernelSize.0) / stride.0⌋ + 1; padding
    /// counts as −∞. y = max over the window; NaN propagates. The gradient goes to the first
    /// position (in row-major order) holding the maximum; those positions are saved as int32
    /// only when a gradient will be needed.
    ///
    /// - Parameters:
    ///   - kernelSize: (height, width) of the window.
    ///   - stride: step between windows; the kernel size when nil.
    ///   - padding: implicit −∞ border on each side, at most half the kernel size.
    public func maxPool2d(kernelSize: (Int, Int), stride: (Int, Int)? = nil, padding: (Int, Int) = (0, 0)) -> Tensor {
        let (planes, h, w) = poolingPlanes("maxPool2d")
        let step = stride ?? kernelSize
        let ho = Tensor.pooledSize("maxPool2d", size: h, kernel: kernelSize.0, stride: step.0, padding: padding.0, shape: shape)
        let wo = Tensor.pooledSize("maxPool2d", size: w, kernel: kernelSize.1, stride: step.1, padding: padding.1, shape: shape)
        let x = contiguous()
        let out = Tensor(uninitializedShape: Array(shape.dropLast(2)) + [ho, wo])
        let tracking = GradMode.isEnabled && x.requiresGrad
        let indices = tracking ? Tensor(uninitializedShape: out.shape, dtype: .int32) : nil
        let rows = PoolingBins(size: h, kernel: kernelSize.0, stride: step.0, padding: padding.0, outputs: ho, countPadding: false)
        let columns = PoolingBins(size: w, kernel: kernelSize.1, stride: step.1, padding: padding.1, outputs: wo, countPadding: false)
        let px = UnsafePointer(x.pointer(as: Float.self)), po = out.pointer(as: Float.self)
        let pi = indices?.pointer(as: Int32.self)
        let plane = h * w, outPlane = ho * wo
        let simplePairs = kernelSize == (2, 2) && step == (2, 2) && padding == (0, 0)
        Parallel.forChunks(planes, minimumChunk: max(1, (1 << 15) / max(plane, 1))) { range in
            for p in range {
                let xp = px + p * plane, op = po + p * outPlane
                let ip = pi.map { $0 + p * outPlane }
                if simplePairs {
                    Tensor.maxPool2x2(xp, width: w, outputHeight: ho, outputWidth: wo, into: op, indices: ip)
                    continue
                }
                for oy in 0..<ho {
                    let y0 = rows.starts[oy], y1 = rows.ends[oy]
                    for ox in 0..<wo {
                        let x0 = columns.starts[ox], x1 = columns.ends[ox]
                        var best = -Float.infinity, bestIndex = y0 * w + x0
                        for iy in y0..<y1 {
                            for ix in x0..<x1 {
                                let v = xp[iy * w + ix]
                                if v > best || v.isNaN {
                                    best = v
                                    bestIndex = iy * w + ix
                                }
                            }
                        }
                        op[oy * wo + ox] = best
                        ip?[oy * wo + ox] = Int32(truncatingIfNeeded: bestIndex)
                    }
                }
            }
        }
        guard let indices else { return out }
        let inputShape = x.shape
        return Tensor.record(out, op: "maxPool2d", inputs: [x]) { g in
            let dy = g.contiguous()
            let dx = Tensor(uninitializedShape: inputShape)
            let pg = UnsafePointer(dy.pointer(as: Float.self)), pd = dx.pointer(as: Float.self)
            let pidx = UnsafePointer(indices.pointer(as: Int32.self))
            Parallel.forChunks(planes, minimumChunk: Swift.max(1, (1 << 15) / Swift.max(plane, 1))) { range in
                for p in range {
                    // Zero each plane just before its scatter, while it is in cache.
                    let d = pd + p * plane, gp = pg + p * outPlane, ip = pidx + p * outPlane
                    zeroFloats(d, plane)
                    for o in 0..<outPlane { d[Int(ip[o])] += gp[o] }
                }
            }
            return [dx]
        }
    }

    /// 2×2 windows with stride 2 over one plane, eight outputs at a time.
    private static func maxPool2x2(_ x: UnsafePointer<Float>, width w: Int, outputHeight ho: Int, outputWidth wo: Int,
                                   into out: UnsafeMutablePointer<Float>, indices: UnsafeMutablePointer<Int32>?) {
        let lanes = SIMD8<Int32>(0, 2, 4, 6, 8, 10, 12, 14)
        for oy in 0..<ho {
            let r0 = x + 2 * oy * w, r1 = r0 + w
            let o = out + oy * wo
            var ox = 0
            while ox + 8 <= wo {
                let a0 = SIMD16<Float>(lowHalf: loadVector(r0 + 2 * ox), highHalf: loadVector(r0 + 2 * ox + 8))
                let a1 = SIMD16<Float>(lowHalf: loadVector(r1 + 2 * ox), highHalf: loadVector(r1 + 2 * ox + 8))
                // Candidates in PyTorch's scan order; a later one wins only if strictly greater (or NaN).
                let v00 = a0.evenHalf, v01 = a0.oddHalf, v10 = a1.evenHalf, v11 = a1.oddHalf
                if let indices {
                    var best = v00
                    var offset = SIMD8<Int32>(repeating: 0)
                    var take = (v01 .> best) .| (v01 .!= v01)
                    best.replace(with: v01, where: take)
                    offset.replace(with: 1, where: take)
                    take = (v10 .> best) .| (v10 .!= v10)
                    best.replace(with: v10, where: take)
                    offset.replace(with: Int32(w), where: take)
                    take = (v11 .> best) .| (v11 .!= v11)
                    best.replace(with: v11, where: take)
                    offset.replace(with: Int32(w + 1), where: take)
                    storeVector(best, o + ox)
                    let base = SIMD8<Int32>(repeating: Int32(2 * oy * w + 2 * ox)) &+ lanes &+ offset
                    UnsafeMutableRawPointer(indices + oy * wo + ox).storeBytes(of: base, as: SIMD8<Int32>.self)
                } else {
                    var best = v00
                    best.replace(with: v01, where: (v01 .> best) .| (v01 .!= v01))
                    best.replace(with: v10, where: (v10 .> best) .| (v10 .!= v10))
                    best.replace(with: v11, where: (v11 .> best) .| (v11 .!= v11))
                    storeVector(best, o + ox)
                }
                ox += 8
            }
            while ox < wo {
                let i00 = 2 * oy * w + 2 * ox
                var best = x[i00], bestIndex = i00
                for candidate in 1..<4 {
                    let index = i00 + (candidate >> 1) * w + (candidate & 1)
                    let v = x[index]
                    if v > best || v.isNaN { best = v; bestIndex = index }
                }
                o[ox] = best
                indices?[oy * wo + ox] = Int32(truncatingIfNeeded: bestIndex)
                ox += 1
            }
        }
    }

    /// Average pooling, like `torch.nn.functional.avg_pool2d`.
    ///
    /// y = (1/d) · Σ_window x, with zero padding; d = kH·kW when `countIncludePad`, else the number
    /// of window positions inside the input. Output size as in ``maxPool2d(kernelSize:stride:padding:)``.
    public func avgPool2d(kernelSize: (Int, Int), stride: (Int, Int)? = nil, padding: (Int, Int) = (0, 0),
                          countIncludePad: Bool = true) -> Tensor {
        let (_, h, w) = poolingPlanes("avgPool2d")
        let step = stride ?? kernelSize
        let ho = Tensor.pooledSize("avgPool2d", size: h, kernel: kernelSize.0, stride: step.0, padding: padding.0, shape: shape)
        let wo = Tensor.pooledSize("avgPool2d", size: w, kernel: kernelSize.1, stride: step.1, padding: padding.1, shape: shape)
        let rows = PoolingBins(size: h, kernel: kernelSize.0, stride: step.0, padding: padding.0, outputs: ho,
                               countPadding: countIncludePad)
        let columns = PoolingBins(size: w, kernel: kernelSize.1, stride: step.1, padding: padding.1, outputs: wo,
                                  countPadding: countIncludePad)
        return averagePool(rows: rows, columns: columns, op: "avgPool2d")
    }

    /// Adaptive average pooling to a fixed output size, like `torch.nn.functional.adaptive_avg_pool2d`.
    ///
    /// Output cell (i, j) averages rows ⌊i·H/Ho⌋ ..< ⌈(i+1)·H/Ho⌉ and columns ⌊j·W/Wo⌋ ..< ⌈(j+1)·W/Wo⌉
    /// (bins may overlap when the size does not divide).
    public func adaptiveAvgPool2d(outputSize: (Int, Int)) -> Tensor {
        let (_, h, w) = poolingPlanes("adaptiveAvgPool2d")
        require(outputSize.0 >= 1 && outputSize.1 >= 1, "adaptiveAvgPool2d: output size \(outputSize) must be positive (input \(shape))")
        require(h >= 1 && w >= 1, "adaptiveAvgPool2d: input \(shape) has an empty plane")
        return averagePool(rows: PoolingBins(adaptiveSize: h, outputs: outputSize.0),
                           columns: PoolingBins(adaptiveSize: w, outputs: outputSize.1), op: "adaptiveAvgPool2d")
    }

    /// Averages each (row bin × column bin) window of every plane; backward spreads dy/d over it.
    private func averagePool(rows: PoolingBins, columns: PoolingBins, op: String) -> Tensor {
        let (planes, h, w) = poolingPlanes(op)
        let ho = rows.starts.count, wo = columns.starts.count
        let x = contiguous()
        let out = Tensor(uninitializedShape: Array(shape.dropLast(2)) + [ho, wo])
        let px = UnsafePointer(x.pointer(as: Float.self)), po = out.pointer(as: Float.self)
        let plane = h * w, outPlane = ho * wo
        let chunk = max(1, (1 << 15) / max(plane, 1))
        Parallel.forChunks(planes, minimumChunk: chunk) { range in
            for p in range {
                let xp = px + p * plane, op = po + p * outPlane
                for oy in 0..<ho {
                    let y0 = rows.starts[oy], y1 = rows.ends[oy]
                    for ox in 0..<wo {
                        let x0 = columns.starts[ox], length = columns.ends[ox] - x0
                        var s: Float = 0
                        for iy in y0..<y1 { s += sumContiguous(xp + iy * w + x0, length) }
                        op[oy * wo + ox] = s / Float(rows.counts[oy] * columns.counts[ox])
                    }
                }
            }
        }
        let inputShape = x.shape
        return Tensor.record(out, op: op, inputs: [x]) { g in
            let dy = g.contiguous()
            let dx = Tensor(uninitializedShape: inputShape)
            let pg = UnsafePointer(dy.pointer(as: Float.self)), pd = dx.pointer(as: Float.self)
            Parallel.forChunks(planes, minimumChunk: chunk) { range in
                for p in range {
                    let d = pd + p * plane, gp = pg + p * outPlane
                    zeroFloats(d, plane)
                    for oy in 0..<ho {
                        let y0 = rows.starts[oy], y1 = rows.ends[oy]
                        for ox in 0..<wo {
                            let x0 = columns.starts[ox], x1 = columns.ends[ox]
                            let share = gp[oy * wo + ox] / Float(rows.counts[oy] * columns.counts[ox])
                            let vs = SIMD8<Float>(repeating: share)
                            for iy in y0..<y1 {
                                let r = d + iy * w
                                var ix = x0
                                while ix + 8 <= x1 { storeVector(loadVector(r + ix) + vs, r + ix); ix += 8 }
                                while ix < x1 { r[ix] += share; ix += 1 }
                            }
                        }
                    }
                }
            }
            return [dx]
        }
    }
}
