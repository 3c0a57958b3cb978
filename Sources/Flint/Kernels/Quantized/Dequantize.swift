/// Dequantization: ggml blocks to float32 values.
///
/// Each function reads whole blocks and writes `blockSize` floats per block, in the order ggml's
/// `dequantize_row_*` and gguf-py's numpy dequantizers produce them. The arithmetic is the same as
/// gguf-py's, operation for operation, in float32 (no fused multiply-add): the outputs are bit-identical
/// to `gguf.quants.dequantize` (checked against fixtures of random blocks of every type).
extension GGMLType {
    /// Writes the `count` values stored at `source` (`count / blockSize` blocks of this type) to
    /// `destination` as float32.
    ///
    /// - Precondition: the type ``isSupported`` and `count` is a multiple of ``blockSize``.
    public func dequantize(_ source: UnsafeRawPointer, count: Int, into destination: UnsafeMutablePointer<Float>) {
        precondition(isSupported, "dequantize: type \(name) is not supported")
        precondition(count >= 0 && count % blockSize == 0, "dequantize: \(count) values is not a whole number of \(name) blocks")
        let blocks = count / blockSize
        switch self {
        case .f32:
            UnsafeMutableRawPointer(destination).copyMemory(from: source, byteCount: 4 * count)
        case .f16:
            for i in 0..<count { destination[i] = halfToFloat(source.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self)) }
        case .bf16:
            for i in 0..<count {
                destination[i] = Float(bitPattern: UInt32(source.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self)) << 16)
            }
        case .q8_0: Dequantize.q8_0(source, blocks: blocks, into: destination)
        case .q4_0: Dequantize.q4_0(source, blocks: blocks, into: destination)
        case .q4_1: Dequantize.q4_1(source, blocks: blocks, into: destination)
        case .q5_0: Dequantize.q5_0(source, blocks: blocks, into: destination)
        case .q5_1: Dequantize.q5_1(source, blocks: blocks, into: destination)
        case .q2_K: Dequantize.q2_K(source, blocks: blocks, into: destination)
        case .q3_K: Dequantize.q3_K(source, blocks: blocks, into: destination)
        case .q4_K: Dequantize.q4_K(source, blocks: blocks, into: destination)
        case .q5_K: Dequantize.q5_K(source, blocks: blocks, into: destination)
        case .q6_K: Dequantize.q6_K(source, blocks: blocks, into: destination)
        default: preconditionFailure("unreachable: \(name) is not supported")
        }
    }

    /// The `count` values at `source` as a float32 array (see ``dequantize(_:count:into:)``).
    public func dequantize(_ source: UnsafeRawPointer, count: Int) -> [Float] {
        [Float](unsafeUninitializedCapacity: count) { buffer, initialized in
            dequantize(source, count: count, into: buffer.baseAddress!)
            initialized = count
        }
    }
}

/// IEEE half-precision bits to float32 (exact; F16C's `vcvtph2ps` with the package's `-march`).
@inline(__always)
public func halfToFloat(_ bits: UInt16) -> Float {
    Float(Float16(bitPattern: bits))
}

/// The per-type block decoders behind ``GGMLType/dequantize(_:count:into:)``.
enum Dequantize {
    /// Q8_0: `f16 d; i8 qs[32]` — `y[i] = d · qs[i]`.
    static func q8_0(_ source: UnsafeRawPointer, blocks: Int, into y: UnsafeMutablePointer<Float>) {
        for b in 0..<blocks {
            let block = source + b * 34
            let d = halfToFloat(block.loadUnaligned(as: UInt16.self))
            let out = y + b * 32
            for i in 0..<32 { out[i] = d * Float(Int8(bitPattern: block.load(fromByteOffset: 2 + i, as: UInt8.self))) }
        }
    }

    /// Q4_0: `f16 d; u8 qs[16]` — low nibbles are values 0…15, high nibbles 16…31: `y = d · (q − 8)`.
    static func q4_0(_ source: UnsafeRawPointer, blocks: Int, into y: UnsafeMutablePointer<Float>) {
        for b in 0..<blocks {
            let block = source + b * 18
            let d = halfToFloat(block.loadUnaligned(as: UInt16.self))
            let out = y + b * 32
            for j in 0..<16 {
                let byte = block.load(fromByteOffset: 2 + j, as: UInt8.self)
                out[j] = d * Float(Int(byte & 0x0F) - 8)
                out[j + 16] = d * Float(Int(byte >> 4) - 8)
            }
        }
    }

    /// Q4_1: `f16 d, m; u8 qs[16]` — `y = d · q + m`, q in 0…15 (a product, then a sum: no FMA).
    static func q4_1(_ source: UnsafeRawPointer, blocks: Int, into y: UnsafeMutablePointer<Float>) {
        for b in 0..<blocks {
            let block = source + b * 20
            let d = halfToFloat(block.loadUnaligned(as: UInt16.self))
            let m = halfToFloat(block.loadUnaligned(fromByteOffset: 2, as: UInt16.self))
            let out = y + b * 32
            for j in 0..<16 {
                let byte = block.load(fromByteOffset: 4 + j, as: UInt8.self)
                let low = d * Float(byte & 0x0F)
                let high = d * Float(byte >> 4)
                out[j] = low + m
                out[j + 16] = high + m
            }
        }
    }

    /// Q5_0: `f16 d; u8 qh[4]; u8 qs[16]` — the fifth bit of value j is bit j of the little-endian `qh`:
    /// `y = d · (q − 16)`, q in 0…31.
    static func q5_0(_ source: UnsafeRawPointer, blocks: Int, into y: UnsafeMutablePointer<Float>) {
        for b in 0..<blocks {
            let block = source + b * 22
            let d = halfToFloat(block.loadUnaligned(as: UInt16.self))
            let qh = block.loadUnaligned(fromByteOffset: 2, as: UInt32.self)
            let out = y + b * 32
            for j in 0..<16 {
                let byte = block.load(fromByteOffset: 6 + j, as: UInt8.self)
                let high0 = Int((qh >> UInt32(j)) & 1) << 4
                let high1 = Int((qh >> UInt32(j + 16)) & 1) << 4
                out[j] = d * Float((Int(byte & 0x0F) | high0) - 16)
                out[j + 16] = d * Float((Int(byte >> 4) | high1) - 16)
            }
        }
    }

    /// Q5_1: `f16 d, m; u8 qh[4]; u8 qs[16]` — as Q5_0 without the offset: `y = d · q + m`.
    static func q5_1(_ source: UnsafeRawPointer, blocks: Int, into y: UnsafeMutablePointer<Float>) {
        for b in 0..<blocks {
            let block = source + b * 24
            let d = halfToFloat(block.loadUnaligned(as: UInt16.self))
            let m = halfToFloat(block.loadUnaligned(fromByteOffset: 2, as: UInt16.self))
            let qh = block.loadUnaligned(fromByteOffset: 4, as: UInt32.self)
            let out = y + b * 32
            for j in 0..<16 {
                let byte = block.load(fromByteOffset: 8 + j, as: UInt8.self)
                let high0 = Int((qh >> UInt32(j)) & 1) << 4
                let high1 = Int((qh >> UInt32(j + 16)) & 1) << 4
                let low = d * Float(Int(byte & 0x0F) | high0)
                let high = d * Float(Int(byte >> 4) | high1)
                out[j] = low + m
                out[j + 16] = high + m
            }
        }
    }

    /// Q2_K: `u8 scales[16]; u8 qs[64]; f16 d, dmin` — 16 groups of 16 values; group g has scale
    /// `d · (scales[g] & 15)` and minimum `dmin · (scales[g] >> 4)`; 2-bit values, four per byte (bit
    /// pairs 0, 2, 4, 6 of byte l of each 32-byte half hold values l, l+32, l+64, l+96 of that half):
    /// `y = (d·sc)·q − (dmin·m)`.
    static func q2_K(_ source: UnsafeRawPointer, blocks: Int, into y: UnsafeMutablePointer<Float>) {
        for b in 0..<blocks {
            let block = source + b * 84
            let scales = block
            let qs = block + 16
            let d = halfToFloat(block.loadUnaligned(fromByteOffset: 80, as: UInt16.self))
            let dmin = halfToFloat(block.loadUnaligned(fromByteOffset: 82, as: UInt16.self))
            var out = y + b * 256
            var scaleIndex = 0
            for half in 0..<2 {
                let q = qs + 32 * half
                for shift in stride(from: 0, to: 8, by: 2) {
                    for part in 0..<2 {
                        let sc = scales.load(fromByteOffset: scaleIndex, as: UInt8.self)
                        scaleIndex += 1
                        let dl = d * Float(sc & 0x0F)
                        let ml = dmin * Float(sc >> 4)
                        for l in 0..<16 {
                            let value = (q.load(fromByteOffset: 16 * part + l, as: UInt8.self) >> UInt8(shift)) & 3
                            out[l] = dl * Float(value) - ml
                        }
                        out += 16
                    }
                }
            }
        }
    }

    /// Q3_K: `u8 hmask[32]; u8 qs[64]; u8 scales[12]; f16 d` — 16 groups of 16 values with 6-bit signed
    /// scales (`sc − 32`, packed: low 4 bits in bytes 0–7, high 2 bits in bytes 8–11); 3-bit values: 2 low
    /// bits as in Q2_K, the high bit in `hmask` (a clear bit subtracts 4): `y = (d·(sc−32))·q`, q in −4…3.
    static func q3_K(_ source: UnsafeRawPointer, blocks: Int, into y: UnsafeMutablePointer<Float>) {
        for b in 0..<blocks {
            let block = source + b * 110
            let hmask = block
            let qs = block + 32
            let packed = block + 96
            let d = halfToFloat(block.loadUnaligned(fromByteOffset: 108, as: UInt16.self))
            var scales = (Int8(0), Int8(0), Int8(0), Int8(0), Int8(0), Int8(0), Int8(0), Int8(0),
                          Int8(0), Int8(0), Int8(0), Int8(0), Int8(0), Int8(0), Int8(0), Int8(0))
            withUnsafeMutableBytes(of: &scales) { raw in
                for j in 0..<16 {
                    let low = j < 8 ? packed.load(fromByteOffset: j, as: UInt8.self) & 0x0F
                                    : packed.load(fromByteOffset: j - 8, as: UInt8.self) >> 4
                    let high = (packed.load(fromByteOffset: 8 + j % 4, as: UInt8.self) >> UInt8(2 * (j / 4))) & 3
                    raw[j] = (low | (high << 4))
                }
            }
            withUnsafeBytes(of: &scales) { raw in
                var out = y + b * 256
                var scaleIndex = 0
                var mask: UInt8 = 1
                for half in 0..<2 {
                    let q = qs + 32 * half
                    for shift in stride(from: 0, to: 8, by: 2) {
                        for part in 0..<2 {
                            let dl = d * Float(Int(raw[scaleIndex]) - 32)
                            scaleIndex += 1
                            for l in 0..<16 {
                                let index = 16 * part + l
                                let low = Int((q.load(fromByteOffset: index, as: UInt8.self) >> UInt8(shift)) & 3)
                                let value = low - ((hmask.load(fromByteOffset: index, as: UInt8.self) & mask) != 0 ? 0 : 4)
                                out[l] = dl * Float(value)
                            }
                            out += 16
                        }
                        mask <<= 1
                    }
                }
            }
        }
    }

    /// The 6-bit scale and minimum of group `j` (0…7) of a Q4_K/Q5_K super-block's 12 packed bytes
    /// (`get_scale_min_k4`).
    @inline(__always)
    static func scaleMinimumK4(_ j: Int, _ q: UnsafeRawPointer) -> (scale: UInt8, minimum: UInt8) {
        if j < 4 {
            return (q.load(fromByteOffset: j, as: UInt8.self) & 63, q.load(fromByteOffset: j + 4, as: UInt8.self) & 63)
        }
        let scale = (q.load(fromByteOffset: j + 4, as: UInt8.self) & 0x0F) | ((q.load(fromByteOffset: j - 4, as: UInt8.self) >> 6) << 4)
        let minimum = (q.load(fromByteOffset: j + 4, as: UInt8.self) >> 4) | ((q.load(fromByteOffset: j, as: UInt8.self) >> 6) << 4)
        return (scale, minimum)
    }

    /// Q4_K: `f16 d, dmin; u8 scales[12]; u8 qs[128]` — 8 groups of 32 values with 6-bit scales and
    /// minimums; each 32-byte chunk of `qs` holds two groups (low nibbles, then high nibbles):
    /// `y = (d·sc)·q − (dmin·m)`.
    static func q4_K(_ source: UnsafeRawPointer, blocks: Int, into y: UnsafeMutablePointer<Float>) {
        for b in 0..<blocks {
            let block = source + b * 144
            let d = halfToFloat(block.loadUnaligned(as: UInt16.self))
            let dmin = halfToFloat(block.loadUnaligned(fromByteOffset: 2, as: UInt16.self))
            let scales = block + 4
            let qs = block + 16
            let out = y + b * 256
            for chunk in 0..<4 {
                let (sc1, m1) = scaleMinimumK4(2 * chunk, scales)
                let (sc2, m2) = scaleMinimumK4(2 * chunk + 1, scales)
                let d1 = d * Float(sc1), min1 = dmin * Float(m1)
                let d2 = d * Float(sc2), min2 = dmin * Float(m2)
                let q = qs + 32 * chunk
                let o = out + 64 * chunk
                for l in 0..<32 {
                    let byte = q.load(fromByteOffset: l, as: UInt8.self)
                    o[l] = d1 * Float(byte & 0x0F) - min1
                    o[l + 32] = d2 * Float(byte >> 4) - min2
                }
            }
        }
    }

    /// Q5_K: `f16 d, dmin; u8 scales[12]; u8 qh[32]; u8 qs[128]` — Q4_K with a fifth bit per value from
    /// `qh` (bit 2c of byte l for the low-nibble group of chunk c, bit 2c+1 for the high one).
    static func q5_K(_ source: UnsafeRawPointer, blocks: Int, into y: UnsafeMutablePointer<Float>) {
        for b in 0..<blocks {
            let block = source + b * 176
            let d = halfToFloat(block.loadUnaligned(as: UInt16.self))
            let dmin = halfToFloat(block.loadUnaligned(fromByteOffset: 2, as: UInt16.self))
            let scales = block + 4
            let qh = block + 16
            let qs = block + 48
            let out = y + b * 256
            for chunk in 0..<4 {
                let (sc1, m1) = scaleMinimumK4(2 * chunk, scales)
                let (sc2, m2) = scaleMinimumK4(2 * chunk + 1, scales)
                let d1 = d * Float(sc1), min1 = dmin * Float(m1)
                let d2 = d * Float(sc2), min2 = dmin * Float(m2)
                let bit1 = UInt8(1) << UInt8(2 * chunk), bit2 = UInt8(2) << UInt8(2 * chunk)
                let q = qs + 32 * chunk
                let o = out + 64 * chunk
                for l in 0..<32 {
                    let byte = q.load(fromByteOffset: l, as: UInt8.self)
                    let high = qh.load(fromByteOffset: l, as: UInt8.self)
                    o[l] = d1 * Float(Int(byte & 0x0F) + (high & bit1 != 0 ? 16 : 0)) - min1
                    o[l + 32] = d2 * Float(Int(byte >> 4) + (high & bit2 != 0 ? 16 : 0)) - min2
                }
            }
        }
    }

    /// Q6_K: `u8 ql[128]; u8 qh[64]; i8 scales[16]; f16 d` — 16 groups of 16 values with signed 8-bit
    /// scales; 6-bit values (4 low bits in `ql`, 2 high bits in `qh`) minus 32: `y = (d·sc)·(q − 32)`.
    static func q6_K(_ source: UnsafeRawPointer, blocks: Int, into y: UnsafeMutablePointer<Float>) {
        for b in 0..<blocks {
            let block = source + b * 210
            let d = halfToFloat(block.loadUnaligned(fromByteOffset: 208, as: UInt16.self))
            for half in 0..<2 {
                let ql = block + 64 * half
                let qh = block + 128 + 32 * half
                let sc = block + 192 + 8 * half
                let out = y + b * 256 + 128 * half
                for l in 0..<32 {
                    let group = l / 16
                    let low0 = ql.load(fromByteOffset: l, as: UInt8.self)
                    let low32 = ql.load(fromByteOffset: l + 32, as: UInt8.self)
                    let high = qh.load(fromByteOffset: l, as: UInt8.self)
                    let q1 = Int((low0 & 0x0F) | ((high & 3) << 4)) - 32
                    let q2 = Int((low32 & 0x0F) | (((high >> 2) & 3) << 4)) - 32
                    let q3 = Int((low0 >> 4) | (((high >> 4) & 3) << 4)) - 32
                    let q4 = Int((low32 >> 4) | (((high >> 6) & 3) << 4)) - 32
                    let s = { (k: Int) in d * Float(Int8(bitPattern: sc.load(fromByteOffset: group + k, as: UInt8.self))) }
                    out[l] = s(0) * Float(q1)
                    out[l + 32] = s(2) * Float(q2)
                    out[l + 64] = s(4) * Float(q3)
                    out[l + 96] = s(6) * Float(q4)
                }
            }
        }
    }
}
