/// A float32 binary operation with a SIMD and a scalar form; kernels are specialised per op.
public protocol BinaryFloatOperation {
    static func apply(_ a: SIMD8<Float>, _ b: SIMD8<Float>) -> SIMD8<Float>
    static func apply(_ a: Float, _ b: Float) -> Float
}

/// A float32 unary operation with a SIMD and a scalar form.
public protocol UnaryFloatOperation {
    static func apply(_ x: SIMD8<Float>) -> SIMD8<Float>
    static func apply(_ x: Float) -> Float
}

/// Loads eight floats from a possibly unaligned address (kernels of every Flint module use it).
@inlinable
@inline(__always)
public func loadVector(_ p: UnsafePointer<Float>) -> SIMD8<Float> {
    UnsafeRawPointer(p).loadUnaligned(as: SIMD8<Float>.self)
}

/// Stores eight floats to a possibly unaligned address.
@inlinable
@inline(__always)
public func storeVector(_ v: SIMD8<Float>, _ p: UnsafeMutablePointer<Float>) {
    UnsafeMutableRawPointer(p).storeBytes(of: v, as: SIMD8<Float>.self)
}

/// Applies `Op` to two float32 tensors with NumPy broadcasting; returns a new contiguous tensor.
func binaryMap<Op: BinaryFloatOperation>(_ a: Tensor, _ b: Tensor, _ op: Op.Type, name: String) -> Tensor {
    require(a.dtype == .float32 && b.dtype == .float32, "\(name): expects float32 tensors, got \(a.dtype) and \(b.dtype)")
    let shape = a.shape == b.shape ? a.shape : Shape.broadcast(a.shape, b.shape, op: name)
    let out = Tensor(uninitializedShape: shape, dtype: .float32)
    binaryMap(a, b, into: out, op)
    return out
}

/// Applies `Op` to `a` and `b` (broadcast to `out.shape`) and writes into `out`.
func binaryMap<Op: BinaryFloatOperation>(_ a: Tensor, _ b: Tensor, into out: Tensor, _: Op.Type) {
    let shape = out.shape
    let aStrides = a.shape == shape ? a.strides : Shape.broadcastStrides(shape: a.shape, strides: a.strides, to: shape)
    let bStrides = b.shape == shape ? b.strides : Shape.broadcastStrides(shape: b.shape, strides: b.strides, to: shape)
    let loop = StridedLoop(shape: shape, strides: [out.strides, aStrides, bStrides])
    let (os, as_, bs, _) = loop.innerStrides
    let o = out.pointer(as: Float.self), pa = a.pointer(as: Float.self), pb = b.pointer(as: Float.self)
    loop.forEachRow { offsets, n in
        let po = o + offsets[0], xa = UnsafePointer(pa + offsets[1]), xb = UnsafePointer(pb + offsets[2])
        var i = 0
        if os == 1 && as_ == 1 && bs == 1 {
            while i + 8 <= n {
                storeVector(Op.apply(loadVector(xa + i), loadVector(xb + i)), po + i)
                i += 8
            }
            while i < n { po[i] = Op.apply(xa[i], xb[i]); i += 1 }
        } else if os == 1 && as_ == 1 && bs == 0 {
            let vb = SIMD8<Float>(repeating: xb[0])
            while i + 8 <= n {
                storeVector(Op.apply(loadVector(xa + i), vb), po + i)
                i += 8
            }
            while i < n { po[i] = Op.apply(xa[i], xb[0]); i += 1 }
        } else if os == 1 && as_ == 0 && bs == 1 {
            let va = SIMD8<Float>(repeating: xa[0])
            while i + 8 <= n {
                storeVector(Op.apply(va, loadVector(xb + i)), po + i)
                i += 8
            }
            while i < n { po[i] = Op.apply(xa[0], xb[i]); i += 1 }
        } else {
            while i < n { po[i * os] = Op.apply(xa[i * as_], xb[i * bs]); i += 1 }
        }
    }
}

/// Applies `Op` elementwise to a float32 tensor; returns a new contiguous tensor.
func unaryMap<Op: UnaryFloatOperation>(_ x: Tensor, _ op: Op.Type, name: String) -> Tensor {
    require(x.dtype == .float32, "\(name): expects a float32 tensor, got \(x.dtype)")
    let out = Tensor(uninitializedShape: x.shape, dtype: .float32)
    unaryMap(x, into: out, op)
    return out
}

/// Applies `Op` to `x` and writes into `out` (same shape; `out` may be `x` for in-place use).
func unaryMap<Op: UnaryFloatOperation>(_ x: Tensor, into out: Tensor, _: Op.Type) {
    unaryMap(x, into: out, StaticUnaryOperation<Op>())
}

/// A float32 unary operation that carries parameters (an exponent, clamp bounds, …).
protocol ParameterizedUnaryOperation {
    func apply(_ x: SIMD8<Float>) -> SIMD8<Float>
    func apply(_ x: Float) -> Float
}

/// Adapts a static ``UnaryFloatOperation`` to the instance form (zero-sized; inlined away).
struct StaticUnaryOperation<Op: UnaryFloatOperation>: ParameterizedUnaryOperation {
    @inline(__always) func apply(_ x: SIMD8<Float>) -> SIMD8<Float> { Op.apply(x) }
    @inline(__always) func apply(_ x: Float) -> Float { Op.apply(x) }
}

/// Applies `op` to `x` (any strides) and writes into `out` (same shape; may be `x`).
func unaryMap<Op: ParameterizedUnaryOperation>(_ x: Tensor, into out: Tensor, _ op: Op) {
    let loop = StridedLoop(shape: x.shape, strides: [out.strides, x.strides])
    let (os, xs, _, _) = loop.innerStrides
    let o = out.pointer(as: Float.self), px = x.pointer(as: Float.self)
    loop.forEachRow(parallelThreshold: 1 << 15) { offsets, n in
        let po = o + offsets[0], xi = UnsafePointer(px + offsets[1])
        var i = 0
        if os == 1 && xs == 1 {
            while i + 8 <= n {
                storeVector(op.apply(loadVector(xi + i)), po + i)
                i += 8
            }
            while i < n { po[i] = op.apply(xi[i]); i += 1 }
        } else {
            while i < n { po[i * os] = op.apply(xi[i * xs]); i += 1 }
        }
    }
}
