// Maximum and minimum reductions (values and indices), argmax/argmin, with their gradients.
//
// Ties: along an axis the FIRST extremal index is returned (as PyTorch documents for
// max/min/argmax/argmin with a dim) and the whole gradient goes to that element. For the
// all-element `max()` / `min()` the gradient is split evenly between all tied elements, as
// PyTorch's full reduction does. NaN counts as larger (or smaller) than every number, so a NaN
// in a slice makes the result NaN and its index the first NaN, as in PyTorch.

/// Which extremum a kernel seeks; kernels are specialised per kind.
protocol ExtremumKind {
    /// Whether `candidate` replaces the running extremum `current` (NaN wins over numbers).
    static func prefers(_ candidate: Float, over current: Float) -> Bool
    /// The lanewise extremum of two vectors, ignoring NaN.
    static func combine(_ a: SIMD8<Float>, _ b: SIMD8<Float>) -> SIMD8<Float>
    /// Lanes where `candidate` replaces `current` (``prefers(_:over:)`` lane by lane).
    static func prefers(_ candidate: SIMD8<Float>, over current: SIMD8<Float>) -> SIMDMask<SIMD8<Int32>>
}

enum MaximumKind: ExtremumKind {
    @inline(__always) static func prefers(_ candidate: Float, over current: Float) -> Bool {
        candidate > current || (candidate.isNaN && !current.isNaN)
    }
    @inline(__always) static func combine(_ a: SIMD8<Float>, _ b: SIMD8<Float>) -> SIMD8<Float> {
        a.replacing(with: b, where: b .> a)
    }
    @inline(__always) static func prefers(_ candidate: SIMD8<Float>, over current: SIMD8<Float>) -> SIMDMask<SIMD8<Int32>> {
        (candidate .> current) .| ((candidate .!= candidate) .& (current .== current))
    }
}

enum MinimumKind: ExtremumKind {
    @inline(__always) static func prefers(_ candidate: Float, over current: Float) -> Bool {
        candidate < current || (candidate.isNaN && !current.isNaN)
    }
    @inline(__always) static func combine(_ a: SIMD8<Float>, _ b: SIMD8<Float>) -> SIMD8<Float> {
        a.replacing(with: b, where: b .< a)
    }
    @inline(__always) static func prefers(_ candidate: SIMD8<Float>, over current: SIMD8<Float>) -> SIMDMask<SIMD8<Int32>> {
        (candidate .< current) .| ((candidate .!= candidate) .& (current .== current))
    }
}

/// The extremum of `p[0..<n]` (n ≥ 1): NaN if any element is NaN.
@inline(__always)
func extremumValue<K: ExtremumKind>(_ p: UnsafePointer<Float>, _ n: Int, _: K.Type) -> Float {
    var best = p[0]
    var i = 0
    if n >= 16 {
        var v0 = loadVector(p), v1 = loadVector(p + 8)
        var nan0 = v0 .!= v0, nan1 = v1 .!= v1
        i = 16
        while i + 16 <= n {
            let a = loadVector(p + i), b = loadVector(p + i + 8)
            v0 = K.combine(v0, a)
            v1 = K.combine(v1, b)
            nan0 = nan0 .| (a .!= a)
            nan1 = nan1 .| (b .!= b)
            i += 16
        }
        if any(nan0 .| nan1) { return .nan }
        let v = K.combine(v0, v1)
        best = v[0]
        for lane in 1..<8 where K.prefers(v[lane], over: best) { best = v[lane] }
    }
    while i < n {
        if K.prefers(p[i], over: best) { best = p[i] }
        i += 1
    }
    return best
}

/// The extremum of `p[0..<n]` (n ≥ 1) and the index of its first occurrence, in one vectorised
/// pass: each lane keeps its own extremum and first index, then the lanes are merged (on equal
/// values the smaller index wins, so the overall first occurrence is found).
@inline(__always)
func extremumWithIndex<K: ExtremumKind>(_ p: UnsafePointer<Float>, _ n: Int, _: K.Type) -> (Float, Int) {
    var bestValue = p[0], bestIndex = 0
    var i = 1
    if n >= 16 {
        var best = loadVector(p)
        var index = SIMD8<Int32>(0, 1, 2, 3, 4, 5, 6, 7)
        var candidate = index &+ 8
        i = 8
        while i + 8 <= n {
            let v = loadVector(p + i)
            let better = K.prefers(v, over: best)
            best.replace(with: v, where: better)
            index.replace(with: candidate, where: better)
            candidate &+= 8
            i += 8
        }
        bestValue = best[0]
        bestIndex = Int(index[0])
        for lane in 1..<8 {
            let v = best[lane], j = Int(index[lane])
            let tie = v == bestValue || (v.isNaN && bestValue.isNaN)
            if K.prefers(v, over: bestValue) || (tie && j < bestIndex) {
                bestValue = v
                bestIndex = j
            }
        }
    }
    while i < n {
        if K.prefers(p[i], over: bestValue) {
            bestValue = p[i]
            bestIndex = i
        }
        i += 1
    }
    return (bestValue, bestIndex)
}

extension Tensor {
    /// The largest element along `axis` and its index, as `torch.max(x, dim)`.
    ///
    /// - Returns: `values` (float32) and `indices` (int64), of the input shape without `axis`
    ///   (or with it as size 1 when `keepDims`). Ties give the first index.
    /// - Backward: the gradient of `values` goes to the selected element of each slice.
    public func max(axis: Int, keepDims: Bool = false) -> (values: Tensor, indices: Tensor) {
        extremum(axis: axis, keepDims: keepDims, MaximumKind.self, name: "max")
    }

    /// The smallest element along `axis` and its index, as `torch.min(x, dim)` (ties give the
    /// first index; the gradient goes to the selected element).
    public func min(axis: Int, keepDims: Bool = false) -> (values: Tensor, indices: Tensor) {
        extremum(axis: axis, keepDims: keepDims, MinimumKind.self, name: "min")
    }

    /// The index (int64) of the largest element along `axis`, first one on ties. Any dtype
    /// (non-float32 inputs are compared as float32).
    public func argmax(axis: Int, keepDims: Bool = false) -> Tensor {
        withNoGrad { (dtype == .float32 ? self : to(.float32)).extremum(axis: axis, keepDims: keepDims, MaximumKind.self, name: "argmax").indices }
    }

    /// The index (int64) of the smallest element along `axis`, first one on ties.
    public func argmin(axis: Int, keepDims: Bool = false) -> Tensor {
        withNoGrad { (dtype == .float32 ? self : to(.float32)).extremum(axis: axis, keepDims: keepDims, MinimumKind.self, name: "argmin").indices }
    }

    /// The index (int64, rank 0) of the largest element of the flattened tensor.
    public func argmax() -> Tensor { withNoGrad { flattened().argmax(axis: 0) } }

    /// The index (int64, rank 0) of the smallest element of the flattened tensor.
    public func argmin() -> Tensor { withNoGrad { flattened().argmin(axis: 0) } }

    /// The largest element (rank 0), as `torch.max(x)`. Backward: the gradient is split evenly
    /// between all elements equal to the maximum.
    public func max() -> Tensor { extremumOfAll(MaximumKind.self, name: "max") }

    /// The smallest element (rank 0), as `torch.min(x)`. Backward: split evenly between ties.
    public func min() -> Tensor { extremumOfAll(MinimumKind.self, name: "min") }

    /// Values and first indices of the extremum along `axis`, with the scatter backward.
    private func extremum<K: ExtremumKind>(axis: Int, keepDims: Bool, _: K.Type,
                                           name: String) -> (values: Tensor, indices: Tensor) {
        require(dtype == .float32, "\(name): expects a float32 tensor, got \(dtype)")
        let a = Shape.axis(axis, rank: rank, op: name)
        let fullShape = rank == 0 ? [1] : shape
        let n = fullShape[a]
        require(n > 0, "\(name): cannot reduce dimension \(axis) of size 0 (shape \(shape))")
        let outer = fullShape[..<a].reduce(1, *)
        let inner = fullShape[(a + 1)...].reduce(1, *)
        var keptShape = fullShape
        keptShape[a] = 1
        var resultShape = rank == 0 ? [] : shape
        if rank > 0 { if keepDims { resultShape[a] = 1 } else { resultShape.remove(at: a) } }

        let source = isContiguous ? self : withNoGrad { contiguous() }
        let values = Tensor(uninitializedShape: resultShape, dtype: .float32)
        let indices = Tensor(uninitializedShape: resultShape, dtype: .int64)
        let x = UnsafePointer(source.pointer(as: Float.self))
        let pv = values.pointer(as: Float.self), pi = indices.pointer(as: Int64.self)
        require(n < Int(Int32.max), "\(name): dimension \(axis) is too long (\(n))")
        if inner == 1 {
            Parallel.forChunks(outer, minimumChunk: Swift.max(1, (1 << 15) / n)) { range in
                for o in range {
                    let (v, i) = extremumWithIndex(x + o * n, n, K.self)
                    pv[o] = v
                    pi[o] = Int64(i)
                }
            }
        } else {
            // Slices are strided by `inner`: sweep whole rows of `inner` values, blockwise, with
            // the running extremum and its (Int32) index for eight columns per vector.
            let block = 2048
            let blocks = (inner + block - 1) / block
            let work = n * Swift.min(inner, block)
            Parallel.forChunks(outer * blocks, minimumChunk: Swift.max(1, (1 << 15) / work)) { range in
                withUnsafeTemporaryAllocation(of: Int32.self, capacity: block) { scratch in
                    let bestIndices = scratch.baseAddress!
                    for unit in range {
                        let o = unit / blocks
                        let k0 = (unit % blocks) * block, width = Swift.min(inner, k0 + block) - k0
                        let base = x + o * n * inner + k0
                        let bestValues = pv + o * inner + k0
                        bestValues.update(from: base, count: width)
                        bestIndices.initialize(repeating: 0, count: width)
                        for j in 1..<n {
                            let row = base + j * inner
                            let vj = SIMD8<Int32>(repeating: Int32(j))
                            var k = 0
                            while k + 8 <= width {
                                let v = loadVector(row + k), best = loadVector(bestValues + k)
                                let better = K.prefers(v, over: best)
                                storeVector(best.replacing(with: v, where: better), bestValues + k)
                                let indexPointer = UnsafeMutableRawPointer(bestIndices + k)
                                let index = indexPointer.loadUnaligned(as: SIMD8<Int32>.self)
                                indexPointer.storeBytes(of: index.replacing(with: vj, where: better), as: SIMD8<Int32>.self)
                                k += 8
                            }
                            while k < width {
                                if K.prefers(row[k], over: bestValues[k]) {
                                    bestValues[k] = row[k]
                                    bestIndices[k] = Int32(j)
                                }
                                k += 1
                            }
                        }
                        let target = pi + o * inner + k0
                        for k in 0..<width { target[k] = Int64(bestIndices[k]) }
                    }
                }
            }
        }
        let inputShape = shape
        let savedIndices = indices
        let recorded = Tensor.record(values, op: name, inputs: [self]) { g in
            let gradient = Tensor.zeros(inputShape)
            let gc = g.contiguous()
            let pg = gc.pointer(as: Float.self), po = gradient.pointer(as: Float.self)
            let idx = savedIndices.pointer(as: Int64.self)
            for o in 0..<outer {
                for k in 0..<inner {
                    let r = o * inner + k
                    po[(o * n + Int(idx[r])) * inner + k] = pg[r]
                }
            }
            return [gradient]
        }
        return (recorded, indices)
    }

    /// The extremum of all elements (rank 0), with the evenly split backward.
    private func extremumOfAll<K: ExtremumKind>(_: K.Type, name: String) -> Tensor {
        require(dtype == .float32, "\(name): expects a float32 tensor, got \(dtype)")
        require(count > 0, "\(name): the tensor is empty (shape \(shape)); specify an axis")
        let source = isContiguous ? self : withNoGrad { contiguous() }
        let p = UnsafePointer(source.pointer(as: Float.self))
        let total = count
        let tasks = total >= 1 << 16 ? Parallel.threadCount : 1
        var partial = [Float](repeating: 0, count: tasks)
        partial.withUnsafeMutableBufferPointer { results in
            let r = results.baseAddress!
            Parallel.run(tasks: tasks) { t in
                let start = total * t / tasks, end = total * (t + 1) / tasks
                r[t] = extremumValue(p + start, end - start, K.self)
            }
        }
        var best = partial[0]
        for v in partial.dropFirst() where K.prefers(v, over: best) { best = v }
        let out = Tensor(best)
        let x = detached()
        return Tensor.record(out, op: name, inputs: [self]) { g in
            let mask = (best.isNaN ? x.notEqual(x) : x.equal(best)).to(.float32)
            let ties = mask.sum().item()
            return [mask.multiplying(g.multiplying(Tensor(1 / ties)))]
        }
    }
}

// MARK: Free-function forwarders

// Tensor's `max(…)` and `min(…)` members hide `Swift.max` / `Swift.min` inside `extension Tensor`
// ("use of 'max' refers to instance method rather than global function"). These forwarders keep
// unqualified `max(a, b)` working there, in every module.
extension Tensor {
    /// Forwards to `Swift.max`, for unqualified use inside `extension Tensor`.
    @inlinable public func max<T: Comparable>(_ x: T, _ y: T) -> T { Swift.max(x, y) }
    /// Forwards to `Swift.max`, for unqualified use inside `extension Tensor`.
    @inlinable public func max<T: Comparable>(_ x: T, _ y: T, _ z: T, _ rest: T...) -> T {
        rest.reduce(Swift.max(x, y, z)) { Swift.max($0, $1) }
    }
    /// Forwards to `Swift.min`, for unqualified use inside `extension Tensor`.
    @inlinable public func min<T: Comparable>(_ x: T, _ y: T) -> T { Swift.min(x, y) }
    /// Forwards to `Swift.min`, for unqualified use inside `extension Tensor`.
    @inlinable public func min<T: Comparable>(_ x: T, _ y: T, _ z: T, _ rest: T...) -> T {
        rest.reduce(Swift.min(x, y, z)) { Swift.min($0, $1) }
    }
    /// Forwards to `Swift.max`, for unqualified use in static members of `Tensor`.
    @inlinable public static func max<T: Comparable>(_ x: T, _ y: T) -> T { Swift.max(x, y) }
    /// Forwards to `Swift.max`, for unqualified use in static members of `Tensor`.
    @inlinable public static func max<T: Comparable>(_ x: T, _ y: T, _ z: T, _ rest: T...) -> T {
        rest.reduce(Swift.max(x, y, z)) { Swift.max($0, $1) }
    }
    /// Forwards to `Swift.min`, for unqualified use in static members of `Tensor`.
    @inlinable public static func min<T: Comparable>(_ x: T, _ y: T) -> T { Swift.min(x, y) }
    /// Forwards to `Swift.min`, for unqualified use in static members of `Tensor`.
    @inlinable public static func min<T: Comparable>(_ x: T, _ y: T, _ z: T, _ rest: T...) -> T {
        rest.reduce(Swift.min(x, y, z)) { Swift.min($0, $1) }
    }
}
