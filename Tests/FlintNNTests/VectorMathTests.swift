import Foundation
import Testing
@testable import FlintNN

@Suite struct VectorMathTests {
    @Test func vectorExpIsAccurateAcrossTheRange() {
        var worst: Float = 0
        var x: Float = -87
        while x < 88 {
            let lanes = SIMD8<Float>((0..<8).map { x + Float($0) * 0.013 })
            let e = vectorExp(lanes)
            for i in 0..<8 {
                let reference = Foundation.exp(Double(lanes[i]))
                worst = max(worst, Float(abs(Double(e[i]) - reference) / reference))
            }
            x += 0.37
        }
        #expect(worst < 4e-7)
        let edges = vectorExp(SIMD8<Float>(0, 1, -1, 100, -100, -.infinity, 88.5, -87.4))
        #expect(edges[0] == 1)
        #expect(abs(edges[1] - 2.7182817) < 1e-6)
        #expect(edges[3] == .infinity && edges[4] == 0 && edges[5] == 0 && edges[6] == .infinity && edges[7] == 0)
    }
}
