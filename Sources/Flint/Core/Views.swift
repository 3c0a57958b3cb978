// Views: new shapes and strides over the same storage, with their backward rules.

extension Tensor {
    /// The same elements in a new shape (one dimension may be -1). A view when contiguous,
    /// else a copy, like `torch.reshape`.
    public func reshaped(_ newShape: [Int]) -> Tensor {
        var target = newShape
        let known = newShape.reduce(1) { $1 == -1 ? $0 : $0 * $1 }
        if let inferred = newShape.firstIndex(of: -1) {
            require(newShape.filter { $0 == -1 }.count == 1, "reshape: only one dimension can be -1 in \(newShape)")
            require(known > 0 && count % known == 0, "reshape: cannot reshape \(shape) (\(count) elements) into \(newShape)")
            target[inferred] = count / known
        }
        require(Shape.count(target) == count, "reshape: cannot reshape \(shape) (\(count) elements) into \(newShape)")
        if target == shape { return self }
        let source = contiguous()
        let out = Tensor(storage: source.storage, dtype: dtype, shape: target, offset: source.offset)
        return Tensor.record(out, op: "reshape", inputs: [source]) { [shape] g in [g.reshaped(shape)] }
    }

    /// The same elements as one dimension.
    public func flattened() -> Tensor { reshaped([count]) }

    /// Flattens dimensions `startAxis...endAxis` into one (`torch.flatten`).
    public func flattened(from startAxis: Int, to endAxis: Int = -1) -> Tensor {
        if rank == 0 { return reshaped([1]) }
        let s = Shape.axis(startAxis, rank: rank, op: "flatten")
        let e = Shape.axis(endAxis, rank: rank, op: "flatten")
        require(s <= e, "flatten: start axis \(startAxis) after end axis \(endAxis)")
        let merged = shape[s...e].reduce(1, *)
        return reshaped(Array(shape[..<s]) + [merged] + Array(shape[(e + 1)...]))
    }

    /// Reorders dimensions: result dimension i is input dimension `axes[i]` (a view).
    public func permuted(_ axes: [Int]) -> Tensor {
        require(axes.count == rank, "permute: \(axes.count) axes given for a tensor of rank \(rank)")
        let normalized = axes.map { Shape.axis($0, rank: rank, op: "permute") }
        require(Set(normalized).count == rank, "permute: axes \(axes) are not a permutation")
        let out = Tensor(storage: storage, dtype: dtype, shape: normalized.map { shape[$0] },
                         strides: normalized.map { strides[$0] }, offset: offset)
        var inverse = [Int](repeating: 0, count: rank)
        for (i, a) in normalized.enumerated() { inverse[a] = i }
        return Tensor.record(out, op: "permute", inputs: [self]) { g in [g.permuted(inverse)] }
    }

    /// Swaps two dimensions (a view).
    public func transposed(_ axis0: Int, _ axis1: Int) -> Tensor {
        var axes = Array(0..<rank)
        let a = Shape.axis(axis0, rank: rank, op: "transpose"), b = Shape.axis(axis1, rank: rank, op: "transpose")
        axes.swapAt(a, b)
        return permuted(axes)
    }

    /// Swaps the last two dimensions (the matrix transpose; a view).
    public func transposed() -> Tensor {
        require(rank >= 2, "transpose: needs at least 2 dimensions, shape is \(shape)")
        return transposed(rank - 2, rank - 1)
    }

    /// Broadcasts to a larger shape without copying (stride 0 along expanded dimensions).
    public func expand(to target: [Int]) -> Tensor {
        if target == shape { return self }
        require(target.count >= rank, "expand: cannot expand \(shape) to fewer dimensions \(target)")
        let lead = target.count - rank
        for i in 0..<rank {
            require(shape[i] == target[lead + i] || shape[i] == 1,
                         "expand: dimension \(i) of \(shape) cannot expand to \(target)")
        }
        let out = Tensor(storage: storage, dtype: dtype, shape: target,
                         strides: Shape.broadcastStrides(shape: shape, strides: strides, to: target), offset: offset)
        return Tensor.record(out, op: "expand", inputs: [self]) { [shape] g in [g.sumToShape(shape)] }
    }

    /// Inserts a dimension of size 1 at `axis`.
    public func unsqueezed(_ axis: Int) -> Tensor {
        let a = axis < 0 ? axis + rank + 1 : axis
        require(a >= 0 && a <= rank, "unsqueeze: axis \(axis) out of range for rank \(rank)")
        var s = shape
        s.insert(1, at: a)
        return reshapedView(s)
    }

    /// Removes dimension `axis`, which must have size 1; or every size-1 dimension when nil.
    public func squeezed(_ axis: Int? = nil) -> Tensor {
        if let axis {
            let a = Shape.axis(axis, rank: rank, op: "squeeze")
            if shape[a] != 1 { return self }
            var s = shape
            s.remove(at: a)
            return reshapedView(s)
        }
        return reshapedView(shape.filter { $0 != 1 })
    }

    /// A reshape that only adds or removes size-1 dimensions: always a view, strides preserved.
    private func reshapedView(_ target: [Int]) -> Tensor {
        var newStrides: [Int] = []
        var j = 0
        for d in target {
            if d == 1 {
                newStrides.append(0)
            } else {
                while shape[j] == 1 { j += 1 }
                newStrides.append(strides[j])
                j += 1
            }
        }
        let out = Tensor(storage: storage, dtype: dtype, shape: target, strides: newStrides, offset: offset)
        return Tensor.record(out, op: "reshape", inputs: [self]) { [shape] g in [g.reshaped(shape)] }
    }
}
