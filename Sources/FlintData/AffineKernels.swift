// SIMD kernels shared by the loaders and transforms: y = x · scale + bias.

@inline(__always)
private func load8(_ p: UnsafePointer<Float>) -> SIMD8<Float> {
    UnsafeRawPointer(p).loadUnaligned(as: SIMD8<Float>.self)
}

@inline(__always)
private func store8(_ v: SIMD8<Float>, _ p: UnsafeMutablePointer<Float>) {
    UnsafeMutableRawPointer(p).storeBytes(of: v, as: SIMD8<Float>.self)
}

/// `destination[i] = source[i] · scale + bias` for `i < count` (eight lanes at a time, fused).
func affineMap(_ source: UnsafePointer<Float>, _ destination: UnsafeMutablePointer<Float>,
               count: Int, scale: Float, bias: Float) {
    let vs = SIMD8<Float>(repeating: scale), vb = SIMD8<Float>(repeating: bias)
    var i = 0
    while i + 8 <= count {
        store8(vb.addingProduct(load8(source + i), vs), destination + i)
        i += 8
    }
    while i < count {
        destination[i] = bias.addingProduct(source[i], scale)
        i += 1
    }
}

/// `destination[i] = Float(source[i]) · scale + bias`: unsigned-byte pixels to floats.
func affineMap(_ source: UnsafePointer<UInt8>, _ destination: UnsafeMutablePointer<Float>,
               count: Int, scale: Float, bias: Float) {
    let vs = SIMD8<Float>(repeating: scale), vb = SIMD8<Float>(repeating: bias)
    var i = 0
    while i + 8 <= count {
        let bytes = UnsafeRawPointer(source + i).loadUnaligned(as: SIMD8<UInt8>.self)
        let floats = SIMD8<Float>(SIMD8<Int32>(truncatingIfNeeded: bytes))
        store8(vb.addingProduct(floats, vs), destination + i)
        i += 8
    }
    while i < count {
        destination[i] = bias.addingProduct(Float(source[i]), scale)
        i += 1
    }
}
