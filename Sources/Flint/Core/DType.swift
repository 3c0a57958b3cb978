/// The element type of a ``Tensor``.
///
/// `float32` is the compute type: every floating-point kernel runs in it. `float16` and `bfloat16`
/// are storage types (weights read from files); convert them with ``Tensor/to(_:)`` before use.
/// `int32` and `int64` hold indices and labels; `bool` holds comparison results (one byte, 0 or 1);
/// `uint8` holds raw pixels.
public enum DType: String, Sendable, CaseIterable, CustomStringConvertible {
    case float32, float16, bfloat16, int64, int32, uint8, bool

    /// Bytes one element occupies.
    public var byteSize: Int {
        switch self {
        case .float32, .int32: return 4
        case .float16, .bfloat16: return 2
        case .int64: return 8
        case .uint8, .bool: return 1
        }
    }

    /// Whether the type is a floating-point type.
    public var isFloatingPoint: Bool {
        switch self {
        case .float32, .float16, .bfloat16: return true
        default: return false
        }
    }

    public var description: String { rawValue }
}

/// Converts IEEE half precision bits to `Float`.
@inlinable
public func floatFromHalfBits(_ h: UInt16) -> Float {
    Float(Float16(bitPattern: h))
}

/// Converts bfloat16 bits (the top half of a float32) to `Float`.
@inlinable
public func floatFromBFloat16Bits(_ b: UInt16) -> Float {
    Float(bitPattern: UInt32(b) << 16)
}

/// Rounds a `Float` to bfloat16 bits, round-to-nearest-even (NaN stays NaN).
@inlinable
public func bfloat16Bits(from f: Float) -> UInt16 {
    let bits = f.bitPattern
    if f.isNaN { return UInt16(bits >> 16) | 0x0040 }
    let rounding = UInt32(0x7FFF) + ((bits >> 16) & 1)
    return UInt16((bits &+ rounding) >> 16)
}
