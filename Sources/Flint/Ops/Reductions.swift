// Reductions over any set of axes.

extension Tensor {
    /// Sum over `axes` (all axes when nil), keeping reduced dimensions as size 1 when `keepDims`.
    public func sum(axes: [Int]? = nil, keepDims: Bool = false) -> Tensor {
        require(dtype == .float32, "sum: expects float32, got \(dtype)")
        let reduced = normalizedAxes(axes, op: "sum")
        let keptShape = shape.enumerated().map { reduced.contains($0.offset) ? 1 : $0.element }
        let out = reduceSum(axes: reduced, keptShape: keptShape)
        let result = keepDims ? out : out.reshaped(shape.enumerated().filter { !reduced.contains($0.offset) }.map { $0.element })
        return Tensor.record(result, op: "sum", inputs: [self]) { [shape] g in
            [g.reshaped(keptShape).expand(to: shape).contiguous()]
        }
    }

    /// Sum over one axis.
    public func sum(axis: Int, keepDims: Bool = false) -> Tensor { sum(axes: [axis], keepDims: keepDims) }

    /// Mean over `axes` (all when nil).
    public func mean(axes: [Int]? = nil, keepDims: Bool = false) -> Tensor {
        let reduced = normalizedAxes(axes, op: "mean")
        let n = reduced.reduce(1) { $0 * shape[$1] }
        return sum(axes: reduced, keepDims: keepDims) * (1 / Float(max(n, 1)))
    }

    /// Mean over one axis.
    public func mean(axis: Int, keepDims: Bool = false) -> Tensor { mean(axes: [axis], keepDims: keepDims) }

    /// Variance over `axes` (all when nil), as `torch.var`: Σ(x − mean)² / (N − c) with the
    /// correction c = 1 when `unbiased` (Bessel's correction), else 0; N is the number of reduced
    /// elements. N − c = 0 gives NaN (or ∞), as PyTorch. Computed in two passes (mean, then centred
    /// squares) for accuracy.
    ///
    /// Backward: gx = g · 2(x − mean) / (N − c).
    public func variance(axes: [Int]? = nil, unbiased: Bool = true, keepDims: Bool = false) -> Tensor {
        require(dtype == .float32, "variance: expects float32, got \(dtype)")
        let reduced = normalizedAxes(axes, op: "variance")
        let n = reduced.reduce(1) { $0 * shape[$1] }
        let divisor = Float(n - (unbiased ? 1 : 0))
        let keptShape = shape.enumerated().map { reduced.contains($0.offset) ? 1 : $0.element }
        let (centered, result) = withNoGrad {
            let centered = self - mean(axes: reduced, keepDims: true)
            return (centered, centered.square().sum(axes: reduced, keepDims: keepDims) / divisor)
        }
        return Tensor.record(result, op: "variance", inputs: [self]) { g in
            [centered.multiplying(g.reshaped(keptShape)).multiplying(Tensor(2 / divisor))]
        }
    }

    /// Sorted, non-negative, de-duplicated axes; all axes when nil.
    func normalizedAxes(_ axes: [Int]?, op: String) -> [Int] {
        guard let axes else { return Array(0..<rank) }
        return Array(Set(axes.map { Shape.axis($0, rank: rank, op: op) })).sorted()
    }

    /// Sums into a new contiguous tensor of `keptShape` (reduced axes have size 1).
    private func reduceSum(axes reduced: [Int], keptShape: [Int]) -> Tensor {
        let out = Tensor.zeros(keptShape)
        if count == 0 { return out }
        let o = out.pointer(as: Float.self)
        // Move kept axes first and reduced axes last; if that view is contiguous, every output is a
        // contiguous run. Reductions over leading axes of a contiguous tensor accumulate rows instead.
        let kept = (0..<rank).filter { !reduced.contains($0) }
        let outer = kept.reduce(1) { $0 * shape[$1] }
        let inner = count / max(outer, 1)
        if isContiguous && reduced == Array(0..<reduced.count) && !kept.isEmpty {
            // out[j] = Σ_i x[i, j] with x viewed as [inner, outer].
            let x = UnsafePointer(pointer(as: Float.self))
            Parallel.forChunks(outer, minimumChunk: inner * outer >= 1 << 16 ? 64 : outer) { range in
                for i in 0..<inner {
                    let row = x + i * outer
                    var j = range.lowerBound
                    while j + 8 <= range.upperBound {
                        storeVector(loadVector(o + j) + loadVector(row + j), o + j)
                        j += 8
                    }
                    while j < range.upperBound { o[j] += row[j]; j += 1 }
                }
            }
            return out
        }
        let source = permuted(kept + reduced).contiguous()
        let x = UnsafePointer(source.pointer(as: Float.self))
        Parallel.forChunks(outer, minimumChunk: max(1, (1 << 15) / max(inner, 1))) { range in
            for j in range { o[j] = sumContiguous(x + j * inner, inner) }
        }
        return out
    }
}

/// Σ x[0..<n] with eight SIMD accumulators in flight.
@inline(__always)
func sumContiguous(_ x: UnsafePointer<Float>, _ n: Int) -> Float {
    var a0 = SIMD8<Float>(), a1 = SIMD8<Float>(), a2 = SIMD8<Float>(), a3 = SIMD8<Float>()
    var i = 0
    while i + 32 <= n {
        a0 += loadVector(x + i); a1 += loadVector(x + i + 8)
        a2 += loadVector(x + i + 16); a3 += loadVector(x + i + 24)
        i += 32
    }
    while i + 8 <= n { a0 += loadVector(x + i); i += 8 }
    var s = ((a0 + a1) + (a2 + a3)).sum()
    while i < n { s += x[i]; i += 1 }
    return s
}
