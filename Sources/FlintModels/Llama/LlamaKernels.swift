import Flint
import Foundation

/// The element-wise and attention kernels of ``LlamaModel``'s forward pass (float32, SIMD).
enum LlamaKernels {
    /// `out[r] = x[r] / √(mean(x[r]²) + ε) ⊙ weight` for each row (`out` may be `x`).
    static func rmsNorm(_ x: UnsafeMutablePointer<Float>, rows: Int, width: Int, weight: [Float], epsilon: Float,
                        into out: UnsafeMutablePointer<Float>) {
        weight.withUnsafeBufferPointer { g in
            for r in 0..<rows {
                let row = x + r * width, target = out + r * width
                var sum = SIMD8<Float>(repeating: 0)
                var i = 0
                while i + 8 <= width {
                    let v = UnsafeRawPointer(row + i).loadUnaligned(as: SIMD8<Float>.self)
                    sum.addProduct(v, v)
                    i += 8
                }
                var total = sum.sum()
                while i < width { total += row[i] * row[i]; i += 1 }
                let scale = 1 / (total / Float(width) + epsilon).squareRoot()
                for j in 0..<width { target[j] = (row[j] * scale) * g[j] }
            }
        }
    }

    /// `x[r] += bias` for each row.
    static func addBias(_ x: UnsafeMutablePointer<Float>, rows: Int, bias: [Float]) {
        bias.withUnsafeBufferPointer { b in
            for r in 0..<rows { for j in 0..<b.count { x[r * b.count + j] += b[j] } }
        }
    }

    /// `into += x`.
    static func add(_ x: UnsafePointer<Float>, into y: UnsafeMutablePointer<Float>, count: Int) {
        var i = 0
        while i + 8 <= count {
            let sum = UnsafeRawPointer(y + i).loadUnaligned(as: SIMD8<Float>.self) + UnsafeRawPointer(x + i).loadUnaligned(as: SIMD8<Float>.self)
            UnsafeMutableRawPointer(y + i).storeBytes(of: sum, as: SIMD8<Float>.self)
            i += 8
        }
        while i < count { y[i] += x[i]; i += 1 }
    }

    /// `gate = SiLU(gate) ⊙ up`.
    static func swiGLU(gate: UnsafeMutablePointer<Float>, up: UnsafePointer<Float>, count: Int) {
        Parallel.forChunks(count / 8, minimumChunk: 256) { range in
            for block in range {
                let i = block * 8
                let g = UnsafeRawPointer(gate + i).loadUnaligned(as: SIMD8<Float>.self)
                let u = UnsafeRawPointer(up + i).loadUnaligned(as: SIMD8<Float>.self)
                UnsafeMutableRawPointer(gate + i).storeBytes(of: g * VectorMath.sigmoid(g) * u, as: SIMD8<Float>.self)
            }
        }
        for i in (count / 8 * 8)..<count { gate[i] = gate[i] / (1 + Foundation.exp(-gate[i])) * up[i] }
    }

    /// Rotates each head of `vector` by `position · θᵢ` on its rotated pairs (RoPE).
    static func rope(_ vector: UnsafeMutablePointer<Float>, heads: Int, configuration c: LlamaConfiguration, position: Int,
                     inverseFrequencies: [Float]) {
        let pairs = c.rotaryDimensions / 2
        inverseFrequencies.withUnsafeBufferPointer { frequencies in
            for i in 0..<pairs {
                let angle = Float(position) * frequencies[i]
                let cosine = Foundation.cos(angle), sine = Foundation.sin(angle)
                for h in 0..<heads {
                    let head = vector + h * c.headDimension
                    let (a, b) = c.rotaryStyle == .adjacentPairs ? (2 * i, 2 * i + 1) : (i, i + pairs)
                    let x0 = head[a], x1 = head[b]
                    head[a] = x0 * cosine - x1 * sine
                    head[b] = x0 * sine + x1 * cosine
                }
            }
        }
    }

    /// Causal grouped-query attention of each row's query heads over its sequence's cached keys and values
    /// (positions `0...position`), into `out` (`rows × queryWidth`).
    static func attention(query: UnsafePointer<Float>, rows: Int, configuration c: LlamaConfiguration, layer: Int,
                          caches: [LlamaKVCache], rowSequence: [Int], rowPosition: [Int], into out: UnsafeMutablePointer<Float>) {
        let headDimension = c.headDimension
        let group = c.headCount / c.keyValueHeadCount
        let scale = 1 / Float(headDimension).squareRoot()
        let kvWidth = c.keyValueWidth
        let maximumPositions = (rowPosition.max() ?? 0) + 1
        Parallel.forChunks(rows * c.headCount, minimumChunk: 4) { range in
            let scores = UnsafeMutablePointer<Float>.allocate(capacity: maximumPositions)
            defer { scores.deallocate() }
            for task in range {
                let r = task / c.headCount, h = task % c.headCount
                let cache = caches[rowSequence[r]]
                let keys = UnsafePointer(cache.keys[layer]), values = UnsafePointer(cache.values[layer])
                let kvHead = h / group
                let q = query + r * c.queryWidth + h * headDimension
                let length = rowPosition[r] + 1
                var maximum = -Float.infinity
                for p in 0..<length {
                    let k = keys + p * kvWidth + kvHead * headDimension
                    var dot = SIMD8<Float>(repeating: 0)
                    var d = 0
                    while d + 8 <= headDimension {
                        dot.addProduct(UnsafeRawPointer(q + d).loadUnaligned(as: SIMD8<Float>.self), UnsafeRawPointer(k + d).loadUnaligned(as: SIMD8<Float>.self))
                        d += 8
                    }
                    var s = dot.sum()
                    while d < headDimension { s += q[d] * k[d]; d += 1 }
                    s *= scale
                    scores[p] = s
                    maximum = max(maximum, s)
                }
                var total: Float = 0
                for p in 0..<length {
                    let e = Foundation.exp(scores[p] - maximum)
                    scores[p] = e
                    total += e
                }
                let target = out + r * c.queryWidth + h * headDimension
                for d in 0..<headDimension { target[d] = 0 }
                let inverse = 1 / total
                for p in 0..<length {
                    let weight = scores[p] * inverse
                    let v = values + p * kvWidth + kvHead * headDimension
                    for d in 0..<headDimension { target[d] += weight * v[d] }
                }
            }
        }
    }
}
