import Flint

/// Loads `lanes` (1…8) floats into a vector, zero-filling the rest.
@inline(__always)
func loadPartial(_ p: UnsafePointer<Float>, _ lanes: Int) -> SIMD8<Float> {
    if lanes == 8 { return loadVector(p) }
    var v = SIMD8<Float>()
    for i in 0..<lanes { v[i] = p[i] }
    return v
}

/// Stores the first `lanes` (1…8) floats of `v`.
@inline(__always)
func storePartial(_ v: SIMD8<Float>, _ p: UnsafeMutablePointer<Float>, _ lanes: Int) {
    if lanes == 8 {
        storeVector(v, p)
        return
    }
    for i in 0..<lanes { p[i] = v[i] }
}

/// Calls `body(offset, lanes)` over `0..<count` in steps of eight elements (the last step may be
/// shorter), split across Flint's threads when `count` is large enough to pay for it.
@inline(__always)
func forEachVectorChunk(_ count: Int, _ body: (_ offset: Int, _ lanes: Int) -> Void) {
    Parallel.forChunks(count, minimumChunk: 1 << 15) { range in
        var i = range.lowerBound
        while i < range.upperBound {
            let lanes = min(8, range.upperBound - i)
            body(i, lanes)
            i += lanes
        }
    }
}
