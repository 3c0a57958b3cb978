import Foundation
import Testing
@testable import Flint

@Suite struct PackedLinearWeightTests {
    /// x·Wᵀ + b in double precision, row-major [rows, outputs].
    func reference(_ x: [Float], _ w: [Float], _ b: [Float]?, rows: Int, outputs: Int, inputs: Int) -> [Double] {
        var out = [Double](repeating: 0, count: rows * outputs)
        for r in 0..<rows {
            for o in 0..<outputs {
                var sum = b.map { Double($0[o]) } ?? 0
                for k in 0..<inputs { sum += Double(x[r * inputs + k]) * Double(w[o * inputs + k]) }
                out[r * outputs + o] = sum
            }
        }
        return out
    }

    func values(_ count: Int, seed: Int) -> [Float] {
        (0..<count).map { Float(sin(Double($0 * 7 + seed) * 0.37)) }
    }

    @Test(arguments: [(1, 16, 8), (3, 21, 5), (4, 32, 33), (7, 40, 17), (70, 19, 64), (300, 48, 24)])
    func matchesReferenceProduct(rows: Int, outputs: Int, inputs: Int) {
        let w = values(outputs * inputs, seed: 1), x = values(rows * inputs, seed: 2), b = values(outputs, seed: 3)
        let packed = w.withUnsafeBufferPointer { PackedLinearWeight(weight: $0.baseAddress!, outputs: outputs, inputs: inputs) }
        #expect(packed.panelCount == (outputs + 15) / 16)
        let expected = reference(x, w, b, rows: rows, outputs: outputs, inputs: inputs)
        // Overwrite with bias, through the parallel entry.
        var c = [Float](repeating: .nan, count: rows * outputs)
        x.withUnsafeBufferPointer { px in
            b.withUnsafeBufferPointer { pb in
                c.withUnsafeMutableBufferPointer { pc in
                    packed.parallelMultiply(px.baseAddress!, leadingDimensionA: inputs, rows: rows, into: pc.baseAddress!,
                                            leadingDimensionC: outputs, epilogue: .bias(pb.baseAddress!))
                }
            }
        }
        for i in 0..<c.count { #expect(abs(Double(c[i]) - expected[i]) <= 1e-4 * max(1, abs(expected[i])), "element \(i)") }
        // Accumulate onto existing values, no bias, serial entry.
        var d = [Float](repeating: 2, count: rows * outputs)
        x.withUnsafeBufferPointer { px in
            d.withUnsafeMutableBufferPointer { pd in
                packed.multiply(px.baseAddress!, leadingDimensionA: inputs, rows: rows, into: pd.baseAddress!,
                                leadingDimensionC: outputs, accumulate: true)
            }
        }
        let plain = reference(x, w, nil, rows: rows, outputs: outputs, inputs: inputs)
        for i in 0..<d.count { #expect(abs(Double(d[i]) - (plain[i] + 2)) <= 1e-4 * max(1, abs(plain[i])), "element \(i)") }
    }

    @Test func activationEpilogues() {
        let rows = 5, outputs = 20, inputs = 9
        let w = values(outputs * inputs, seed: 4), x = values(rows * inputs, seed: 5), b = values(outputs, seed: 6)
        let packed = w.withUnsafeBufferPointer { PackedLinearWeight(weight: $0.baseAddress!, outputs: outputs, inputs: inputs) }
        let pre = reference(x, w, b, rows: rows, outputs: outputs, inputs: inputs)
        func run(_ make: (UnsafePointer<Float>) -> PackedLinearEpilogue) -> [Float] {
            var c = [Float](repeating: 0, count: rows * outputs)
            x.withUnsafeBufferPointer { px in
                b.withUnsafeBufferPointer { pb in
                    c.withUnsafeMutableBufferPointer { pc in
                        packed.multiply(px.baseAddress!, leadingDimensionA: inputs, rows: rows, into: pc.baseAddress!,
                                        leadingDimensionC: outputs, epilogue: make(pb.baseAddress!))
                    }
                }
            }
            return c
        }
        let gelu = run { .biasGELU($0) }, tanhGELU = run { .biasGELUTanh($0) }, relu = run { .biasReLU($0) }
        for i in 0..<pre.count {
            let v = pre[i]
            let exact = 0.5 * v * (1 + Foundation.erf(v / 2.0.squareRoot()))
            let approximate = 0.5 * v * (1 + Foundation.tanh((2 / Double.pi).squareRoot() * (v + 0.044715 * v * v * v)))
            #expect(abs(Double(gelu[i]) - exact) <= 1e-5)
            #expect(abs(Double(tanhGELU[i]) - approximate) <= 1e-5)
            #expect(abs(Double(relu[i]) - max(v, 0)) <= 1e-5)
        }
    }
}
