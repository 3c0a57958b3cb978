import Foundation
import Testing
@testable import Flint

/// The token-lane GEMM (8 tokens in the lanes of one vector) against exact arithmetic: random blocks of each
/// integer type, and blocks at the limits that would overflow 16-bit pair sums if they were added carelessly.
@Suite struct TokenLaneKernelTests {
    /// Random weight rows of `type`: random quant bytes and f16 scales/minimums of moderate size.
    static func randomRows(_ type: GGMLType, rows: Int, columns: Int, seed: UInt64) -> [UInt8] {
        var generator = KQuantDotTests.Generator(state: seed)
        let rowBytes = type.rowByteCount(columns)!
        var bytes = (0..<(rows * rowBytes)).map { _ in UInt8(truncatingIfNeeded: generator.next()) }
        let blockBytes = type.typeSize, halves = (type == .q4_1 || type == .q5_1) ? 2 : 1
        for block in 0..<(rows * rowBytes / blockBytes) {
            for h in 0..<halves {
                let value = Float16(Float(Int(generator.next() % 2001) - 1000) / 40_000)
                let bits = value.bitPattern
                bytes[block * blockBytes + 2 * h] = UInt8(bits & 0xFF)
                bytes[block * blockBytes + 2 * h + 1] = UInt8(bits >> 8)
            }
        }
        return bytes
    }

    /// `y[t, r]` by `QuantizedMatrix.multiply`, and the same in Double from the dequantized weights and the
    /// 8-bit activations (`d · q`, the values the kernels multiply).
    static func products(_ type: GGMLType, weights: [UInt8], rows: Int, columns: Int, x: [Float], tokens: Int) -> (kernel: [Float], exact: [Double], magnitude: [Double]) {
        var y = [Float](repeating: .nan, count: tokens * rows)
        let storage = MatrixInputStorage()
        var exact = [Double](repeating: 0, count: tokens * rows), magnitude = exact
        weights.withUnsafeBytes { w in
            x.withUnsafeBufferPointer { xs in
                let matrix = QuantizedMatrix(type: type, rows: rows, columns: columns, base: w.baseAddress!, owner: nil)
                let input = MatrixInput(xs.baseAddress!, tokens: tokens, columns: columns, storage: storage)
                y.withUnsafeMutableBufferPointer { matrix.multiply(input, into: $0.baseAddress!) }
                let activations = input.quantized
                var row = [Float](repeating: 0, count: columns)
                for r in 0..<rows {
                    row.withUnsafeMutableBufferPointer { matrix.dequantizeRow(r, into: $0.baseAddress!) }
                    for t in 0..<tokens {
                        for c in 0..<columns {
                            let a = Double(activations.scale(t, c / 32)) * Double(activations.block(t, c / 32).load(fromByteOffset: c % 32, as: Int8.self))
                            exact[t * rows + r] += Double(row[c]) * a
                            magnitude[t * rows + r] += abs(Double(row[c]) * a)
                        }
                    }
                }
            }
        }
        return (y, exact, magnitude)
    }

    @Test(arguments: [GGMLType.q4_0, .q4_1, .q5_0, .q5_1, .q8_0])
    func matchesExactArithmetic(_ type: GGMLType) {
        let rows = 24, columns = 128, tokens = 21  // two groups of 8 on the lanes, then a 4-token tile and a single token
        let weights = Self.randomRows(type, rows: rows, columns: columns, seed: 7)
        var generator = KQuantDotTests.Generator(state: 11)
        let x = (0..<(tokens * columns)).map { _ in Float(Int(generator.next() % 20001) - 10000) / 5000 }
        let (y, exact, magnitude) = Self.products(type, weights: weights, rows: rows, columns: columns, x: x, tokens: tokens)
        for i in 0..<y.count {
            // Q4_1/Q5_1's minimum term uses s = d·Σq rounded to f16 (as ggml), so allow its rounding there.
            let tolerance = (type == .q4_1 || type == .q5_1 ? 2e-3 : 2e-6) * magnitude[i] + 1e-6
            #expect(abs(Double(y[i]) - exact[i]) <= tolerance, "\(type) output \(i): \(y[i]) vs \(exact[i])")
        }
    }

    /// Every weight at its largest magnitude against activations all +127 or all −127:
    /// sums of 8 (4-bit) or 4 (5-bit) pair sums in 16 bits would overflow if the bound were wrong; the exact
    /// integer result is known.
    @Test(arguments: [GGMLType.q4_0, .q4_1, .q5_0, .q5_1, .q8_0])
    func extremeBlocksDoNotOverflow(_ type: GGMLType) {
        let rows = 8, columns = 64, tokens = 8
        let rowBytes = type.rowByteCount(columns)!, blockBytes = type.typeSize
        var weights = [UInt8](repeating: 0xFF, count: rows * rowBytes)
        if type == .q8_0 { for i in weights.indices { weights[i] = 0x80 } }  // −128: |−128 · 127| · 2 is the largest pair sum
        let one = Float16(1).bitPattern
        for block in 0..<(rows * rowBytes / blockBytes) {
            weights[block * blockBytes] = UInt8(one & 0xFF); weights[block * blockBytes + 1] = UInt8(one >> 8)
            if type == .q4_1 || type == .q5_1 { weights[block * blockBytes + 2] = 0; weights[block * blockBytes + 3] = 0 }
        }
        let x = (0..<(tokens * columns)).map { i in (i / columns) % 2 == 0 ? Float(1) : Float(-1) }
        let (y, exact, _) = Self.products(type, weights: weights, rows: rows, columns: columns, x: x, tokens: tokens)
        for i in 0..<y.count {
            #expect(abs(Double(y[i]) - exact[i]) <= 1e-3 * abs(exact[i]) + 1e-3, "\(type) output \(i): \(y[i]) vs \(exact[i])")
            #expect(abs(exact[i]) > 1, "\(type): the extreme case must have a large sum")
        }
    }

    /// The three paths (8-token lanes, 4-token tiles, the 1-token dot) do the same arithmetic: each token's outputs
    /// are bit-identical to those of the token multiplied alone. Block counts 4 (whole groups of four blocks) and 7
    /// (a tail of three) cover the accumulators' tail handling.
    @Test(arguments: [GGMLType.q4_0, .q4_1, .q5_0, .q5_1, .q8_0])
    func everyPathGivesTheSameBits(_ type: GGMLType) {
        for columns in [128, 224] {
            let rows = 16, tokens = 21
            let weights = Self.randomRows(type, rows: rows, columns: columns, seed: 5)
            var generator = KQuantDotTests.Generator(state: 3)
            let x = (0..<(tokens * columns)).map { _ in Float(Int(generator.next() % 20001) - 10000) / 5000 }
            let together = Self.products(type, weights: weights, rows: rows, columns: columns, x: x, tokens: tokens).kernel
            for t in 0..<tokens {
                let alone = Self.products(type, weights: weights, rows: rows, columns: columns,
                                          x: Array(x[(t * columns)..<((t + 1) * columns)]), tokens: 1).kernel
                for r in 0..<rows {
                    #expect(together[t * rows + r].bitPattern == alone[r].bitPattern,
                            "\(type) columns \(columns) token \(t) row \(r): \(together[t * rows + r]) together, \(alone[r]) alone")
                }
            }
        }
    }
}
