import Foundation
import Flint

/// The row kernels of ``BertEncoder``'s forward pass: LayerNorm (with an optional bias), softmax and
/// pooling, over SIMD8 lanes with a scalar tail.
enum BertEncoderKernels {
    /// x ← LayerNorm(x + bias) · gamma + beta for each of `rows` rows of `width` (row stride `width`).
    static func addBiasLayerNorm(_ x: UnsafeMutablePointer<Float>, rows: Range<Int>, width: Int,
                                 bias: UnsafePointer<Float>?, gamma: UnsafePointer<Float>,
                                 beta: UnsafePointer<Float>, epsilon: Float) {
        let vectorEnd = width & ~7
        for r in rows {
            let row = x + r * width
            var sum = SIMD8<Float>()
            var j = 0
            if let bias {
                while j < vectorEnd {
                    let v = loadVector(row + j) + loadVector(bias + j)
                    storeVector(v, row + j)
                    sum += v
                    j += 8
                }
                while j < width { row[j] += bias[j]; sum[0] += row[j]; j += 1 }
            } else {
                while j < vectorEnd { sum += loadVector(row + j); j += 8 }
                while j < width { sum[0] += row[j]; j += 1 }
            }
            let mean = sum.sum() / Float(width)
            let meanVector = SIMD8<Float>(repeating: mean)
            var squares = SIMD8<Float>()
            j = 0
            while j < vectorEnd {
                let d = loadVector(row + j) - meanVector
                squares.addProduct(d, d)
                j += 8
            }
            var tail: Float = 0
            while j < width { let d = row[j] - mean; tail += d * d; j += 1 }
            let variance = (squares.sum() + tail) / Float(width)
            let inverse = 1 / (variance + epsilon).squareRoot()
            let inverseVector = SIMD8<Float>(repeating: inverse)
            j = 0
            while j < vectorEnd {
                let normalized = (loadVector(row + j) - meanVector) * inverseVector
                storeVector(normalized * loadVector(gamma + j) + loadVector(beta + j), row + j)
                j += 8
            }
            while j < width { row[j] = (row[j] - mean) * inverse * gamma[j] + beta[j]; j += 1 }
        }
    }

    /// max(a, b) per lane (the standard library's `pointwiseMax` is not inlined into these loops).
    @inline(__always)
    static func lanewiseMaximum(_ a: SIMD8<Float>, _ b: SIMD8<Float>) -> SIMD8<Float> {
        a.replacing(with: b, where: b .> a)
    }

    /// Softmax of each of `rows` rows of `width` in place (row stride `stride`).
    static func softmaxRows(_ x: UnsafeMutablePointer<Float>, rows: Int, width: Int, stride: Int) {
        let vectorEnd = width & ~7
        for r in 0..<rows {
            let row = x + r * stride
            var maximumVector = SIMD8<Float>(repeating: -.infinity)
            var j = 0
            while j < vectorEnd { maximumVector = lanewiseMaximum(maximumVector, loadVector(row + j)); j += 8 }
            var maximum = maximumVector.max()
            while j < width { maximum = max(maximum, row[j]); j += 1 }
            let shift = SIMD8<Float>(repeating: maximum)
            var sumVector = SIMD8<Float>()
            j = 0
            while j < vectorEnd {
                let e = VectorMath.exp(loadVector(row + j) - shift)
                storeVector(e, row + j)
                sumVector += e
                j += 8
            }
            var sum = sumVector.sum()
            if j < width {
                // The tail through one masked vector: lanes past the row end are not touched.
                var lanes = SIMD8<Float>(repeating: -.infinity)
                for t in j..<width { lanes[t - j] = row[t] }
                let e = VectorMath.exp(lanes - shift)
                for t in j..<width { row[t] = e[t - j]; sum += e[t - j] }
            }
            let inverse = SIMD8<Float>(repeating: 1 / sum)
            j = 0
            while j < vectorEnd { storeVector(loadVector(row + j) * inverse, row + j); j += 8 }
            while j < width { row[j] *= inverse[0]; j += 1 }
        }
    }
}

extension BertEncoderKernels {
    /// Pools `rows` rows of `width` into `out` (`width` values); zeros for no rows.
    static func pool(_ x: UnsafePointer<Float>, rows: Int, width: Int, pooling: BertEncoder.Pooling,
                     into out: UnsafeMutablePointer<Float>) {
        if rows == 0 {
            out.initialize(repeating: 0, count: width)
            return
        }
        switch pooling {
        case .cls:
            out.update(from: x, count: width)
        case .mean:
            out.update(from: x, count: width)
            for r in 1..<max(rows, 1) { addRow(x + r * width, into: out, width: width) }
            scale(out, count: width, by: 1 / Float(rows))
        case .max:
            out.update(from: x, count: width)
            let vectorEnd = width & ~7
            for r in 1..<max(rows, 1) {
                let row = x + r * width
                var j = 0
                while j < vectorEnd { storeVector(lanewiseMaximum(loadVector(out + j), loadVector(row + j)), out + j); j += 8 }
                while j < width { out[j] = Swift.max(out[j], row[j]); j += 1 }
            }
        }
    }

    /// out += row.
    @inline(__always)
    static func addRow(_ row: UnsafePointer<Float>, into out: UnsafeMutablePointer<Float>, width: Int) {
        let vectorEnd = width & ~7
        var j = 0
        while j < vectorEnd { storeVector(loadVector(out + j) + loadVector(row + j), out + j); j += 8 }
        while j < width { out[j] += row[j]; j += 1 }
    }

    /// x *= factor.
    static func scale(_ x: UnsafeMutablePointer<Float>, count: Int, by factor: Float) {
        for j in 0..<count { x[j] *= factor }
    }

    /// x ← x / max(‖x‖₂, 1e-12) (`torch.nn.functional.normalize`).
    static func normalize(_ x: UnsafeMutablePointer<Float>, count: Int) {
        var sum: Float = 0
        for j in 0..<count { sum += x[j] * x[j] }
        scale(x, count: count, by: 1 / Swift.max(sum.squareRoot(), 1e-12))
    }
}
