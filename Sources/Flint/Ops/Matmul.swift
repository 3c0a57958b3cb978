import CFlintBLAS

/// How one matrix operand is handed to `cblas_sgemm`: transposed or not, and its leading dimension.
struct BLASOperand {
    let transposed: Bool
    let leadingDimension: Int

    /// The layout of the last two dimensions of `t` (rows × cols), or nil when they are not a
    /// plain or transposed row-major matrix.
    init?(_ t: Tensor) {
        let r = t.rank
        let rows = t.shape[r - 2], cols = t.shape[r - 1]
        let rs = t.strides[r - 2], cs = t.strides[r - 1]
        if (cs == 1 || cols == 1) && (rs >= max(cols, 1) || rows == 1) {
            transposed = false
            leadingDimension = rows == 1 ? max(cols, 1) : rs
        } else if (rs == 1 || rows == 1) && (cs >= max(rows, 1) || cols == 1) {
            transposed = true
            leadingDimension = cols == 1 ? max(rows, 1) : cs
        } else {
            return nil
        }
    }
}

/// C[M×N] = alpha · op(A)[M×K] · op(B)[K×N] + beta · C, row-major, single-threaded OpenBLAS call.
@inline(__always)
func sgemm(_ a: UnsafePointer<Float>, _ opA: BLASOperand, _ b: UnsafePointer<Float>, _ opB: BLASOperand,
           _ c: UnsafeMutablePointer<Float>, ldc: Int, m: Int, n: Int, k: Int, alpha: Float = 1, beta: Float = 0) {
    Parallel.configureBLAS()
    cblas_sgemm(CblasRowMajor, opA.transposed ? CblasTrans : CblasNoTrans, opB.transposed ? CblasTrans : CblasNoTrans,
                Int32(m), Int32(n), Int32(k), alpha, a, Int32(opA.leadingDimension), b, Int32(opB.leadingDimension),
                beta, c, Int32(ldc))
}

/// A GEMM split across Flint's threads by rows of C or by columns of C, whichever is larger.
///
/// OpenBLAS runs single-threaded inside each piece, so Flint's threads are the only ones.
func parallelSGEMM(_ a: UnsafePointer<Float>, _ opA: BLASOperand, _ b: UnsafePointer<Float>, _ opB: BLASOperand,
                   _ c: UnsafeMutablePointer<Float>, ldc: Int, m: Int, n: Int, k: Int,
                   alpha: Float = 1, beta: Float = 0) {
    let work = m * n * k
    let threads = Parallel.threadCount
    if threads == 1 || work < (1 << 20) || (m < 32 && n < 32) {
        sgemm(a, opA, b, opB, c, ldc: ldc, m: m, n: n, k: k, alpha: alpha, beta: beta)
        return
    }
    if m >= n {
        // Split rows of A / C; block sizes kept multiples of 16.
        Parallel.run(tasks: threads) { t in
            let start = (m * t / threads) & ~15, end = t == threads - 1 ? m : (m * (t + 1) / threads) & ~15
            if start >= end { return }
            // Row `start` of op(A): for NoTrans it is a + start*lda, for Trans a + start.
            let aStart = opA.transposed ? a + start : a + start * opA.leadingDimension
            sgemm(aStart, opA, b, opB, c + start * ldc, ldc: ldc, m: end - start, n: n, k: k, alpha: alpha, beta: beta)
        }
    } else {
        Parallel.run(tasks: threads) { t in
            let start = (n * t / threads) & ~15, end = t == threads - 1 ? n : (n * (t + 1) / threads) & ~15
            if start >= end { return }
            let bStart = opB.transposed ? b + start * opB.leadingDimension : b + start
            sgemm(a, opA, bStart, opB, c + start, ldc: ldc, m: m, n: end - start, k: k, alpha: alpha, beta: beta)
        }
    }
}

extension Tensor {
    /// Matrix product with NumPy semantics: 1-D operands are promoted to a row / column vector,
    /// leading (batch) dimensions broadcast. Transposed views go to BLAS as transposes, not copies.
    public func matmul(_ other: Tensor) -> Tensor {
        require(dtype == .float32 && other.dtype == .float32, "matmul: expects float32, got \(dtype) and \(other.dtype)")
        require(rank >= 1 && other.rank >= 1, "matmul: operands must have at least one dimension, got \(shape) and \(other.shape)")
        let a = rank == 1 ? unsqueezed(0) : self
        let b = other.rank == 1 ? other.unsqueezed(1) : other
        let m = a.shape[a.rank - 2], k = a.shape[a.rank - 1]
        let k2 = b.shape[b.rank - 2], n = b.shape[b.rank - 1]
        require(k == k2, "matmul: shapes \(shape) and \(other.shape) are not aligned (\(k) vs \(k2))")
        let batchA = Array(a.shape.dropLast(2)), batchB = Array(b.shape.dropLast(2))
        let batch = batchA == batchB ? batchA : Shape.broadcast(batchA, batchB, op: "matmul")
        let out = Tensor(uninitializedShape: batch + [m, n])
        Tensor.matmulKernel(a.expand(to: batch + [m, k]).detached(), b.expand(to: batch + [k, n]).detached(), into: out)
        var result = out
        if rank == 1 { result = result.squeezed(result.rank - 2) }
        if other.rank == 1 { result = result.squeezed(result.rank - 1) }
        let sa = detached(), sb = other.detached()
        return Tensor.record(result, op: "matmul", inputs: [self, other]) { [rank, shape] g in
            let ga3 = rank == 1 ? g.unsqueezed(sb.rank == 1 ? 0 : g.rank - 1) : g
            let gm = sb.rank == 1 ? ga3.unsqueezed(ga3.rank) : ga3
            let aM = rank == 1 ? sa.unsqueezed(0) : sa
            let bM = sb.rank == 1 ? sb.unsqueezed(1) : sb
            let gradA = gm.matmul(bM.transposed()).sumToShape(aM.shape).reshaped(shape)
            let gradB = aM.transposed().matmul(gm).sumToShape(bM.shape).reshaped(sb.shape)
            return [gradA, gradB]
        }
    }

    /// out[..., m, n] = a[..., m, k] · b[..., k, n]; a and b already expanded to the batch shape.
    static func matmulKernel(_ a: Tensor, _ b: Tensor, into out: Tensor, beta: Float = 0) {
        let r = out.rank
        let m = out.shape[r - 2], n = out.shape[r - 1], k = a.shape[r - 1]
        if m == 0 || n == 0 { return }
        if k == 0 {
            if beta == 0 { out.pointer(as: Float.self).initialize(repeating: 0, count: out.count) }
            return
        }
        let sa = BLASOperand(a) == nil ? a.contiguous() : a
        let sb = BLASOperand(b) == nil ? b.contiguous() : b
        let opA = BLASOperand(sa)!, opB = BLASOperand(sb)!
        let batchShape = Array(out.shape.dropLast(2))
        let batches = Shape.count(batchShape)
        let pa = UnsafePointer(sa.pointer(as: Float.self)), pb = UnsafePointer(sb.pointer(as: Float.self))
        let pc = out.pointer(as: Float.self)
        if batches == 1 {
            parallelSGEMM(pa, opA, pb, opB, pc, ldc: n, m: m, n: n, k: k, beta: beta)
            return
        }
        // Batch offsets through the (possibly broadcast, stride-0) batch strides.
        let aBatchStrides = Array(sa.strides.dropLast(2)), bBatchStrides = Array(sb.strides.dropLast(2))
        func offsets(_ index: Int) -> (Int, Int) {
            var rem = index, oa = 0, ob = 0
            for d in stride(from: batchShape.count - 1, through: 0, by: -1) {
                let i = rem % batchShape[d]
                rem /= batchShape[d]
                oa += i * aBatchStrides[d]
                ob += i * bBatchStrides[d]
            }
            return (oa, ob)
        }
        let perGEMM = m * n * k
        if perGEMM >= (1 << 22) {
            for i in 0..<batches {
                let (oa, ob) = offsets(i)
                parallelSGEMM(pa + oa, opA, pb + ob, opB, pc + i * m * n, ldc: n, m: m, n: n, k: k, beta: beta)
            }
        } else {
            Parallel.forChunks(batches, minimumChunk: max(1, (1 << 18) / max(perGEMM, 1))) { range in
                for i in range {
                    let (oa, ob) = offsets(i)
                    sgemm(pa + oa, opA, pb + ob, opB, pc + i * m * n, ldc: n, m: m, n: n, k: k, beta: beta)
                }
            }
        }
    }

    /// `x · weightᵀ + bias` for `x` of shape [..., in], `weight` [out, in], `bias` [out]:
    /// `torch.nn.functional.linear`, as one GEMM with the bias pre-loaded into the output.
    public func linear(weight: Tensor, bias: Tensor?) -> Tensor {
        require(weight.rank == 2, "linear: weight must be [out, in], got \(weight.shape)")
        let inFeatures = weight.shape[1], outFeatures = weight.shape[0]
        require(rank >= 1 && shape[rank - 1] == inFeatures,
                     "linear: input \(shape) does not end in \(inFeatures) features (weight \(weight.shape))")
        if let bias { require(bias.shape == [outFeatures], "linear: bias \(bias.shape), expected [\(outFeatures)]") }
        let x2 = contiguous().reshaped([count / max(inFeatures, 1), inFeatures]).detached()
        let rows = x2.shape[0]
        let out = Tensor(uninitializedShape: Array(shape.dropLast()) + [outFeatures])
        let po = out.pointer(as: Float.self)
        if let bias {
            let b = bias.contiguous()
            let pb = b.pointer(as: Float.self)
            for r in 0..<rows { (po + r * outFeatures).update(from: pb, count: outFeatures) }
        }
        let w = weight.detached()
        let opW = BLASOperand(w.transposed())
        let wt = opW == nil ? w.contiguous().transposed() : w.transposed()
        parallelSGEMM(UnsafePointer(x2.pointer(as: Float.self)), BLASOperand(x2)!, UnsafePointer(wt.pointer(as: Float.self)),
                      BLASOperand(wt)!, po, ldc: outFeatures, m: rows, n: outFeatures, k: inFeatures, beta: bias == nil ? 0 : 1)
        let x = detached()
        var inputs = [self, weight]
        if let bias { inputs.append(bias) }
        return Tensor.record(out, op: "linear", inputs: inputs) { g in
            let g2 = g.contiguous().reshaped([rows, outFeatures])
            let gx = g2.matmul(w).reshaped(x.shape)
            let gw = g2.transposed().matmul(x.contiguous().reshaped([rows, inFeatures]))
            var grads: [Tensor?] = [gx, gw]
            if bias != nil { grads.append(g2.sum(axis: 0)) }
            return grads
        }
    }
}
