/// Quantization of activations to 8-bit blocks, the form the integer dot products take (as llama.cpp
/// quantizes the activations of a quantized matrix product: `quantize_row_q8_0`, `quantize_row_q8_1`).
///
/// For each block of 32 values, `d = max|x| / 127` and `q = round(x / d)` (half away from zero), so
/// `x ≈ d · q` with |q| ≤ 127. Q8_1 also stores `s = d · Σq`, which lets a dot product with a weight
/// block `w = dʷ · qʷ + m` (Q4_1, Q5_1) add the minimum's share `m · s` without touching the values.
public enum ActivationQuantization {
    /// Bytes of one Q8_0 activation block: `f16 d; i8 q[32]`.
    public static let q8_0BlockBytes = 34
    /// Bytes of one Q8_1 activation block: `f16 d; f16 s; i8 q[32]`.
    public static let q8_1BlockBytes = 36

    /// Writes `count / 32` Q8_0 blocks of `x` to `blocks`.
    public static func quantizeQ8_0(_ x: UnsafePointer<Float>, count: Int, into blocks: UnsafeMutableRawPointer) {
        for b in 0..<(count / 32) {
            let values = x + 32 * b
            let block = blocks + b * q8_0BlockBytes
            let (d, inverse) = scale(values)
            block.storeBytes(of: Float16(d).bitPattern, as: UInt16.self)
            let q = (block + 2).assumingMemoryBound(to: Int8.self)
            for i in 0..<32 { q[i] = Int8((values[i] * inverse).rounded(.toNearestOrAwayFromZero)) }
        }
    }

    /// Writes `count / 32` Q8_1 blocks of `x` to `blocks`.
    public static func quantizeQ8_1(_ x: UnsafePointer<Float>, count: Int, into blocks: UnsafeMutableRawPointer) {
        for b in 0..<(count / 32) {
            let values = x + 32 * b
            let block = blocks + b * q8_1BlockBytes
            let (d, inverse) = scale(values)
            let q = (block + 4).assumingMemoryBound(to: Int8.self)
            var sum = 0
            for i in 0..<32 {
                let v = Int8((values[i] * inverse).rounded(.toNearestOrAwayFromZero))
                q[i] = v
                sum += Int(v)
            }
            block.storeBytes(of: Float16(d).bitPattern, as: UInt16.self)
            block.storeBytes(of: Float16(d * Float(sum)).bitPattern, toByteOffset: 2, as: UInt16.self)
        }
    }

    /// `d = max|x| / 127` of a 32-value block and `1 / d` (0 for an all-zero block).
    @inline(__always)
    static func scale(_ values: UnsafePointer<Float>) -> (Float, Float) {
        var maximum = SIMD8<Float>(repeating: 0)
        for i in stride(from: 0, to: 32, by: 8) {
            let v = UnsafeRawPointer(values + i).loadUnaligned(as: SIMD8<Float>.self)
            maximum = pointwiseMax(maximum, pointwiseMax(v, -v))
        }
        let amax = maximum.max()
        let d = amax / 127
        return (d, d == 0 ? 0 : 1 / d)
    }
}
