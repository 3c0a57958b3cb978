import Flint
import Foundation

/// The element-wise and attention kernels of ``LlamaModel``'s forward pass (float32, SIMD).
enum LlamaKernels {
    /// `out[r] = x[r] / √(mean(x[r]²) + ε) ⊙ weight` for each row (`out` may be `x`).
    static func rmsNorm(_ x: UnsafeMutablePointer<Float>, rows: Int, width: Int, weight: [Float], epsilon: Float,
                        into out: UnsafeMutablePointer<Float>) {
        // ggml's numerics: Σ x² with each square in float and the sum in double, scale = 1/sqrtf(mean + ε)
        // in float, y = x · scale, then y · weight (two roundings).
        weight.withUnsafeBufferPointer { g in
            for r in 0..<rows {
                let row = x + r * width, target = out + r * width
                var total: Double = 0
                for j in 0..<width { total += Double(row[j] * row[j]) }
                let mean = Float(total / Double(width))
                let scale = 1 / (mean + epsilon).squareRoot()
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
                // silu(g) = g / (1 + e^(−g)), as ggml writes it.
                UnsafeMutableRawPointer(gate + i).storeBytes(of: g / (VectorMath.exp(-g) + 1) * u, as: SIMD8<Float>.self)
            }
        }
        for i in (count / 8 * 8)..<count { gate[i] = gate[i] / (1 + Foundation.exp(-gate[i])) * up[i] }
    }

    /// Rotates each query and key head of one row by its position (RoPE), with ggml's numerics:
    /// `θ₀ = p`, `θᵢ₊₁ = θᵢ · base^(−2/d_rot)` (repeated float multiplication, `powf`), angle
    /// `freq_scale · θᵢ / factorᵢ`, `cosf`/`sinf`, and the rotation as the FMAs GCC makes of ggml's
    /// `x0·cos − x1·sin`, `x0·sin + x1·cos`. `llama` rotates adjacent pairs (x₂ᵢ, x₂ᵢ₊₁); `qwen2` the halves
    /// (xᵢ, xᵢ₊d/2).
    static func rope(query: UnsafeMutablePointer<Float>, key: UnsafeMutablePointer<Float>, configuration c: LlamaConfiguration,
                     position: Int, factors: [Float]?) {
        let pairs = c.rotaryDimensions / 2
        let thetaScale = Foundation.powf(Float(c.ropeBase), -2 / Float(c.rotaryDimensions))
        let frequencyScale = Float(c.ropeFrequencyScale)
        withUnsafeTemporaryAllocation(of: Float.self, capacity: 2 * pairs) { table in
            var theta = Float(position)
            for i in 0..<pairs {
                let base = factors.map { theta / $0[i] } ?? theta
                let angle = frequencyScale * base
                table[2 * i] = Foundation.cosf(angle)
                table[2 * i + 1] = Foundation.sinf(angle)
                theta *= thetaScale
            }
            func rotate(_ vector: UnsafeMutablePointer<Float>, heads: Int) {
                for h in 0..<heads {
                    let head = vector + h * c.headDimension
                    for i in 0..<pairs {
                        let cosine = table[2 * i], sine = table[2 * i + 1]
                        let (a, b) = c.rotaryStyle == .adjacentPairs ? (2 * i, 2 * i + 1) : (i, i + pairs)
                        let x0 = head[a], x1 = head[b]
                        head[a] = (-(x1 * sine)).addingProduct(x0, cosine)
                        head[b] = (x1 * cosine).addingProduct(x0, sine)
                    }
                }
            }
            rotate(query, heads: c.headCount)
            rotate(key, heads: c.keyValueHeadCount)
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
        // Causal rows late in a prompt attend over many more positions than early ones, so contiguous ranges of
        // (row, head) tasks would leave one thread with most of the work: each chunk takes every n-th task instead.
        let tasks = rows * c.headCount
        let chunks = max(1, min(tasks, 4 * Parallel.threadCount))
        Parallel.run(tasks: chunks) { chunk in
            let scores = UnsafeMutablePointer<Float>.allocate(capacity: maximumPositions)
            defer { scores.deallocate() }
            for task in stride(from: chunk, to: tasks, by: chunks) {
                let r = task / c.headCount, h = task % c.headCount
                let cache = caches[rowSequence[r]]
                let keys = UnsafePointer(cache.keys[layer]), values = UnsafePointer(cache.values[layer])
                let kvHead = h / group
                let q = query + r * c.queryWidth + h * headDimension
                let length = rowPosition[r] + 1
                var maximum = -Float.infinity
                let vectorWidth = headDimension / 8 * 8
                @inline(__always) func load(_ pointer: UnsafePointer<Float>) -> SIMD8<Float> {
                    UnsafeRawPointer(pointer).loadUnaligned(as: SIMD8<Float>.self)
                }
                @inline(__always) func finish(_ dot: SIMD8<Float>, _ k: UnsafePointer<Float>) -> Float {
                    var s = dot.sum()
                    var d = vectorWidth
                    while d < headDimension { s += q[d] * k[d]; d += 1 }
                    return s * scale
                }
                // Four positions at a time: four independent FMA chains.
                var p = 0
                while p + 4 <= length {
                    let k0 = keys + p * kvWidth + kvHead * headDimension
                    let k1 = k0 + kvWidth, k2 = k1 + kvWidth, k3 = k2 + kvWidth
                    var dot0 = SIMD8<Float>(repeating: 0), dot1 = dot0, dot2 = dot0, dot3 = dot0
                    var d = 0
                    while d < vectorWidth {
                        let qd = load(q + d)
                        dot0.addProduct(qd, load(k0 + d)); dot1.addProduct(qd, load(k1 + d))
                        dot2.addProduct(qd, load(k2 + d)); dot3.addProduct(qd, load(k3 + d))
                        d += 8
                    }
                    scores[p] = finish(dot0, k0); scores[p + 1] = finish(dot1, k1)
                    scores[p + 2] = finish(dot2, k2); scores[p + 3] = finish(dot3, k3)
                    maximum = max(maximum, scores[p], scores[p + 1], scores[p + 2], scores[p + 3])
                    p += 4
                }
                while p < length {
                    let k = keys + p * kvWidth + kvHead * headDimension
                    var dot = SIMD8<Float>(repeating: 0)
                    var d = 0
                    while d < vectorWidth { dot.addProduct(load(q + d), load(k + d)); d += 8 }
                    scores[p] = finish(dot, k)
                    maximum = max(maximum, scores[p])
                    p += 1
                }
                var total: Double = 0
                for p in 0..<length {
                    let e = Foundation.expf(scores[p] - maximum)
                    scores[p] = e
                    total += Double(e)
                }
                let target = out + r * c.queryWidth + h * headDimension
                let inverse = Float(1 / total)
                for p in 0..<length { scores[p] *= inverse }
                // Σ_p weight_p · v_p, 32 dimensions at a time held in four registers over every position (each
                // element is the same chain of FMAs in position order as one accumulator per element).
                let valueBase = values + kvHead * headDimension
                var d = 0
                while d + 32 <= vectorWidth {
                    var a0 = SIMD8<Float>(repeating: 0), a1 = a0, a2 = a0, a3 = a0
                    for p in 0..<length {
                        let v = valueBase + p * kvWidth + d
                        let splat = SIMD8<Float>(repeating: scores[p])
                        a0.addProduct(splat, load(v)); a1.addProduct(splat, load(v + 8))
                        a2.addProduct(splat, load(v + 16)); a3.addProduct(splat, load(v + 24))
                    }
                    let t = UnsafeMutableRawPointer(target + d)
                    t.storeBytes(of: a0, as: SIMD8<Float>.self); t.storeBytes(of: a1, toByteOffset: 32, as: SIMD8<Float>.self)
                    t.storeBytes(of: a2, toByteOffset: 64, as: SIMD8<Float>.self); t.storeBytes(of: a3, toByteOffset: 96, as: SIMD8<Float>.self)
                    d += 32
                }
                while d < vectorWidth {
                    var a0 = SIMD8<Float>(repeating: 0)
                    for p in 0..<length { a0.addProduct(SIMD8<Float>(repeating: scores[p]), load(valueBase + p * kvWidth + d)) }
                    UnsafeMutableRawPointer(target + d).storeBytes(of: a0, as: SIMD8<Float>.self)
                    d += 8
                }
                while d < headDimension {
                    var a: Float = 0
                    for p in 0..<length { a += scores[p] * valueBase[p * kvWidth + d] }
                    target[d] = a
                    d += 1
                }
            }
        }
    }
}
