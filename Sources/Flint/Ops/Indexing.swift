#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

// Integer indexing: indexSelect, embedding, gather and oneHot.
//
// indexSelect and embedding copy whole rows (memcpy of `inner` elements per index); their backward
// is a scatter-add of gradient rows into zeros, which sums the rows of repeated indices:
//   out[o, j, :] = x[o, idx[j], :]   ⇒   dx[o, i, :] = Σ_{j : idx[j] = i} g[o, j, :].
// gather picks single elements; its backward scatter-adds single elements the same way.

extension Tensor {
    /// The entries of `axis` at `indices`, in order (`torch.index_select`).
    ///
    /// `indices` is a one-dimensional (or scalar) int64/int32 tensor; the result has the input's
    /// shape with `axis` replaced by `indices.count`. Indices may repeat; each must lie in
    /// `0 ..< shape[axis]`. The gradient adds up the rows of repeated indices.
    public func indexSelect(axis: Int, indices: Tensor) -> Tensor {
        require(rank > 0, "indexSelect: cannot index a zero-dimensional tensor")
        require(indices.rank <= 1, "indexSelect: indices must be one-dimensional, got shape \(indices.shape)")
        let a = Shape.axis(axis, rank: rank, op: "indexSelect")
        return selectRows(axis: a, indices: indices, op: "indexSelect")
    }

    /// Looks up rows of `weight` (`[entries, dimension]`) for every index (`torch.nn.functional.embedding`).
    ///
    /// The result has shape `indices.shape + [dimension]`: `out[i…, :] = weight[indices[i…], :]`.
    /// The gradient with respect to `weight` sums the output gradients of every position that used
    /// a row, so repeated indices accumulate.
    public static func embedding(_ indices: Tensor, weight: Tensor) -> Tensor {
        require(weight.rank == 2, "embedding: weight must be [entries, dimension], got shape \(weight.shape)")
        let rows = weight.selectRows(axis: 0, indices: indices.rank == 1 ? indices : indices.reshaped([indices.count]),
                                     op: "embedding")
        return rows.reshaped(indices.shape + [weight.shape[1]])
    }

    /// Picks, along `axis`, the element named by `indices` at every position (`torch.gather`):
    /// for `axis` 1 of a rank-3 tensor, `out[i, j, k] = x[i, indices[i, j, k], k]`.
    ///
    /// `indices` (int64/int32) has the input's rank and sizes no larger than the input's on every
    /// other axis; the result has the shape of `indices`. The gradient scatter-adds into zeros.
    public func gather(axis: Int, indices: Tensor) -> Tensor {
        require(rank > 0, "gather: cannot gather from a zero-dimensional tensor")
        require(indices.rank == rank, "gather: indices shape \(indices.shape) must have the rank of the input shape \(shape)")
        let a = Shape.axis(axis, rank: rank, op: "gather")
        for d in 0..<rank where d != a {
            require(indices.shape[d] <= shape[d],
                         "gather: indices shape \(indices.shape) is larger than the input shape \(shape) on axis \(d)")
        }
        let index = indices.int64Indices(op: "gather")
        let out = Tensor(uninitializedShape: index.shape, dtype: dtype)
        var sourceStrides = strides
        sourceStrides[a] = 0
        let size = shape[a]
        let loop = StridedLoop(shape: index.shape, strides: [out.strides, index.strides, sourceStrides])
        let source = storage.data + offset * dtype.byteSize
        let axisStride = strides[a]
        func run<T>(_: T.Type) {
            let o = out.pointer(as: T.self), p = source.assumingMemoryBound(to: T.self)
            let ip = index.pointer(as: Int64.self)
            let (os, ist, ss, _) = loop.innerStrides
            loop.forEachRow(parallelThreshold: 1 << 15) { offsets, n in
                let po = o + offsets[0], pi = ip + offsets[1], ps = p + offsets[2]
                for k in 0..<n {
                    let v = Int(pi[k * ist])
                    require(v >= 0 && v < size, "gather: index \(v) is out of range for axis \(axis) of size \(size) (shape \(shape))")
                    po[k * os] = ps[k * ss + v * axisStride]
                }
            }
        }
        switch dtype.byteSize {
        case 8: run(Int64.self)
        case 4: run(Float.self)
        case 2: run(UInt16.self)
        default: run(UInt8.self)
        }
        let inputShape = shape
        return Tensor.record(out, op: "gather", inputs: [self]) { g in
            require(g.dtype == .float32, "gather: backward needs a float32 gradient, got \(g.dtype)")
            let result = Tensor.zeros(inputShape)
            var targetStrides = result.strides
            let targetAxisStride = targetStrides[a]
            targetStrides[a] = 0
            let loop = StridedLoop(shape: index.shape, strides: [g.strides, index.strides, targetStrides])
            let (gs, ist, ts, _) = loop.innerStrides
            let pg = g.pointer(as: Float.self), pi = index.pointer(as: Int64.self), pt = result.pointer(as: Float.self)
            // Serial: repeated indices write to the same element.
            loop.forEachRow(parallelThreshold: .max) { offsets, n in
                let rg = pg + offsets[0], ri = pi + offsets[1], rt = pt + offsets[2]
                for k in 0..<n {
                    rt[k * ts + Int(ri[k * ist]) * targetAxisStride] += rg[k * gs]
                }
            }
            return [result]
        }
    }

    /// One-hot encoding of an integer tensor (int64, int32 or uint8): a float32 tensor of shape
    /// `shape + [classes]` with 1 at each value's position and 0 elsewhere.
    public func oneHot(classes: Int) -> Tensor {
        require(classes > 0, "oneHot: classes must be positive, got \(classes)")
        let index = int64Indices(op: "oneHot", allowBytes: true)
        let out = Tensor.zeros(shape + [classes])
        let o = out.pointer(as: Float.self), p = index.pointer(as: Int64.self)
        for i in 0..<index.count {
            let v = Int(p[i])
            require(v >= 0 && v < classes, "oneHot: index \(v) is out of range for \(classes) classes")
            o[i * classes + v] = 1
        }
        return out
    }

    /// These indices as a contiguous int64 tensor (a copy only when needed).
    func int64Indices(op: String, allowBytes: Bool = false) -> Tensor {
        require(dtype == .int64 || dtype == .int32 || (allowBytes && dtype == .uint8),
                     "\(op): indices must be int64 or int32\(allowBytes ? " or uint8" : ""), got \(dtype)")
        return (dtype == .int64 ? self : to(.int64)).contiguous()
    }

    /// `indexSelect` along the normalised axis `a`, reporting errors as `op`.
    func selectRows(axis a: Int, indices: Tensor, op: String) -> Tensor {
        let index = indices.int64Indices(op: op)
        let selected = index.count
        let size = shape[a]
        let p = index.pointer(as: Int64.self)
        for j in 0..<selected {
            let v = p[j]
            require(v >= 0 && v < Int64(size), "\(op): index \(v) is out of range for axis \(a) of size \(size) (shape \(shape))")
        }
        var outShape = shape
        outShape[a] = selected
        let source = withNoGrad { contiguous() }
        let out = Tensor(uninitializedShape: outShape, dtype: dtype)
        let layout = RowLayout(outer: Shape.count(Array(shape[..<a])), axisSize: size, selected: selected,
                               inner: Shape.count(Array(shape[(a + 1)...])))
        layout.gather(from: UnsafeRawPointer(source.storage.data + source.offset * dtype.byteSize),
                      elementSize: dtype.byteSize, to: out.storage.data, indices: p)
        let inputShape = shape
        return Tensor.record(out, op: op, inputs: [self]) { g in
            require(g.dtype == .float32, "\(op): backward needs a float32 gradient, got \(g.dtype)")
            let result = Tensor.zeros(inputShape)
            let gradient = g.contiguous()
            layout.scatterAdd(from: UnsafePointer(gradient.pointer(as: Float.self)), to: result.pointer(as: Float.self),
                              indices: index.pointer(as: Int64.self))
            return [result]
        }
    }
}

/// A tensor seen as `[outer, axisSize, inner]`, of which `selected` rows of `inner` elements are
/// picked along the middle axis for every outer position.
struct RowLayout {
    let outer: Int
    let axisSize: Int
    let selected: Int
    let inner: Int

    /// `destination[o, j, :] = source[o, indices[j], :]` for contiguous operands of any element size.
    func gather(from source: UnsafeRawPointer, elementSize: Int, to destination: UnsafeMutableRawPointer,
                indices: UnsafePointer<Int64>) {
        let rows = outer * selected
        let rowBytes = inner * elementSize
        if rows == 0 || rowBytes == 0 { return }
        let minimumRows = rows * rowBytes >= 1 << 20 ? max(1, (1 << 16) / rowBytes) : rows
        Parallel.forChunks(rows, minimumChunk: minimumRows) { range in
            switch rowBytes {
            case 4:
                let s = source.assumingMemoryBound(to: UInt32.self), d = destination.assumingMemoryBound(to: UInt32.self)
                for r in range {
                    let (o, j) = r.quotientAndRemainder(dividingBy: selected)
                    d[r] = s[o * axisSize + Int(indices[j])]
                }
            case 8:
                let s = source.assumingMemoryBound(to: UInt64.self), d = destination.assumingMemoryBound(to: UInt64.self)
                for r in range {
                    let (o, j) = r.quotientAndRemainder(dividingBy: selected)
                    d[r] = s[o * axisSize + Int(indices[j])]
                }
            default:
                for r in range {
                    let (o, j) = r.quotientAndRemainder(dividingBy: selected)
                    memcpy(destination + r * rowBytes, source + (o * axisSize + Int(indices[j])) * rowBytes, rowBytes)
                }
            }
        }
    }

    /// `destination[o, indices[j], :] += gradient[o, j, :]` for float32 operands; repeated indices
    /// accumulate. Work is split over outer positions, or over columns when there is one outer
    /// position, so no two threads ever write the same element.
    func scatterAdd(from gradient: UnsafePointer<Float>, to destination: UnsafeMutablePointer<Float>,
                    indices: UnsafePointer<Int64>) {
        let work = outer * selected * inner
        if work == 0 { return }
        let large = work >= 1 << 16 && Parallel.threadCount > 1
        if large && outer >= Parallel.threadCount {
            Parallel.forChunks(outer) { range in
                addRows(outerRange: range, columns: 0..<inner, gradient, destination, indices)
            }
        } else if large && inner >= 64 {
            Parallel.forChunks(inner / 8, minimumChunk: 4) { blocks in
                let end = blocks.upperBound == inner / 8 ? inner : blocks.upperBound * 8
                addRows(outerRange: 0..<outer, columns: (blocks.lowerBound * 8)..<end, gradient, destination, indices)
            }
        } else {
            addRows(outerRange: 0..<outer, columns: 0..<inner, gradient, destination, indices)
        }
    }

    private func addRows(outerRange: Range<Int>, columns: Range<Int>, _ gradient: UnsafePointer<Float>,
                         _ destination: UnsafeMutablePointer<Float>, _ indices: UnsafePointer<Int64>) {
        let width = columns.count
        for o in outerRange {
            for j in 0..<selected {
                let source = gradient + (o * selected + j) * inner + columns.lowerBound
                let target = destination + (o * axisSize + Int(indices[j])) * inner + columns.lowerBound
                var c = 0
                while c + 8 <= width {
                    storeVector(loadVector(target + c) + loadVector(source + c), target + c)
                    c += 8
                }
                while c < width {
                    target[c] += source[c]
                    c += 1
                }
            }
        }
    }
}
