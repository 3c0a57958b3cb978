#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

// Elementwise math (exp, log, sqrt, activations, clamp, pow) with fused SIMD kernels, each op's
// backward rule next to its forward. Backward kernels take (upstream gradient, saved tensor) and
// compute the chain-rule product in one pass.

/// Which formula ``Tensor/gelu(approximation:)`` uses, as `approximate=` in PyTorch.
public enum GELUApproximation: Sendable {
    /// The exact form x·Φ(x) = ½x(1 + erf(x/√2)).
    case none
    /// The tanh form ½x(1 + tanh(√(2/π)(x + 0.044715x³))).
    case tanh
}

// MARK: Forward operations

enum ExpOperation: UnaryFloatOperation {
    @inline(__always) static func apply(_ x: SIMD8<Float>) -> SIMD8<Float> { VectorMath.exp(x) }
    @inline(__always) static func apply(_ x: Float) -> Float { VectorMath.exp(x) }
}
enum LogOperation: UnaryFloatOperation {
    @inline(__always) static func apply(_ x: SIMD8<Float>) -> SIMD8<Float> { VectorMath.log(x) }
    @inline(__always) static func apply(_ x: Float) -> Float { VectorMath.log(x) }
}
enum SqrtOperation: UnaryFloatOperation {
    @inline(__always) static func apply(_ x: SIMD8<Float>) -> SIMD8<Float> { x.squareRoot() }
    @inline(__always) static func apply(_ x: Float) -> Float { x.squareRoot() }
}
enum RsqrtOperation: UnaryFloatOperation {
    @inline(__always) static func apply(_ x: SIMD8<Float>) -> SIMD8<Float> { 1 / x.squareRoot() }
    @inline(__always) static func apply(_ x: Float) -> Float { 1 / x.squareRoot() }
}
enum AbsOperation: UnaryFloatOperation {
    @inline(__always) static func apply(_ x: SIMD8<Float>) -> SIMD8<Float> {
        unsafeBitCast(unsafeBitCast(x, to: SIMD8<UInt32>.self) & 0x7FFF_FFFF, to: SIMD8<Float>.self)
    }
    @inline(__always) static func apply(_ x: Float) -> Float { x.magnitude }
}
enum TanhOperation: UnaryFloatOperation {
    @inline(__always) static func apply(_ x: SIMD8<Float>) -> SIMD8<Float> { VectorMath.tanh(x) }
    @inline(__always) static func apply(_ x: Float) -> Float { VectorMath.tanh(x) }
}
enum SigmoidOperation: UnaryFloatOperation {
    @inline(__always) static func apply(_ x: SIMD8<Float>) -> SIMD8<Float> { VectorMath.sigmoid(x) }
    @inline(__always) static func apply(_ x: Float) -> Float { VectorMath.sigmoid(x) }
}
/// max(x, 0); NaN stays NaN.
enum ReLUOperation: UnaryFloatOperation {
    @inline(__always) static func apply(_ x: SIMD8<Float>) -> SIMD8<Float> { x.replacing(with: 0, where: x .< 0) }
    @inline(__always) static func apply(_ x: Float) -> Float { x < 0 ? 0 : x }
}
/// x·σ(x).
enum SiLUOperation: UnaryFloatOperation {
    @inline(__always) static func apply(_ x: SIMD8<Float>) -> SIMD8<Float> { x * VectorMath.sigmoid(x) }
    @inline(__always) static func apply(_ x: Float) -> Float { apply(SIMD8<Float>(repeating: x))[0] }
}
enum SquareOperation: UnaryFloatOperation {
    @inline(__always) static func apply(_ x: SIMD8<Float>) -> SIMD8<Float> { x * x }
    @inline(__always) static func apply(_ x: Float) -> Float { x * x }
}
enum CubeOperation: UnaryFloatOperation {
    @inline(__always) static func apply(_ x: SIMD8<Float>) -> SIMD8<Float> { x * x * x }
    @inline(__always) static func apply(_ x: Float) -> Float { x * x * x }
}
enum ReciprocalOperation: UnaryFloatOperation {
    @inline(__always) static func apply(_ x: SIMD8<Float>) -> SIMD8<Float> { 1 / x }
    @inline(__always) static func apply(_ x: Float) -> Float { 1 / x }
}
enum ReciprocalSquareOperation: UnaryFloatOperation {
    @inline(__always) static func apply(_ x: SIMD8<Float>) -> SIMD8<Float> { 1 / (x * x) }
    @inline(__always) static func apply(_ x: Float) -> Float { 1 / (x * x) }
}

/// Exact GELU: x·Φ(x) = ½x·erfc(−x/√2). Using erfc keeps relative accuracy for negative x,
/// where 1 + erf(x/√2) would cancel.
enum GELUOperation: UnaryFloatOperation {
    @inline(__always) static func apply(_ x: SIMD8<Float>) -> SIMD8<Float> {
        (x * 0.5) * VectorMath.erfc(x * -0.707106781)
    }
    @inline(__always) static func apply(_ x: Float) -> Float { apply(SIMD8<Float>(repeating: x))[0] }
}

/// tanh-approximated GELU: ½x(1 + tanh u) = x·σ(2u), u = √(2/π)(x + 0.044715x³). The sigmoid
/// form is algebraically identical and avoids cancellation in 1 + tanh u for negative x.
enum GELUTanhOperation: UnaryFloatOperation {
    @inline(__always) static func twoU(_ x: SIMD8<Float>) -> SIMD8<Float> {
        // 2u = 2√(2/π)·x·(1 + 0.044715x²)
        (x * 1.59576912).addingProduct(x * x * x, SIMD8<Float>(repeating: 1.59576912 * 0.044715))
    }
    @inline(__always) static func apply(_ x: SIMD8<Float>) -> SIMD8<Float> { x * VectorMath.sigmoid(twoU(x)) }
    @inline(__always) static func apply(_ x: Float) -> Float { apply(SIMD8<Float>(repeating: x))[0] }
}

// MARK: Backward operations: apply(g, saved)

/// g·y·(1 − y), y = σ(x).
enum SigmoidBackwardOperation: BinaryFloatOperation {
    @inline(__always) static func apply(_ g: SIMD8<Float>, _ y: SIMD8<Float>) -> SIMD8<Float> { g * y * (1 - y) }
    @inline(__always) static func apply(_ g: Float, _ y: Float) -> Float { g * y * (1 - y) }
}
/// g·(1 − y²), y = tanh x.
enum TanhBackwardOperation: BinaryFloatOperation {
    @inline(__always) static func apply(_ g: SIMD8<Float>, _ y: SIMD8<Float>) -> SIMD8<Float> { g * (1 - y * y) }
    @inline(__always) static func apply(_ g: Float, _ y: Float) -> Float { g * (1 - y * y) }
}
/// g where x > 0, else 0 (the gradient at 0 is 0, as PyTorch).
enum ReLUBackwardOperation: BinaryFloatOperation {
    @inline(__always) static func apply(_ g: SIMD8<Float>, _ x: SIMD8<Float>) -> SIMD8<Float> {
        SIMD8<Float>().replacing(with: g, where: x .> 0)
    }
    @inline(__always) static func apply(_ g: Float, _ x: Float) -> Float { x > 0 ? g : 0 }
}
/// g·sign(x), sign(0) = 0.
enum AbsBackwardOperation: BinaryFloatOperation {
    @inline(__always) static func apply(_ g: SIMD8<Float>, _ x: SIMD8<Float>) -> SIMD8<Float> {
        SIMD8<Float>().replacing(with: g, where: x .> 0).replacing(with: -g, where: x .< 0)
    }
    @inline(__always) static func apply(_ g: Float, _ x: Float) -> Float { x > 0 ? g : (x < 0 ? -g : 0) }
}
/// g / (2y), y = √x.
enum SqrtBackwardOperation: BinaryFloatOperation {
    @inline(__always) static func apply(_ g: SIMD8<Float>, _ y: SIMD8<Float>) -> SIMD8<Float> { g / (y + y) }
    @inline(__always) static func apply(_ g: Float, _ y: Float) -> Float { g / (y + y) }
}
/// −½g·y³, y = 1/√x.
enum RsqrtBackwardOperation: BinaryFloatOperation {
    @inline(__always) static func apply(_ g: SIMD8<Float>, _ y: SIMD8<Float>) -> SIMD8<Float> { g * -0.5 * y * y * y }
    @inline(__always) static func apply(_ g: Float, _ y: Float) -> Float { g * -0.5 * y * y * y }
}
/// 2g·x.
enum SquareBackwardOperation: BinaryFloatOperation {
    @inline(__always) static func apply(_ g: SIMD8<Float>, _ x: SIMD8<Float>) -> SIMD8<Float> { (g + g) * x }
    @inline(__always) static func apply(_ g: Float, _ x: Float) -> Float { (g + g) * x }
}
/// g·σ(x)·(1 + x(1 − σ(x))).
enum SiLUBackwardOperation: BinaryFloatOperation {
    @inline(__always) static func apply(_ g: SIMD8<Float>, _ x: SIMD8<Float>) -> SIMD8<Float> {
        let s = VectorMath.sigmoid(x)
        return g * s * (x.addingProduct(x, -s) + 1)
    }
    @inline(__always) static func apply(_ g: Float, _ x: Float) -> Float {
        apply(SIMD8<Float>(repeating: g), SIMD8<Float>(repeating: x))[0]
    }
}
/// g·(Φ(x) + x·φ(x)), Φ(x) = ½erfc(−x/√2), φ(x) = e^{−x²/2}/√(2π).
enum GELUBackwardOperation: BinaryFloatOperation {
    @inline(__always) static func apply(_ g: SIMD8<Float>, _ x: SIMD8<Float>) -> SIMD8<Float> {
        let cdf = VectorMath.erfc(x * -0.707106781) * 0.5
        let pdf = VectorMath.exp(x * x * -0.5) * 0.398942280
        return g * cdf.addingProduct(x, pdf)
    }
    @inline(__always) static func apply(_ g: Float, _ x: Float) -> Float {
        apply(SIMD8<Float>(repeating: g), SIMD8<Float>(repeating: x))[0]
    }
}
/// g·(s + 2x·s(1 − s)·√(2/π)(1 + 3·0.044715x²)), s = σ(2u): the derivative of x·σ(2u).
enum GELUTanhBackwardOperation: BinaryFloatOperation {
    @inline(__always) static func apply(_ g: SIMD8<Float>, _ x: SIMD8<Float>) -> SIMD8<Float> {
        let s = VectorMath.sigmoid(GELUTanhOperation.twoU(x))
        // d(2u)/dx = 2√(2/π)(1 + 3·0.044715x²)
        let dTwoU = SIMD8<Float>(repeating: 1.59576912).addingProduct(x * x, SIMD8<Float>(repeating: 1.59576912 * 3 * 0.044715))
        return g * s.addingProduct(x * s * (1 - s), dTwoU)
    }
    @inline(__always) static func apply(_ g: Float, _ x: Float) -> Float {
        apply(SIMD8<Float>(repeating: g), SIMD8<Float>(repeating: x))[0]
    }
}

// MARK: Parameterised kernels (clamp bounds, exponents)

/// A float32 unary operation that carries parameters; kernels are specialised per type.
/// A float32 binary operation that carries parameters.
protocol ParameterizedBinaryOperation {
    func apply(_ a: SIMD8<Float>, _ b: SIMD8<Float>) -> SIMD8<Float>
    func apply(_ a: Float, _ b: Float) -> Float
}

/// Applies `op` elementwise to a float32 tensor (any strides); returns a new contiguous tensor.
func parameterizedUnaryMap<Op: ParameterizedUnaryOperation>(_ x: Tensor, _ op: Op, name: String) -> Tensor {
    require(x.dtype == .float32, "\(name): expects a float32 tensor, got \(x.dtype)")
    let out = Tensor(uninitializedShape: x.shape, dtype: .float32)
    unaryMap(x, into: out, op)
    return out
}

/// Applies `op` to two float32 tensors of the same shape (any strides); returns a new contiguous
/// tensor.
func parameterizedBinaryMap<Op: ParameterizedBinaryOperation>(_ a: Tensor, _ b: Tensor, _ op: Op, name: String) -> Tensor {
    require(a.dtype == .float32 && b.dtype == .float32, "\(name): expects float32 tensors, got \(a.dtype) and \(b.dtype)")
    require(a.shape == b.shape, "\(name): shapes \(a.shape) and \(b.shape) differ")
    let out = Tensor(uninitializedShape: a.shape, dtype: .float32)
    let loop = StridedLoop(shape: a.shape, strides: [out.strides, a.strides, b.strides])
    let (os, as_, bs, _) = loop.innerStrides
    let o = out.pointer(as: Float.self), pa = a.pointer(as: Float.self), pb = b.pointer(as: Float.self)
    loop.forEachRow(parallelThreshold: 1 << 15) { offsets, n in
        let po = o + offsets[0], xa = UnsafePointer(pa + offsets[1]), xb = UnsafePointer(pb + offsets[2])
        var i = 0
        if os == 1 && as_ == 1 && bs == 1 {
            while i + 8 <= n {
                storeVector(op.apply(loadVector(xa + i), loadVector(xb + i)), po + i)
                i += 8
            }
            while i < n { po[i] = op.apply(xa[i], xb[i]); i += 1 }
        } else {
            while i < n { po[i * os] = op.apply(xa[i * as_], xb[i * bs]); i += 1 }
        }
    }
    return out
}

/// min(max(x, lower), upper); NaN stays NaN; a lower bound above the upper one gives the upper
/// bound everywhere (as `torch.clamp`).
struct ClampOperation: ParameterizedUnaryOperation {
    let lower: Float, upper: Float
    @inline(__always) func apply(_ x: SIMD8<Float>) -> SIMD8<Float> {
        let l = SIMD8<Float>(repeating: lower), u = SIMD8<Float>(repeating: upper)
        let low = x.replacing(with: l, where: x .< l)
        return low.replacing(with: u, where: low .> u)
    }
    @inline(__always) func apply(_ x: Float) -> Float {
        let low = x < lower ? lower : x
        return low > upper ? upper : low
    }
}

/// g where lower ≤ x ≤ upper, else 0.
struct ClampBackwardOperation: ParameterizedBinaryOperation {
    let lower: Float, upper: Float
    @inline(__always) func apply(_ g: SIMD8<Float>, _ x: SIMD8<Float>) -> SIMD8<Float> {
        let inside = (x .>= SIMD8<Float>(repeating: lower)) .& (x .<= SIMD8<Float>(repeating: upper))
        return SIMD8<Float>().replacing(with: g, where: inside)
    }
    @inline(__always) func apply(_ g: Float, _ x: Float) -> Float { x >= lower && x <= upper ? g : 0 }
}

/// aᵇ lane by lane with the C library's correctly rounded `powf` (a power with a general exponent
/// is rare in hot loops; the common exponents have their own exact kernels).
enum PowOperation: BinaryFloatOperation {
    @inline(__always) static func apply(_ a: SIMD8<Float>, _ b: SIMD8<Float>) -> SIMD8<Float> {
        var out = SIMD8<Float>()
        for i in 0..<8 { out[i] = powf(a[i], b[i]) }
        return out
    }
    @inline(__always) static func apply(_ a: Float, _ b: Float) -> Float { powf(a, b) }
}

// MARK: Tensor API

extension Tensor {
    /// eˣ elementwise. Backward: g·eˣ.
    public func exp() -> Tensor {
        let out = unaryMap(self, ExpOperation.self, name: "exp")
        let y = out.detached()
        return Tensor.record(out, op: "exp", inputs: [self]) { g in [g.multiplying(y)] }
    }

    /// The natural logarithm elementwise (−∞ at 0, NaN below). Backward: g / x.
    public func log() -> Tensor {
        let out = unaryMap(self, LogOperation.self, name: "log")
        let x = detached()
        return Tensor.record(out, op: "log", inputs: [self]) { g in [g.dividing(x)] }
    }

    /// √x elementwise. Backward: g / (2√x).
    public func sqrt() -> Tensor {
        let out = unaryMap(self, SqrtOperation.self, name: "sqrt")
        let y = out.detached()
        return Tensor.record(out, op: "sqrt", inputs: [self]) { g in
            [binaryMap(g, y, SqrtBackwardOperation.self, name: "sqrt_backward")]
        }
    }

    /// 1/√x elementwise (exact division, not the hardware estimate). Backward: −½g·x^(−3/2).
    public func rsqrt() -> Tensor {
        let out = unaryMap(self, RsqrtOperation.self, name: "rsqrt")
        let y = out.detached()
        return Tensor.record(out, op: "rsqrt", inputs: [self]) { g in
            [binaryMap(g, y, RsqrtBackwardOperation.self, name: "rsqrt_backward")]
        }
    }

    /// xᵖ elementwise for a scalar exponent, as `torch.pow(x, p)`: a negative base gives a real
    /// result for an integral p and NaN otherwise; x⁰ = 1 everywhere. Exponents 0, ±1, 2, 3, ±½
    /// and −2 use exact dedicated kernels; others use the C library's `powf`.
    /// Backward: g·p·x^(p−1) (zero for p = 0).
    public func pow(_ exponent: Float) -> Tensor {
        require(dtype == .float32, "pow: expects a float32 tensor, got \(dtype)")
        let out: Tensor
        switch exponent {
        case 0: out = Tensor.ones(shape)
        case 1: out = withNoGrad { clone() }
        case 2: out = unaryMap(self, SquareOperation.self, name: "pow")
        case 3: out = unaryMap(self, CubeOperation.self, name: "pow")
        case 0.5: out = unaryMap(self, SqrtOperation.self, name: "pow")
        case -0.5: out = unaryMap(self, RsqrtOperation.self, name: "pow")
        case -1: out = unaryMap(self, ReciprocalOperation.self, name: "pow")
        case -2: out = unaryMap(self, ReciprocalSquareOperation.self, name: "pow")
        default: out = binaryMap(self, Tensor(exponent), PowOperation.self, name: "pow")
        }
        let x = detached()
        return Tensor.record(out, op: "pow", inputs: [self]) { g in
            if exponent == 0 { return [Tensor.zeros(x.shape)] }
            if exponent == 1 { return [g] }
            if exponent == 2 { return [binaryMap(g, x, SquareBackwardOperation.self, name: "pow_backward")] }
            return [g.multiplying(x.pow(exponent - 1).multiplying(Tensor(exponent)))]
        }
    }

    /// selfᵉˣᵖᵒⁿᵉⁿᵗ elementwise with broadcasting (C library `powf` per element).
    ///
    /// Backward, as PyTorch: to the base g·b·a^(b−1) (zero where b = 0); to the exponent
    /// g·aᵇ·log a, set to zero where a = 0 and b ≥ 0 (where the limit is 0 rather than NaN).
    public func pow(_ exponent: Tensor) -> Tensor {
        let out = binaryMap(self, exponent, PowOperation.self, name: "pow")
        let a = detached(), b = exponent.detached(), y = out.detached()
        return Tensor.record(out, op: "pow", inputs: [self, exponent]) { g in
            var gradients: [Tensor?] = [nil, nil]
            if self.requiresGrad {
                let bMinusOne = b.subtracting(Tensor(1))
                let derivative = b.multiplying(binaryMap(a, bMinusOne, PowOperation.self, name: "pow_backward"))
                let masked = Tensor.where(b.equal(0), Tensor(0), derivative)
                gradients[0] = g.multiplying(masked).sumToShape(a.shape)
            }
            if exponent.requiresGrad {
                let derivative = y.multiplying(a.log())
                let zeroLimit = a.equal(0).logicalAnd(b.greaterEqual(0))
                let masked = Tensor.where(zeroLimit, Tensor(0), derivative)
                gradients[1] = g.multiplying(masked).sumToShape(b.shape)
            }
            return gradients
        }
    }

    /// |x| elementwise. Backward: g·sign(x), with sign(0) = 0.
    public func abs() -> Tensor {
        let out = unaryMap(self, AbsOperation.self, name: "abs")
        let x = detached()
        return Tensor.record(out, op: "abs", inputs: [self]) { g in
            [binaryMap(g, x, AbsBackwardOperation.self, name: "abs_backward")]
        }
    }

    /// tanh x elementwise. Backward: g·(1 − tanh²x).
    public func tanh() -> Tensor {
        let out = unaryMap(self, TanhOperation.self, name: "tanh")
        let y = out.detached()
        return Tensor.record(out, op: "tanh", inputs: [self]) { g in
            [binaryMap(g, y, TanhBackwardOperation.self, name: "tanh_backward")]
        }
    }

    /// The logistic sigmoid σ(x) = 1 / (1 + e^{−x}) elementwise. Backward: g·σ(x)(1 − σ(x)).
    public func sigmoid() -> Tensor {
        let out = unaryMap(self, SigmoidOperation.self, name: "sigmoid")
        let y = out.detached()
        return Tensor.record(out, op: "sigmoid", inputs: [self]) { g in
            [binaryMap(g, y, SigmoidBackwardOperation.self, name: "sigmoid_backward")]
        }
    }

    /// max(x, 0) elementwise (NaN stays NaN). Backward: g where x > 0, else 0 (0 at x = 0, as
    /// PyTorch).
    public func relu() -> Tensor {
        let out = unaryMap(self, ReLUOperation.self, name: "relu")
        let x = detached()
        return Tensor.record(out, op: "relu", inputs: [self]) { g in
            [binaryMap(g, x, ReLUBackwardOperation.self, name: "relu_backward")]
        }
    }

    /// The Gaussian error linear unit x·Φ(x), Φ the standard normal CDF, as
    /// `torch.nn.functional.gelu`.
    ///
    /// - `.none`: ½x(1 + erf(x/√2)); backward g·(Φ(x) + x·φ(x)), φ the normal density.
    /// - `.tanh`: ½x(1 + tanh u), u = √(2/π)(x + 0.044715x³); backward its exact derivative.
    public func gelu(approximation: GELUApproximation = .none) -> Tensor {
        let x = detached()
        switch approximation {
        case .none:
            let out = unaryMap(self, GELUOperation.self, name: "gelu")
            return Tensor.record(out, op: "gelu", inputs: [self]) { g in
                [binaryMap(g, x, GELUBackwardOperation.self, name: "gelu_backward")]
            }
        case .tanh:
            let out = unaryMap(self, GELUTanhOperation.self, name: "gelu")
            return Tensor.record(out, op: "gelu(tanh)", inputs: [self]) { g in
                [binaryMap(g, x, GELUTanhBackwardOperation.self, name: "gelu_backward")]
            }
        }
    }

    /// SiLU (swish) x·σ(x) elementwise. Backward: g·σ(x)(1 + x(1 − σ(x))).
    public func silu() -> Tensor {
        let out = unaryMap(self, SiLUOperation.self, name: "silu")
        let x = detached()
        return Tensor.record(out, op: "silu", inputs: [self]) { g in
            [binaryMap(g, x, SiLUBackwardOperation.self, name: "silu_backward")]
        }
    }

    /// Clamps every element into [min, max] (either bound may be omitted, not both), as
    /// `torch.clamp`; NaN stays NaN. Backward: g where min ≤ x ≤ max, else 0.
    public func clamp(min lower: Float? = nil, max upper: Float? = nil) -> Tensor {
        require(lower != nil || upper != nil, "clamp: at least one of min and max must be given")
        let l = lower ?? -Float.infinity, u = upper ?? Float.infinity
        let out = parameterizedUnaryMap(self, ClampOperation(lower: l, upper: u), name: "clamp")
        let x = detached()
        return Tensor.record(out, op: "clamp", inputs: [self]) { g in
            [parameterizedBinaryMap(g, x, ClampBackwardOperation(lower: l, upper: u), name: "clamp_backward")]
        }
    }

    /// x² elementwise. Backward: 2g·x.
    public func square() -> Tensor {
        let out = unaryMap(self, SquareOperation.self, name: "square")
        let x = detached()
        return Tensor.record(out, op: "square", inputs: [self]) { g in
            [binaryMap(g, x, SquareBackwardOperation.self, name: "square_backward")]
        }
    }
}

// MARK: Free-function forwarders

// Tensor's members `exp()`, `log()`, `sqrt()`, `tanh()`, `abs()` and `pow(_:)` hide the free
// functions of the same names inside `extension Tensor` (Swift looks members up first and reports
// "use of 'sqrt' refers to instance method rather than global function"). These forwarders keep
// unqualified calls such as `sqrt(Float(n))` or `abs(a - b)` working there, in every module.
extension Tensor {
    /// Forwards to the C library's `expf`, for unqualified use inside `extension Tensor`.
    @inlinable public func exp(_ x: Float) -> Float { cLibraryExp(x) }
    /// Forwards to the C library's `exp`, for unqualified use inside `extension Tensor`.
    @inlinable public func exp(_ x: Double) -> Double { cLibraryExp(x) }
    /// Forwards to the C library's `logf`, for unqualified use inside `extension Tensor`.
    @inlinable public func log(_ x: Float) -> Float { cLibraryLog(x) }
    /// Forwards to the C library's `log`, for unqualified use inside `extension Tensor`.
    @inlinable public func log(_ x: Double) -> Double { cLibraryLog(x) }
    /// Forwards to `squareRoot()`, for unqualified use inside `extension Tensor`.
    @inlinable public func sqrt<T: FloatingPoint>(_ x: T) -> T { x.squareRoot() }
    /// Forwards to the C library's `tanhf`, for unqualified use inside `extension Tensor`.
    @inlinable public func tanh(_ x: Float) -> Float { cLibraryTanh(x) }
    /// Forwards to the C library's `tanh`, for unqualified use inside `extension Tensor`.
    @inlinable public func tanh(_ x: Double) -> Double { cLibraryTanh(x) }
    /// Forwards to `Swift.abs`, for unqualified use inside `extension Tensor`.
    @inlinable public func abs<T: Comparable & SignedNumeric>(_ x: T) -> T { Swift.abs(x) }
    /// Forwards to the C library's `powf`, for unqualified use inside `extension Tensor`.
    @inlinable public func pow(_ x: Float, _ y: Float) -> Float { cLibraryPow(x, y) }
    /// Forwards to the C library's `pow`, for unqualified use inside `extension Tensor`.
    @inlinable public func pow(_ x: Double, _ y: Double) -> Double { cLibraryPow(x, y) }

    /// Forwards to the C library's `expf`, for unqualified use in static members of `Tensor`.
    @inlinable public static func exp(_ x: Float) -> Float { cLibraryExp(x) }
    /// Forwards to the C library's `exp`, for unqualified use in static members of `Tensor`.
    @inlinable public static func exp(_ x: Double) -> Double { cLibraryExp(x) }
    /// Forwards to the C library's `logf`, for unqualified use in static members of `Tensor`.
    @inlinable public static func log(_ x: Float) -> Float { cLibraryLog(x) }
    /// Forwards to the C library's `log`, for unqualified use in static members of `Tensor`.
    @inlinable public static func log(_ x: Double) -> Double { cLibraryLog(x) }
    /// Forwards to `squareRoot()`, for unqualified use in static members of `Tensor`.
    @inlinable public static func sqrt<T: FloatingPoint>(_ x: T) -> T { x.squareRoot() }
    /// Forwards to the C library's `tanhf`, for unqualified use in static members of `Tensor`.
    @inlinable public static func tanh(_ x: Float) -> Float { cLibraryTanh(x) }
    /// Forwards to the C library's `tanh`, for unqualified use in static members of `Tensor`.
    @inlinable public static func tanh(_ x: Double) -> Double { cLibraryTanh(x) }
    /// Forwards to `Swift.abs`, for unqualified use in static members of `Tensor`.
    @inlinable public static func abs<T: Comparable & SignedNumeric>(_ x: T) -> T { Swift.abs(x) }
    /// Forwards to the C library's `powf`, for unqualified use in static members of `Tensor`.
    @inlinable public static func pow(_ x: Float, _ y: Float) -> Float { cLibraryPow(x, y) }
    /// Forwards to the C library's `pow`, for unqualified use in static members of `Tensor`.
    @inlinable public static func pow(_ x: Double, _ y: Double) -> Double { cLibraryPow(x, y) }
}

// File-scope wrappers: at file scope the C functions are not hidden by Tensor's members.
@usableFromInline func cLibraryExp(_ x: Float) -> Float { expf(x) }
@usableFromInline func cLibraryExp(_ x: Double) -> Double { exp(x) }
@usableFromInline func cLibraryLog(_ x: Float) -> Float { logf(x) }
@usableFromInline func cLibraryLog(_ x: Double) -> Double { log(x) }
@usableFromInline func cLibraryTanh(_ x: Float) -> Float { tanhf(x) }
@usableFromInline func cLibraryTanh(_ x: Double) -> Double { tanh(x) }
@usableFromInline func cLibraryPow(_ x: Float, _ y: Float) -> Float { powf(x, y) }
@usableFromInline func cLibraryPow(_ x: Double, _ y: Double) -> Double { pow(x, y) }
