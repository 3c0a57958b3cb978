import Foundation
import Testing
@testable import Flint

/// Q8_K activation quantization (``SuperBlockActivations``) against hand-derived values, and the k-quant
/// integer kernels (``KQuantDot``) against `Σ dequant(w)·(d·q)` in Double, on random blocks; the 4-token tile
/// against the 1-token dot bit for bit.
@Suite struct KQuantDotTests {
    /// SplitMix64: a seeded generator, so failures reproduce.
    struct Generator: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }

    /// Quantizes `values` (one row of 256·k) to Q8_K: per block, `d`, the 256 quants and the 16 group sums.
    static func quantize(_ values: [Float]) -> [(d: Float, q: [Int8], sums: [Int16])] {
        let bytes = SuperBlockActivations.byteCount(tokens: 1, columns: values.count)
        let buffer = UnsafeMutableRawPointer.allocate(byteCount: bytes, alignment: 64)
        defer { buffer.deallocate() }
        let activations = SuperBlockActivations(buffer: buffer, tokens: 1, columns: values.count)
        values.withUnsafeBufferPointer { activations.quantize($0.baseAddress!, rows: 0..<1) }
        return (0..<activations.blocks).map { b in
            let q = activations.block(0, b).assumingMemoryBound(to: Int8.self)
            let sums = activations.sums(0, b).assumingMemoryBound(to: Int16.self)
            return (activations.scale(0, b), Array(UnsafeBufferPointer(start: q, count: 256)), Array(UnsafeBufferPointer(start: sums, count: 16)))
        }
    }

    @Test func allZeroBlockQuantizesToZero() {
        let blocks = Self.quantize([Float](repeating: 0, count: 512))
        for block in blocks {
            #expect(block.d == 0)
            #expect(block.q.allSatisfy { $0 == 0 })
            #expect(block.sums.allSatisfy { $0 == 0 })
        }
    }

    /// Negative maximum −1: `iscale = −127 / −1 = 127`, `d = 1/127`; 0.5·127 = 63.5 rounds to 64 (ties to
    /// even), −0.5 to −64, 0.25 → 31.75 → 32, 0.75 → 95.25 → 95, 1/128 → 0.99… → 1; +1 (same magnitude as the
    /// maximum, but later) → 127.
    @Test func negativeMaximumHandDerived() {
        var x = [Float](repeating: 0, count: 256)
        x[3] = -1; x[4] = 0.5; x[5] = -0.5; x[20] = 0.25; x[21] = 0.75; x[22] = 1.0 / 128; x[255] = 1
        let block = Self.quantize(x)[0]
        #expect(block.d == 1 / Float(127))
        var expected = [Int8](repeating: 0, count: 256)
        expected[3] = -127; expected[4] = 64; expected[5] = -64; expected[20] = 32; expected[21] = 95; expected[22] = 1; expected[255] = 127
        #expect(block.q == expected)
        var sums = [Int16](repeating: 0, count: 16)
        sums[0] = -127 + 64 - 64; sums[1] = 32 + 95 + 1; sums[15] = 127
        #expect(block.sums == sums)
    }

    /// Positive maximum 2 first: `iscale = −63.5`, `d = 1 / −63.5` (negative), so the maximum maps to −127,
    /// the later −2 to +127, 1 → −63.5 → −64 (ties to even), −0.25 → 15.875 → 16, 1.5 → −95.25 → −95.
    @Test func positiveMaximumHandDerived() {
        var x = [Float](repeating: 0, count: 256)
        x[17] = 2; x[100] = -2; x[101] = 1; x[102] = -0.25; x[200] = 1.5
        let block = Self.quantize(x)[0]
        #expect(block.d == 1 / Float(-63.5))
        var expected = [Int8](repeating: 0, count: 256)
        expected[17] = -127; expected[100] = 127; expected[101] = -64; expected[102] = 16; expected[200] = -95
        #expect(block.q == expected)
        var sums = [Int16](repeating: 0, count: 16)
        sums[1] = -127; sums[6] = 127 - 64 + 16; sums[12] = -95
        #expect(block.sums == sums)
    }

    /// Random values: every quant is `min(127, round(iscale·x))` with `iscale = 1/d`, and the group sums add up.
    @Test func randomBlocksFollowTheRule() {
        var random = Generator(state: 7)
        let x = (0..<1024).map { _ in Float.random(in: -3...3, using: &random) }
        for (b, block) in Self.quantize(x).enumerated() {
            let slice = x[(256 * b)..<(256 * b + 256)]
            let maximum = slice.first { abs($0) == slice.map(abs).max()! }!
            let iscale = -127 / maximum
            #expect(block.d == 1 / iscale)
            for i in 0..<256 {
                #expect(Int(block.q[i]) == min(127, Int((iscale * slice[256 * b + i]).rounded(.toNearestOrEven))))
            }
            for g in 0..<16 { #expect(Int(block.sums[g]) == block.q[(16 * g)..<(16 * g + 16)].reduce(0) { $0 + Int($1) }) }
        }
    }

    static let kernelTypes: [GGMLType] = [.q2_K, .q3_K, .q4_K, .q5_K, .q6_K]

    /// `rows × columns` random blocks of `type`: random bytes with the f16 scale fields replaced by finite
    /// values of realistic size (d ∈ [0.001, 0.01), dmin ∈ [0, 0.01); Q6_K: d only).
    static func randomMatrix(_ type: GGMLType, rows: Int, columns: Int, using random: inout Generator) -> [UInt8] {
        let blocks = rows * columns / 256
        var bytes = (0..<(blocks * type.typeSize)).map { _ in UInt8.random(in: 0...255, using: &random) }
        for b in 0..<blocks {
            let base = b * type.typeSize
            let halves: [Int]
            switch type {
            case .q6_K: halves = [208]
            case .q3_K: halves = [108]
            case .q2_K: halves = [80, 82]
            default: halves = [0, 2]
            }
            for (k, offset) in halves.enumerated() {
                let value = Float16(Float.random(in: (k == 0 ? 0.001 : 0)..<0.01, using: &random)).bitPattern
                bytes[base + offset] = UInt8(value & 0xFF)
                bytes[base + offset + 1] = UInt8(value >> 8)
            }
        }
        return bytes
    }

    /// The product of `matrix` with `values` (`tokens × columns`).
    static func multiply(_ matrix: QuantizedMatrix, _ values: [Float], tokens: Int) -> [Float] {
        var y = [Float](repeating: .nan, count: tokens * matrix.rows)
        let storage = MatrixInputStorage()
        values.withUnsafeBufferPointer { x in
            let input = MatrixInput(x.baseAddress!, tokens: tokens, columns: matrix.columns, storage: storage)
            y.withUnsafeMutableBufferPointer { matrix.multiply(input, into: $0.baseAddress!) }
        }
        return y
    }

    @Test("integer kernel equals Σ dequant(w)·(d·q) in Double", arguments: kernelTypes)
    func matchesDequantizedProduct(type: GGMLType) throws {
        var random = Generator(state: UInt64(type.rawValue))
        // 21 tokens: two groups of 8 on Q4_K's token-lane GEMM, then a 4-token tile and a single token.
        let rows = 24, columns = 768, tokens = 21
        let bytes = Self.randomMatrix(type, rows: rows, columns: columns, using: &random)
        let x = (0..<(tokens * columns)).map { _ in Float.random(in: -2...2, using: &random) }
        try Self.expectExactProducts(type, bytes: bytes, rows: rows, columns: columns, x: x, tokens: tokens)
    }

    /// Q4_K blocks at the limits of the token-lane GEMM's integer sums — every nibble 15, every 6-bit scale and
    /// minimum 63 — against activations all at ±127 (x = ±1): sums of four 16-bit pair sums per half and the
    /// 32-bit super-block totals would overflow if their bounds were wrong.
    @Test func q4KExtremeBlocksDoNotOverflow() throws {
        let rows = 8, columns = 512, tokens = 16
        var bytes = [UInt8](repeating: 0xFF, count: rows * columns / 256 * GGMLType.q4_K.typeSize)
        let one = Float16(1).bitPattern
        for b in 0..<(rows * columns / 256) {
            let base = b * GGMLType.q4_K.typeSize
            for offset in [0, 2] { bytes[base + offset] = UInt8(one & 0xFF); bytes[base + offset + 1] = UInt8(one >> 8) }
        }
        let x = (0..<(tokens * columns)).map { i in (i / columns) % 2 == 0 ? Float(1) : Float(-1) }
        try Self.expectExactProducts(.q4_K, bytes: bytes, rows: rows, columns: columns, x: x, tokens: tokens)
    }

    /// Expects `QuantizedMatrix.multiply` to equal `Σ dequant(w)·(d·q)` in Double within 1e-5 of `Σ|w·a|`.
    static func expectExactProducts(_ type: GGMLType, bytes: [UInt8], rows: Int, columns: Int, x: [Float], tokens: Int) throws {
        let got = bytes.withUnsafeBytes { raw in
            Self.multiply(QuantizedMatrix(type: type, rows: rows, columns: columns, base: raw.baseAddress!, owner: nil), x, tokens: tokens)
        }
        var failures = [String]()
        for t in 0..<tokens {
            let blocks = Self.quantize(Array(x[(t * columns)..<((t + 1) * columns)]))
            for r in 0..<rows {
                let w = bytes.withUnsafeBytes { type.dequantize($0.baseAddress! + r * columns / 256 * type.typeSize, count: columns) }
                var sum = 0.0, magnitude = 0.0
                for c in 0..<columns {
                    let a = Double(blocks[c / 256].d) * Double(blocks[c / 256].q[c % 256])
                    sum += Double(w[c]) * a
                    magnitude += abs(Double(w[c]) * a)
                }
                let value = Double(got[t * rows + r])
                if !(abs(value - sum) <= 1e-5 * magnitude) && failures.count < 5 {
                    failures.append("token \(t) row \(r): \(value) vs \(sum) (Σ|wa| \(magnitude))")
                }
            }
        }
        #expect(failures.isEmpty, "\(type.name): \(failures)")
    }

    /// The committed gguf-py fixture blocks (4 blocks: one row of 1,024) give the same products as above.
    @Test("fixture blocks", arguments: kernelTypes)
    func fixtureBlocks(type: GGMLType) throws {
        let bytes = try DequantizeTests.fixture("\(type.name).blocks")
        let columns = bytes.count / type.typeSize * 256
        var random = Generator(state: 99)
        let x = (0..<columns).map { _ in Float.random(in: -1...1, using: &random) }
        let got = bytes.withUnsafeBytes { raw in
            Self.multiply(QuantizedMatrix(type: type, rows: 1, columns: columns, base: raw.baseAddress!, owner: nil), x, tokens: 1)
        }[0]
        let w = bytes.withUnsafeBytes { type.dequantize($0.baseAddress!, count: columns) }
        let blocks = Self.quantize(x)
        var sum = 0.0, magnitude = 0.0
        for c in 0..<columns {
            let a = Double(blocks[c / 256].d) * Double(blocks[c / 256].q[c % 256])
            sum += Double(w[c]) * a
            magnitude += abs(Double(w[c]) * a)
        }
        #expect(magnitude > 0)
        #expect(abs(Double(got) - sum) <= 1e-5 * magnitude, "\(type.name): \(got) vs \(sum)")
    }

    /// A row's result does not depend on the batch: 23 tokens (two groups of 8 on Q4_K's token-lane GEMM — for
    /// the other types four 4-token tiles — then a 4-token tile and 3 single dots) equal each token multiplied
    /// alone, bit for bit.
    @Test("lanes and tiles equal the 1-token dot bit for bit", arguments: kernelTypes)
    func batchInvariance(type: GGMLType) {
        var random = Generator(state: 1000 + UInt64(type.rawValue))
        let rows = 40, columns = 512, tokens = 23
        let bytes = Self.randomMatrix(type, rows: rows, columns: columns, using: &random)
        let x = (0..<(tokens * columns)).map { _ in Float.random(in: -4...4, using: &random) }
        bytes.withUnsafeBytes { raw in
            let matrix = QuantizedMatrix(type: type, rows: rows, columns: columns, base: raw.baseAddress!, owner: nil)
            let batch = Self.multiply(matrix, x, tokens: tokens)
            for t in 0..<tokens {
                let single = Self.multiply(matrix, Array(x[(t * columns)..<((t + 1) * columns)]), tokens: 1)
                let same = (0..<rows).allSatisfy { batch[t * rows + $0].bitPattern == single[$0].bitPattern }
                #expect(same, "\(type.name) token \(t)")
            }
        }
    }
}
