// Slicing: views that keep a strided window of one axis, with no copy.
//
// Each op here is the same transformation of the view geometry along one axis `a`:
//   offset′ = offset + start · strides[a],  shape′[a] = length,  strides′[a] = strides[a] · step
// (and `select` removes the axis). The backward pass applies that geometry to a zero tensor of the
// input's shape and copies the incoming gradient into the window: the gradient of a slice is the
// gradient scattered into zeros.

extension Tensor {
    /// The window `start ..< start + length` of `axis`, as a view (`torch.narrow`).
    ///
    /// `start` may be negative, counting from the end as in Python.
    public func narrow(axis: Int, start: Int, length: Int) -> Tensor {
        require(rank > 0, "narrow: cannot narrow a zero-dimensional tensor")
        let a = Shape.axis(axis, rank: rank, op: "narrow")
        let size = shape[a]
        let first = start < 0 ? start + size : start
        require(length >= 0, "narrow: length \(length) is negative (shape \(shape), axis \(axis))")
        require(first >= 0 && first + length <= size,
                     "narrow: start \(start) length \(length) is out of range for axis \(axis) of size \(size) (shape \(shape))")
        return stridedWindow(axis: a, start: first, length: length, step: 1, dropsAxis: false, op: "narrow")
    }

    /// Every `step`-th element of `axis` from `start` up to (not including) `end`, as a view, with
    /// Python's slice rules: negative indices count from the end and out-of-range bounds are clamped,
    /// so `slice(axis: 0, start: -2)` is `x[-2:]` and an empty range gives an empty tensor.
    ///
    /// The result has `max(0, ⌈(end − start) / step⌉)` elements along `axis` (after clamping).
    public func slice(axis: Int, start: Int = 0, end: Int = .max, step: Int = 1) -> Tensor {
        require(rank > 0, "slice: cannot slice a zero-dimensional tensor")
        require(step > 0, "slice: step must be positive, got \(step)")
        let a = Shape.axis(axis, rank: rank, op: "slice")
        let size = shape[a]
        func clamp(_ index: Int) -> Int {
            let i = index < 0 ? (index < -size ? 0 : index + size) : index
            return min(i, size)
        }
        let first = clamp(start), last = clamp(end)
        let length = last > first ? (last - first + step - 1) / step : 0
        return stridedWindow(axis: a, start: first, length: length, step: step, dropsAxis: false, op: "slice")
    }

    /// The sub-tensor at `index` of `axis`, which is removed from the shape (a view, like
    /// `torch.select` or `x[..., index, ...]`). A negative index counts from the end.
    public func select(axis: Int, index: Int) -> Tensor {
        require(rank > 0, "select: cannot select from a zero-dimensional tensor")
        let a = Shape.axis(axis, rank: rank, op: "select")
        let size = shape[a]
        let i = index < 0 ? index + size : index
        require(i >= 0 && i < size, "select: index \(index) is out of range for axis \(axis) of size \(size) (shape \(shape))")
        return stridedWindow(axis: a, start: i, length: 1, step: 1, dropsAxis: true, op: "select")
    }

    /// `select(axis: 0, index: index)`: the `index`-th sub-tensor along the first axis (a view).
    /// A negative index counts from the end.
    public subscript(_ index: Int) -> Tensor {
        select(axis: 0, index: index)
    }

    /// The rows `range` of the first axis, as a view (`x[2..<5]`, `x[..<3]`, `x[1...]`).
    /// The range must lie within `0 ... shape[0]`.
    public subscript<R: RangeExpression>(_ range: R) -> Tensor where R.Bound == Int {
        require(rank > 0, "subscript: cannot slice a zero-dimensional tensor")
        let bounds = range.relative(to: 0..<shape[0])
        require(bounds.lowerBound >= 0 && bounds.upperBound <= shape[0],
                     "subscript: range \(bounds) is out of range for axis 0 of size \(shape[0]) (shape \(shape))")
        return narrow(axis: 0, start: bounds.lowerBound, length: bounds.count)
    }

    /// The strided window of `axis` as a view, recorded with the scatter-into-zeros backward.
    func stridedWindow(axis a: Int, start: Int, length: Int, step: Int, dropsAxis: Bool, op: String) -> Tensor {
        let geometry = WindowGeometry(axis: a, start: start, length: length, step: step, dropsAxis: dropsAxis)
        let view = geometry.apply(shape: shape, strides: strides, offset: offset)
        let out = Tensor(storage: storage, dtype: dtype, shape: view.shape, strides: view.strides, offset: view.offset)
        let inputShape = shape
        return Tensor.record(out, op: op, inputs: [self]) { g in
            [geometry.scatter(g, intoZerosOf: inputShape)]
        }
    }
}

/// The window one slicing op keeps along one axis.
struct WindowGeometry {
    let axis: Int
    let start: Int
    let length: Int
    let step: Int
    let dropsAxis: Bool

    /// The view of a tensor with `shape`, `strides` and `offset` that this window keeps.
    func apply(shape: [Int], strides: [Int], offset: Int) -> (shape: [Int], strides: [Int], offset: Int) {
        var s = shape, st = strides
        let o = offset + start * strides[axis]
        if dropsAxis {
            s.remove(at: axis)
            st.remove(at: axis)
        } else {
            s[axis] = length
            st[axis] = strides[axis] * step
        }
        return (s, st, o)
    }

    /// A new zero tensor of `shape` whose window holds `gradient` (the backward of the window).
    func scatter(_ gradient: Tensor, intoZerosOf shape: [Int]) -> Tensor {
        let full = Tensor.zeros(shape, dtype: gradient.dtype)
        let view = apply(shape: shape, strides: full.strides, offset: 0)
        Tensor(storage: full.storage, dtype: full.dtype, shape: view.shape, strides: view.strides, offset: view.offset)
            .copy(from: gradient)
        return full
    }
}
