// Elementwise arithmetic with broadcasting: forward kernels and their backward rules side by side.
//
// For z = f(x, y) broadcast to shape S, dL/dx = sumToShape(dL/dz · ∂f/∂x, x.shape).

enum AddOperation: BinaryFloatOperation {
    @inline(__always) static func apply(_ a: SIMD8<Float>, _ b: SIMD8<Float>) -> SIMD8<Float> { a + b }
    @inline(__always) static func apply(_ a: Float, _ b: Float) -> Float { a + b }
}
enum SubtractOperation: BinaryFloatOperation {
    @inline(__always) static func apply(_ a: SIMD8<Float>, _ b: SIMD8<Float>) -> SIMD8<Float> { a - b }
    @inline(__always) static func apply(_ a: Float, _ b: Float) -> Float { a - b }
}
enum MultiplyOperation: BinaryFloatOperation {
    @inline(__always) static func apply(_ a: SIMD8<Float>, _ b: SIMD8<Float>) -> SIMD8<Float> { a * b }
    @inline(__always) static func apply(_ a: Float, _ b: Float) -> Float { a * b }
}
enum DivideOperation: BinaryFloatOperation {
    @inline(__always) static func apply(_ a: SIMD8<Float>, _ b: SIMD8<Float>) -> SIMD8<Float> { a / b }
    @inline(__always) static func apply(_ a: Float, _ b: Float) -> Float { a / b }
}
enum MaximumOperation: BinaryFloatOperation {
    @inline(__always) static func apply(_ a: SIMD8<Float>, _ b: SIMD8<Float>) -> SIMD8<Float> { a.replacing(with: b, where: b .> a) }
    @inline(__always) static func apply(_ a: Float, _ b: Float) -> Float { b > a ? b : a }
}
enum MinimumOperation: BinaryFloatOperation {
    @inline(__always) static func apply(_ a: SIMD8<Float>, _ b: SIMD8<Float>) -> SIMD8<Float> { a.replacing(with: b, where: b .< a) }
    @inline(__always) static func apply(_ a: Float, _ b: Float) -> Float { b < a ? b : a }
}

extension Tensor {
    /// Reduces a broadcast gradient back to `shape` by summing over the broadcast dimensions.
    public func sumToShape(_ target: [Int]) -> Tensor {
        if shape == target { return self }
        let lead = rank - target.count
        require(lead >= 0, "sumToShape: cannot reduce \(shape) to \(target)")
        var axes: [Int] = Array(0..<lead)
        for i in 0..<target.count where target[i] == 1 && shape[lead + i] != 1 {
            axes.append(lead + i)
        }
        let reduced = axes.isEmpty ? self : sum(axes: axes, keepDims: true)
        return reduced.reshaped(target)
    }

    /// `self + other`, broadcasting.
    public func adding(_ other: Tensor) -> Tensor {
        let out = binaryMap(self, other, AddOperation.self, name: "add")
        return Tensor.record(out, op: "add", inputs: [self, other]) { [shape, other] g in
            [g.sumToShape(shape), g.sumToShape(other.shape)]
        }
    }

    /// `self - other`, broadcasting.
    public func subtracting(_ other: Tensor) -> Tensor {
        let out = binaryMap(self, other, SubtractOperation.self, name: "sub")
        return Tensor.record(out, op: "sub", inputs: [self, other]) { [shape, other] g in
            [g.sumToShape(shape), g.negated().sumToShape(other.shape)]
        }
    }

    /// `self * other` elementwise, broadcasting.
    public func multiplying(_ other: Tensor) -> Tensor {
        let out = binaryMap(self, other, MultiplyOperation.self, name: "mul")
        let a = detached(), b = other.detached()
        return Tensor.record(out, op: "mul", inputs: [self, other]) { g in
            [g.multiplying(b).sumToShape(a.shape), g.multiplying(a).sumToShape(b.shape)]
        }
    }

    /// `self / other` elementwise, broadcasting.
    public func dividing(_ other: Tensor) -> Tensor {
        let out = binaryMap(self, other, DivideOperation.self, name: "div")
        let a = detached(), b = other.detached()
        return Tensor.record(out, op: "div", inputs: [self, other]) { g in
            let ga = g.dividing(b)
            // d(a/b)/db = -a / b²
            let gb = ga.multiplying(a).dividing(b).negated()
            return [ga.sumToShape(a.shape), gb.sumToShape(b.shape)]
        }
    }

    /// The elementwise larger of `self` and `other` (ties send the gradient to `self`).
    public func maximum(_ other: Tensor) -> Tensor {
        let out = binaryMap(self, other, MaximumOperation.self, name: "maximum")
        let a = detached(), b = other.detached()
        return Tensor.record(out, op: "maximum", inputs: [self, other]) { g in
            let mask = binaryMap(a, b, GreaterEqualMaskOperation.self, name: "maximum")
            let ga = g.multiplying(mask)
            return [ga.sumToShape(a.shape), g.subtracting(ga).sumToShape(b.shape)]
        }
    }

    /// The elementwise smaller of `self` and `other` (ties send the gradient to `self`).
    public func minimum(_ other: Tensor) -> Tensor {
        let out = binaryMap(self, other, MinimumOperation.self, name: "minimum")
        let a = detached(), b = other.detached()
        return Tensor.record(out, op: "minimum", inputs: [self, other]) { g in
            let mask = binaryMap(b, a, GreaterEqualMaskOperation.self, name: "minimum")
            let ga = g.multiplying(mask)
            return [ga.sumToShape(a.shape), g.subtracting(ga).sumToShape(b.shape)]
        }
    }

    /// `-self`.
    public func negated() -> Tensor {
        let out = unaryMap(self, NegateOperation.self, name: "neg")
        return Tensor.record(out, op: "neg", inputs: [self]) { g in [g.negated()] }
    }

    /// A float32 scalar tensor, for mixing tensors and numbers.
    static func scalar(_ value: Float) -> Tensor { Tensor(value) }
}

/// 1 where a ≥ b else 0 (float mask used by max/min backward).
enum GreaterEqualMaskOperation: BinaryFloatOperation {
    @inline(__always) static func apply(_ a: SIMD8<Float>, _ b: SIMD8<Float>) -> SIMD8<Float> {
        SIMD8<Float>(repeating: 0).replacing(with: 1, where: a .>= b)
    }
    @inline(__always) static func apply(_ a: Float, _ b: Float) -> Float { a >= b ? 1 : 0 }
}

enum NegateOperation: UnaryFloatOperation {
    @inline(__always) static func apply(_ x: SIMD8<Float>) -> SIMD8<Float> { -x }
    @inline(__always) static func apply(_ x: Float) -> Float { -x }
}

// MARK: Operators

public func + (a: Tensor, b: Tensor) -> Tensor { a.adding(b) }
public func - (a: Tensor, b: Tensor) -> Tensor { a.subtracting(b) }
public func * (a: Tensor, b: Tensor) -> Tensor { a.multiplying(b) }
public func / (a: Tensor, b: Tensor) -> Tensor { a.dividing(b) }
public prefix func - (a: Tensor) -> Tensor { a.negated() }

public func + (a: Tensor, b: Float) -> Tensor { a.adding(.scalar(b)) }
public func - (a: Tensor, b: Float) -> Tensor { a.subtracting(.scalar(b)) }
public func * (a: Tensor, b: Float) -> Tensor { a.multiplying(.scalar(b)) }
public func / (a: Tensor, b: Float) -> Tensor { a.dividing(.scalar(b)) }
public func + (a: Float, b: Tensor) -> Tensor { Tensor.scalar(a).adding(b) }
public func - (a: Float, b: Tensor) -> Tensor { Tensor.scalar(a).subtracting(b) }
public func * (a: Float, b: Tensor) -> Tensor { Tensor.scalar(a).multiplying(b) }
public func / (a: Float, b: Tensor) -> Tensor { Tensor.scalar(a).dividing(b) }
