#if canImport(Glibc)
import Glibc
#endif

/// An n-dimensional array with optional reverse-mode gradient tracking, in the manner of
/// `torch.Tensor`.
///
/// A tensor is a view: a ``TensorStorage``, an element ``offset``, a ``shape`` and ``strides``
/// (in elements). Reshaping a contiguous tensor, transposing, slicing and expanding make new views
/// of the same storage without copying; ``contiguous()`` copies when needed.
///
/// Tensors are reference types, as in PyTorch: a parameter keeps its identity while an optimizer
/// updates its storage in place, and ``grad`` accumulates on the leaf.
public final class Tensor: @unchecked Sendable {
    /// The memory this tensor views.
    public let storage: TensorStorage
    /// The element type.
    public let dtype: DType
    /// The size of each dimension.
    public let shape: [Int]
    /// The distance, in elements, between neighbours along each dimension.
    public let strides: [Int]
    /// The element offset of the first element in ``storage``.
    public let offset: Int

    /// The accumulated gradient of a leaf after ``backward(gradient:)``.
    public var grad: Tensor?
    /// The backward node that produced this tensor (nil for leaves and untracked results).
    var gradientNode: GradientNode?
    private var _requiresGrad = false

    /// Creates a view of `storage`.
    public init(storage: TensorStorage, dtype: DType, shape: [Int], strides: [Int]? = nil, offset: Int = 0) {
        self.storage = storage
        self.dtype = dtype
        self.shape = shape
        self.strides = strides ?? Shape.contiguousStrides(shape)
        self.offset = offset
    }

    /// Allocates an uninitialised contiguous tensor.
    public convenience init(uninitializedShape shape: [Int], dtype: DType = .float32) {
        let storage = TensorStorage(byteCount: Shape.count(shape) * dtype.byteSize)
        self.init(storage: storage, dtype: dtype, shape: shape)
    }

    /// A float32 tensor holding `values` in row-major order.
    public convenience init(_ values: [Float], shape: [Int]) {
        require(values.count == Shape.count(shape),
                     "Tensor: \(values.count) values do not fill shape \(shape) (\(Shape.count(shape)) elements)")
        self.init(uninitializedShape: shape, dtype: .float32)
        values.withUnsafeBufferPointer { source in
            if let base = source.baseAddress {
                storage.data.copyMemory(from: base, byteCount: values.count * 4)
            }
        }
    }

    /// A one-dimensional float32 tensor.
    public convenience init(_ values: [Float]) {
        self.init(values, shape: [values.count])
    }

    /// A rank-0 float32 tensor.
    public convenience init(_ scalar: Float) {
        self.init([scalar], shape: [])
    }

    /// An integer tensor (`int64` by default, or `int32`), for indices and labels.
    public convenience init(integers values: [Int], shape: [Int]? = nil, dtype: DType = .int64) {
        let shape = shape ?? [values.count]
        require(values.count == Shape.count(shape),
                     "Tensor: \(values.count) values do not fill shape \(shape)")
        require(dtype == .int64 || dtype == .int32, "Tensor: integer values need dtype int64 or int32, not \(dtype)")
        self.init(uninitializedShape: shape, dtype: dtype)
        if dtype == .int64 {
            let p = storage.data.assumingMemoryBound(to: Int64.self)
            for i in 0..<values.count { p[i] = Int64(values[i]) }
        } else {
            let p = storage.data.assumingMemoryBound(to: Int32.self)
            for i in 0..<values.count { p[i] = Int32(truncatingIfNeeded: values[i]) }
        }
    }

    // MARK: Factories

    /// A tensor of zeros.
    public static func zeros(_ shape: [Int], dtype: DType = .float32) -> Tensor {
        Tensor(storage: TensorStorage(zeroedByteCount: Shape.count(shape) * dtype.byteSize), dtype: dtype, shape: shape)
    }

    /// A tensor of ones.
    public static func ones(_ shape: [Int], dtype: DType = .float32) -> Tensor {
        full(shape, value: 1, dtype: dtype)
    }

    /// A tensor filled with `value`.
    public static func full(_ shape: [Int], value: Float, dtype: DType = .float32) -> Tensor {
        let t = Tensor(uninitializedShape: shape, dtype: dtype)
        let n = t.count
        switch dtype {
        case .float32:
            let p = t.storage.data.assumingMemoryBound(to: Float.self)
            p.initialize(repeating: value, count: n)
        case .int64:
            t.storage.data.assumingMemoryBound(to: Int64.self).initialize(repeating: Int64(value), count: n)
        case .int32:
            t.storage.data.assumingMemoryBound(to: Int32.self).initialize(repeating: Int32(value), count: n)
        case .float16:
            t.storage.data.assumingMemoryBound(to: UInt16.self).initialize(repeating: Float16(value).bitPattern, count: n)
        case .bfloat16:
            t.storage.data.assumingMemoryBound(to: UInt16.self).initialize(repeating: bfloat16Bits(from: value), count: n)
        case .uint8, .bool:
            memset(t.storage.data, Int32(UInt8(clamping: Int(value))), n)
        }
        return t
    }

    /// A zero tensor with the shape and dtype of `other`.
    public static func zeros(like other: Tensor) -> Tensor { zeros(other.shape, dtype: other.dtype) }

    /// A tensor of ones with the shape and dtype of `other`.
    public static func ones(like other: Tensor) -> Tensor { ones(other.shape, dtype: other.dtype) }

    /// `[start, start + step, …]` below `end`, as float32 (or `dtype`).
    public static func arange(_ start: Float = 0, _ end: Float, step: Float = 1, dtype: DType = .float32) -> Tensor {
        require(step != 0, "arange: step must be non-zero")
        let n = max(0, Int(((end - start) / step).rounded(.up)))
        let values = (0..<n).map { start + Float($0) * step }
        return Tensor(values, shape: [n]).to(dtype)
    }

    // MARK: Properties

    /// The number of elements.
    public var count: Int { Shape.count(shape) }
    /// The number of dimensions.
    public var rank: Int { shape.count }

    /// Whether the elements are laid out in row-major order with no gaps.
    public var isContiguous: Bool {
        var expected = 1
        for i in stride(from: shape.count - 1, through: 0, by: -1) where shape[i] != 1 {
            if strides[i] != expected { return false }
            expected *= shape[i]
        }
        return true
    }

    /// Whether gradients flow to this tensor. Settable on leaves only, like PyTorch.
    public var requiresGrad: Bool {
        get { _requiresGrad }
        set {
            require(gradientNode == nil || newValue,
                         "requiresGrad: only a leaf tensor's flag can be cleared; use detached()")
            require(!newValue || dtype.isFloatingPoint, "requiresGrad: only floating-point tensors can require gradients (dtype \(dtype))")
            _requiresGrad = newValue
        }
    }

    /// Whether this tensor is a leaf of the autograd graph (created by the user, not by an op).
    public var isLeaf: Bool { gradientNode == nil }

    /// Sets ``requiresGrad`` and returns `self`, for chaining.
    @discardableResult
    public func requiringGrad(_ flag: Bool = true) -> Tensor {
        requiresGrad = flag
        return self
    }

    /// A typed pointer to the first element (the storage base plus ``offset``).
    @inlinable
    public func pointer<T>(as type: T.Type) -> UnsafeMutablePointer<T> {
        storage.data.assumingMemoryBound(to: T.self) + offset
    }

    /// The float32 element pointer; the tensor must be float32.
    public var floatPointer: UnsafeMutablePointer<Float> {
        require(dtype == .float32, "floatPointer: tensor is \(dtype), not float32")
        return pointer(as: Float.self)
    }

    // MARK: Views and copies

    /// A contiguous tensor with the same values: `self` when already contiguous, else a copy.
    public func contiguous() -> Tensor {
        if isContiguous { return self }
        let out = Tensor(uninitializedShape: shape, dtype: dtype)
        copyElements(from: self, into: out)
        return Tensor.record(out, op: "contiguous", inputs: [self]) { g in [g] }
    }

    /// A new tensor (always a copy) with the same values, contiguous.
    public func clone() -> Tensor {
        let out = Tensor(uninitializedShape: shape, dtype: dtype)
        copyElements(from: self, into: out)
        return Tensor.record(out, op: "clone", inputs: [self]) { g in [g] }
    }

    /// Copies the values of `source` (same shape, or broadcastable to this shape, same dtype)
    /// into this tensor's memory, in place. Not recorded by autograd.
    public func copy(from source: Tensor) {
        require(source.dtype == dtype, "copy: dtype \(source.dtype) into \(dtype)")
        let src = source.shape == shape ? source : source.expand(to: shape)
        copyElements(from: src, into: self)
    }

    /// Converts to another dtype (a copy; `self` when the dtype already matches).
    /// Float→integer conversion truncates toward zero, as PyTorch's `.to(torch.int64)`.
    public func to(_ target: DType) -> Tensor {
        if target == dtype { return self }
        let source = contiguous()
        let out = Tensor(uninitializedShape: shape, dtype: target)
        let n = count
        // Go through float32 for floating types, Int64 for integer types.
        if target.isFloatingPoint || dtype.isFloatingPoint {
            let floats: UnsafeMutablePointer<Float>
            var scratch: Tensor? = nil
            if target == .float32 {
                floats = out.storage.data.assumingMemoryBound(to: Float.self)
            } else {
                scratch = Tensor(uninitializedShape: shape, dtype: .float32)
                floats = scratch!.storage.data.assumingMemoryBound(to: Float.self)
            }
            source.readFloats(into: floats, count: n)
            if target != .float32 { out.writeFloats(from: floats, count: n) }
            _ = scratch
        } else {
            let ints = UnsafeMutablePointer<Int64>.allocate(capacity: max(n, 1))
            defer { ints.deallocate() }
            source.readInts(into: ints, count: n)
            out.writeInts(from: ints, count: n)
        }
        if target.isFloatingPoint && dtype.isFloatingPoint {
            return Tensor.record(out, op: "to(\(target))", inputs: [self]) { [dtype] g in [g.to(dtype)] }
        }
        return out
    }

    /// Reads the contiguous elements of any dtype as floats.
    private func readFloats(into destination: UnsafeMutablePointer<Float>, count n: Int) {
        switch dtype {
        case .float32: destination.update(from: pointer(as: Float.self), count: n)
        case .float16:
            let p = pointer(as: UInt16.self)
            for i in 0..<n { destination[i] = floatFromHalfBits(p[i]) }
        case .bfloat16:
            let p = pointer(as: UInt16.self)
            for i in 0..<n { destination[i] = floatFromBFloat16Bits(p[i]) }
        case .int64:
            let p = pointer(as: Int64.self)
            for i in 0..<n { destination[i] = Float(p[i]) }
        case .int32:
            let p = pointer(as: Int32.self)
            for i in 0..<n { destination[i] = Float(p[i]) }
        case .uint8, .bool:
            let p = pointer(as: UInt8.self)
            for i in 0..<n { destination[i] = Float(p[i]) }
        }
    }

    private func writeFloats(from source: UnsafeMutablePointer<Float>, count n: Int) {
        switch dtype {
        case .float32: pointer(as: Float.self).update(from: source, count: n)
        case .float16:
            let p = pointer(as: UInt16.self)
            for i in 0..<n { p[i] = Float16(source[i]).bitPattern }
        case .bfloat16:
            let p = pointer(as: UInt16.self)
            for i in 0..<n { p[i] = bfloat16Bits(from: source[i]) }
        case .int64:
            let p = pointer(as: Int64.self)
            for i in 0..<n { p[i] = source[i].isFinite ? Int64(source[i]) : 0 }
        case .int32:
            let p = pointer(as: Int32.self)
            for i in 0..<n { p[i] = source[i].isFinite ? Int32(clamping: Int64(source[i])) : 0 }
        case .uint8:
            let p = pointer(as: UInt8.self)
            for i in 0..<n { p[i] = source[i].isFinite ? UInt8(truncatingIfNeeded: Int64(source[i])) : 0 }
        case .bool:
            let p = pointer(as: UInt8.self)
            for i in 0..<n { p[i] = source[i] != 0 ? 1 : 0 }
        }
    }

    private func readInts(into destination: UnsafeMutablePointer<Int64>, count n: Int) {
        switch dtype {
        case .int64: destination.update(from: pointer(as: Int64.self), count: n)
        case .int32:
            let p = pointer(as: Int32.self)
            for i in 0..<n { destination[i] = Int64(p[i]) }
        case .uint8, .bool:
            let p = pointer(as: UInt8.self)
            for i in 0..<n { destination[i] = Int64(p[i]) }
        default: fatalError("readInts: \(dtype) is not an integer type")
        }
    }

    private func writeInts(from source: UnsafeMutablePointer<Int64>, count n: Int) {
        switch dtype {
        case .int64: pointer(as: Int64.self).update(from: source, count: n)
        case .int32:
            let p = pointer(as: Int32.self)
            for i in 0..<n { p[i] = Int32(truncatingIfNeeded: source[i]) }
        case .uint8:
            let p = pointer(as: UInt8.self)
            for i in 0..<n { p[i] = UInt8(truncatingIfNeeded: source[i]) }
        case .bool:
            let p = pointer(as: UInt8.self)
            for i in 0..<n { p[i] = source[i] != 0 ? 1 : 0 }
        default: fatalError("writeInts: \(dtype) is not an integer type")
        }
    }

    // MARK: Reading values

    /// The elements in row-major order, as floats (any dtype).
    public func toArray() -> [Float] {
        let source = dtype == .float32 ? contiguous() : to(.float32)
        return Array(UnsafeBufferPointer(start: source.pointer(as: Float.self), count: count))
    }

    /// The elements in row-major order, as integers (integer and bool dtypes; floats truncate).
    public func toIntArray() -> [Int] {
        if dtype.isFloatingPoint { return toArray().map { Int($0) } }
        let source = to(.int64).contiguous()
        return Array(UnsafeBufferPointer(start: source.pointer(as: Int64.self), count: count)).map { Int($0) }
    }

    /// The value of a one-element tensor.
    public func item() -> Float {
        require(count == 1, "item: tensor has \(count) elements (shape \(shape)), expected 1")
        return toArray()[0]
    }
}

/// Copies `source` into `destination` elementwise (same shape and dtype; any strides).
func copyElements(from source: Tensor, into destination: Tensor) {
    require(source.shape == destination.shape && source.dtype == destination.dtype)
    let size = source.dtype.byteSize
    let loop = StridedLoop(shape: source.shape, strides: [destination.strides, source.strides])
    let (ds, ss, _, _) = loop.innerStrides
    let dst = destination.storage.data + destination.offset * size
    let src = source.storage.data + source.offset * size
    func run<T>(_ type: T.Type) {
        let d = dst.assumingMemoryBound(to: T.self)
        let s = src.assumingMemoryBound(to: T.self)
        loop.forEachRow { offsets, n in
            let dp = d + offsets[0], sp = s + offsets[1]
            if ds == 1 && ss == 1 {
                dp.update(from: sp, count: n)
            } else {
                for i in 0..<n { dp[i * ds] = sp[i * ss] }
            }
        }
    }
    switch size {
    case 8: run(Int64.self)
    case 4: run(Float.self)
    case 2: run(UInt16.self)
    default: run(UInt8.self)
    }
}
