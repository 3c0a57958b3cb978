// Elementwise comparisons producing `.bool` tensors, boolean logic, and `where` selection, all
// with NumPy broadcasting.

/// A comparison between two values of one type; kernels are specialised per predicate and type.
protocol ComparisonPredicate {
    static func holds<T: Comparable>(_ a: T, _ b: T) -> Bool
}

enum GreaterPredicate: ComparisonPredicate {
    @inline(__always) static func holds<T: Comparable>(_ a: T, _ b: T) -> Bool { a > b }
}
enum GreaterEqualPredicate: ComparisonPredicate {
    @inline(__always) static func holds<T: Comparable>(_ a: T, _ b: T) -> Bool { a >= b }
}
enum LessPredicate: ComparisonPredicate {
    @inline(__always) static func holds<T: Comparable>(_ a: T, _ b: T) -> Bool { a < b }
}
enum LessEqualPredicate: ComparisonPredicate {
    @inline(__always) static func holds<T: Comparable>(_ a: T, _ b: T) -> Bool { a <= b }
}
enum EqualPredicate: ComparisonPredicate {
    @inline(__always) static func holds<T: Comparable>(_ a: T, _ b: T) -> Bool { a == b }
}
enum NotEqualPredicate: ComparisonPredicate {
    @inline(__always) static func holds<T: Comparable>(_ a: T, _ b: T) -> Bool { a != b }
}

/// Brings two tensors to a common comparable dtype, as PyTorch's type promotion for comparisons:
/// any floating-point operand → float32; else any int64 → int64; else int32; one-byte types
/// (uint8, bool) compare as unsigned bytes.
func comparisonOperands(_ a: Tensor, _ b: Tensor) -> (Tensor, Tensor) {
    if a.dtype == b.dtype && a.dtype != .float16 && a.dtype != .bfloat16 { return (a, b) }
    let common: DType
    if a.dtype.isFloatingPoint || b.dtype.isFloatingPoint {
        common = .float32
    } else if a.dtype == .int64 || b.dtype == .int64 {
        common = .int64
    } else if a.dtype == .int32 || b.dtype == .int32 {
        common = .int32
    } else {
        return (a, b)  // uint8 and bool: both unsigned bytes
    }
    return withNoGrad { (a.to(common), b.to(common)) }
}

/// A rank-0 operand holding `value` in a dtype that compares exactly with `tensor`: the tensor's
/// integer type when `value` is integral (and fits), else float32.
func comparisonScalar(_ value: Float, like tensor: Tensor) -> Tensor {
    if !tensor.dtype.isFloatingPoint && value == value.rounded() && value.magnitude < 9.2e18 {
        let fitsInt32 = value.magnitude < 2_147_483_648
        let dtype: DType = tensor.dtype == .int32 && fitsInt32 ? .int32 : .int64
        return Tensor(integers: [Int(value)], shape: [], dtype: dtype)
    }
    return Tensor(value)
}

/// Evaluates `P` elementwise over broadcast `a` and `b` into a new `.bool` tensor.
func compareMap<P: ComparisonPredicate>(_ a: Tensor, _ b: Tensor, _: P.Type, name: String) -> Tensor {
    let (x, y) = comparisonOperands(a, b)
    let shape = x.shape == y.shape ? x.shape : Shape.broadcast(x.shape, y.shape, op: name)
    let out = Tensor(uninitializedShape: shape, dtype: .bool)
    switch x.dtype {
    case .float32: compareKernel(x, y, into: out, Float.self, P.self)
    case .int64: compareKernel(x, y, into: out, Int64.self, P.self)
    case .int32: compareKernel(x, y, into: out, Int32.self, P.self)
    case .uint8, .bool: compareKernel(x, y, into: out, UInt8.self, P.self)
    case .float16, .bfloat16: fatalError("\(name): unreachable dtype \(x.dtype)")
    }
    return out
}

private func compareKernel<T: Comparable, P: ComparisonPredicate>(_ a: Tensor, _ b: Tensor, into out: Tensor,
                                                                   _: T.Type, _: P.Type) {
    let shape = out.shape
    let aStrides = a.shape == shape ? a.strides : Shape.broadcastStrides(shape: a.shape, strides: a.strides, to: shape)
    let bStrides = b.shape == shape ? b.strides : Shape.broadcastStrides(shape: b.shape, strides: b.strides, to: shape)
    let loop = StridedLoop(shape: shape, strides: [out.strides, aStrides, bStrides])
    let (os, as_, bs, _) = loop.innerStrides
    let o = out.pointer(as: UInt8.self), pa = a.pointer(as: T.self), pb = b.pointer(as: T.self)
    loop.forEachRow { offsets, n in
        let po = o + offsets[0], xa = pa + offsets[1], xb = pb + offsets[2]
        if os == 1 && as_ == 1 && bs == 1 {
            for i in 0..<n { po[i] = P.holds(xa[i], xb[i]) ? 1 : 0 }
        } else if os == 1 && as_ == 1 && bs == 0 {
            let value = xb[0]
            for i in 0..<n { po[i] = P.holds(xa[i], value) ? 1 : 0 }
        } else {
            for i in 0..<n { po[i * os] = P.holds(xa[i * as_], xb[i * bs]) ? 1 : 0 }
        }
    }
}

/// A boolean combination of two truth values; kernels are specialised per combination.
protocol BooleanCombination {
    static func combine(_ a: Bool, _ b: Bool) -> Bool
}
enum AndCombination: BooleanCombination {
    @inline(__always) static func combine(_ a: Bool, _ b: Bool) -> Bool { a && b }
}
enum OrCombination: BooleanCombination {
    @inline(__always) static func combine(_ a: Bool, _ b: Bool) -> Bool { a || b }
}
/// Ignores the second operand: NOT of the first.
enum NotCombination: BooleanCombination {
    @inline(__always) static func combine(_ a: Bool, _ b: Bool) -> Bool { !a }
}

/// Combines two byte tensors (bool or uint8, nonzero = true) elementwise with broadcasting.
private func logicalMap<C: BooleanCombination>(_ a: Tensor, _ b: Tensor, _: C.Type, name: String) -> Tensor {
    require((a.dtype == .bool || a.dtype == .uint8) && (b.dtype == .bool || b.dtype == .uint8),
                 "\(name): expects bool tensors, got \(a.dtype) and \(b.dtype)")
    let shape = a.shape == b.shape ? a.shape : Shape.broadcast(a.shape, b.shape, op: name)
    let out = Tensor(uninitializedShape: shape, dtype: .bool)
    let aStrides = Shape.broadcastStrides(shape: a.shape, strides: a.strides, to: shape)
    let bStrides = Shape.broadcastStrides(shape: b.shape, strides: b.strides, to: shape)
    let loop = StridedLoop(shape: shape, strides: [out.strides, aStrides, bStrides])
    let (os, as_, bs, _) = loop.innerStrides
    let o = out.pointer(as: UInt8.self), pa = a.pointer(as: UInt8.self), pb = b.pointer(as: UInt8.self)
    loop.forEachRow { offsets, n in
        let po = o + offsets[0], xa = pa + offsets[1], xb = pb + offsets[2]
        for i in 0..<n { po[i * os] = C.combine(xa[i * as_] != 0, xb[i * bs] != 0) ? 1 : 0 }
    }
    return out
}

extension Tensor {
    // MARK: Comparisons with tensors

    /// `self > other` elementwise with broadcasting, as a `.bool` tensor (1 byte, 0 or 1).
    ///
    /// Operands of different dtypes are promoted (floating → float32, else int64, else int32);
    /// any comparison with NaN is false except ``notEqual(_:)-(Tensor)``.
    public func greater(_ other: Tensor) -> Tensor { compareMap(self, other, GreaterPredicate.self, name: "greater") }

    /// `self >= other` elementwise with broadcasting, as a `.bool` tensor.
    public func greaterEqual(_ other: Tensor) -> Tensor {
        compareMap(self, other, GreaterEqualPredicate.self, name: "greaterEqual")
    }

    /// `self < other` elementwise with broadcasting, as a `.bool` tensor.
    public func less(_ other: Tensor) -> Tensor { compareMap(self, other, LessPredicate.self, name: "less") }

    /// `self <= other` elementwise with broadcasting, as a `.bool` tensor.
    public func lessEqual(_ other: Tensor) -> Tensor {
        compareMap(self, other, LessEqualPredicate.self, name: "lessEqual")
    }

    /// `self == other` elementwise with broadcasting, as a `.bool` tensor (for example int64
    /// labels against `argmax` predictions).
    public func equal(_ other: Tensor) -> Tensor { compareMap(self, other, EqualPredicate.self, name: "equal") }

    /// `self != other` elementwise with broadcasting, as a `.bool` tensor (true against NaN).
    public func notEqual(_ other: Tensor) -> Tensor {
        compareMap(self, other, NotEqualPredicate.self, name: "notEqual")
    }

    // MARK: Comparisons with numbers

    /// `self > value` elementwise, as a `.bool` tensor. Integer tensors compare exactly against
    /// an integral value.
    public func greater(_ value: Float) -> Tensor { greater(comparisonScalar(value, like: self)) }

    /// `self >= value` elementwise, as a `.bool` tensor.
    public func greaterEqual(_ value: Float) -> Tensor { greaterEqual(comparisonScalar(value, like: self)) }

    /// `self < value` elementwise, as a `.bool` tensor.
    public func less(_ value: Float) -> Tensor { less(comparisonScalar(value, like: self)) }

    /// `self <= value` elementwise, as a `.bool` tensor.
    public func lessEqual(_ value: Float) -> Tensor { lessEqual(comparisonScalar(value, like: self)) }

    /// `self == value` elementwise, as a `.bool` tensor.
    public func equal(_ value: Float) -> Tensor { equal(comparisonScalar(value, like: self)) }

    /// `self != value` elementwise, as a `.bool` tensor.
    public func notEqual(_ value: Float) -> Tensor { notEqual(comparisonScalar(value, like: self)) }

    // MARK: Boolean logic

    /// Elementwise AND of two bool tensors, broadcasting.
    public func logicalAnd(_ other: Tensor) -> Tensor { logicalMap(self, other, AndCombination.self, name: "logicalAnd") }

    /// Elementwise OR of two bool tensors, broadcasting.
    public func logicalOr(_ other: Tensor) -> Tensor { logicalMap(self, other, OrCombination.self, name: "logicalOr") }

    /// Elementwise NOT of a bool tensor.
    public func logicalNot() -> Tensor {
        logicalMap(self, Tensor.full([], value: 1, dtype: .bool), NotCombination.self, name: "logicalNot")
    }

    // MARK: Selection

    /// Picks `a` where `condition` is true and `b` elsewhere, broadcasting all three, as
    /// `torch.where(condition, a, b)`.
    ///
    /// `condition` is `.bool` (or `.uint8`, nonzero = true); `a` and `b` share a dtype.
    /// Backward: the gradient flows to `a` where the condition holds and to `b` where it does not,
    /// summed over broadcast dimensions.
    public static func `where`(_ condition: Tensor, _ a: Tensor, _ b: Tensor) -> Tensor {
        require(condition.dtype == .bool || condition.dtype == .uint8,
                     "where: condition must be bool, got \(condition.dtype)")
        require(a.dtype == b.dtype, "where: a and b must share a dtype, got \(a.dtype) and \(b.dtype)")
        let shape = Shape.broadcast(Shape.broadcast(condition.shape, a.shape, op: "where"), b.shape, op: "where")
        let out = select(condition, a, b, shape: shape)
        let c = condition.detached()
        let aShape = a.shape, bShape = b.shape
        let needA = a.requiresGrad, needB = b.requiresGrad
        return Tensor.record(out, op: "where", inputs: [a, b]) { g in
            let zero = Tensor.zeros([])
            return [needA ? select(c, g, zero, shape: g.shape).sumToShape(aShape) : nil,
                    needB ? select(c, zero, g, shape: g.shape).sumToShape(bShape) : nil]
        }
    }

    /// `Tensor.where(condition, a, value)`: `value` where the condition is false.
    public static func `where`(_ condition: Tensor, _ a: Tensor, _ value: Float) -> Tensor {
        Tensor.where(condition, a, withNoGrad { Tensor(value).to(a.dtype) })
    }

    /// `Tensor.where(condition, value, b)`: `value` where the condition is true.
    public static func `where`(_ condition: Tensor, _ value: Float, _ b: Tensor) -> Tensor {
        Tensor.where(condition, withNoGrad { Tensor(value).to(b.dtype) }, b)
    }

    /// The selection kernel: `out[i] = c[i] ? a[i] : b[i]` over broadcast operands (no autograd).
    private static func select(_ condition: Tensor, _ a: Tensor, _ b: Tensor, shape: [Int]) -> Tensor {
        let out = Tensor(uninitializedShape: shape, dtype: a.dtype)
        let loop = StridedLoop(shape: shape, strides: [
            out.strides,
            Shape.broadcastStrides(shape: condition.shape, strides: condition.strides, to: shape),
            Shape.broadcastStrides(shape: a.shape, strides: a.strides, to: shape),
            Shape.broadcastStrides(shape: b.shape, strides: b.strides, to: shape),
        ])
        let (os, cs, as_, bs) = loop.innerStrides
        let pc = condition.pointer(as: UInt8.self)
        func run<T>(_: T.Type) {
            let o = out.pointer(as: T.self), pa = a.pointer(as: T.self), pb = b.pointer(as: T.self)
            loop.forEachRow { offsets, n in
                let po = o + offsets[0], xc = pc + offsets[1], xa = pa + offsets[2], xb = pb + offsets[3]
                for i in 0..<n { po[i * os] = xc[i * cs] != 0 ? xa[i * as_] : xb[i * bs] }
            }
        }
        switch a.dtype.byteSize {
        case 8: run(Int64.self)
        case 4: run(UInt32.self)
        case 2: run(UInt16.self)
        default: run(UInt8.self)
        }
        return out
    }
}
