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
    ///
    /// Work is split into tasks of (up to 4 consecutive rows of one sequence) × (one key/value head): the task's
    /// queries — those rows' query heads of that group — walk the cache together in blocks of 64 positions, so
    /// each block of keys and values is read from L2 once and reused from L1 by every query. Every score and
    /// every output element is still the same chain of operations as for one query alone (a dot product over
    /// the head dimension; `softmax` with a Double total; `Σ_p w_p·v_p` in position order), so results do not
    /// depend on the blocking.
    ///
    /// Every cache of one pass has the same ``LlamaKVCache/Precision`` (the model's); f16 keys and values are
    /// widened with `vcvtph2ps` a block of positions at a time, once per task, into a float copy every query reads.
    static func attention(query: UnsafePointer<Float>, rows: Int, configuration c: LlamaConfiguration, layer: Int,
                          caches: [LlamaKVCache], rowSequence: [Int], rowPosition: [Int], into out: UnsafeMutablePointer<Float>) {
        let precision = caches.first?.precision ?? .float32
        precondition(caches.allSatisfy { $0.precision == precision }, "LlamaKernels.attention: caches of one pass differ in precision")
        switch precision {
        case .float32: attention(Float.self, query: query, rows: rows, configuration: c, layer: layer, caches: caches,
                                 rowSequence: rowSequence, rowPosition: rowPosition, into: out)
        case .float16: attention(Float16.self, query: query, rows: rows, configuration: c, layer: layer, caches: caches,
                                 rowSequence: rowSequence, rowPosition: rowPosition, into: out)
        }
    }

    static func attention<Element: KVCacheElement>(_ element: Element.Type, query: UnsafePointer<Float>, rows: Int,
                                                   configuration c: LlamaConfiguration, layer: Int, caches: [LlamaKVCache],
                                                   rowSequence: [Int], rowPosition: [Int], into out: UnsafeMutablePointer<Float>) {
        let headDimension = c.headDimension
        let group = c.headCount / c.keyValueHeadCount
        let kvHeads = c.keyValueHeadCount
        let scale = 1 / Float(headDimension).squareRoot()
        let kvWidth = c.keyValueWidth, queryWidth = c.queryWidth
        let maximumPositions = (rowPosition.max() ?? 0) + 1
        let positionBlock = 64, rowsPerBlock = 4
        var rowBlocks = [Range<Int>]()
        var start = 0
        while start < rows {
            var end = start + 1
            while end < rows && end - start < rowsPerBlock && rowSequence[end] == rowSequence[start] { end += 1 }
            rowBlocks.append(start..<end)
            start = end
        }
        // Causal rows late in a prompt attend over many more positions than early ones, so contiguous ranges of
        // tasks would leave one thread with most of the work: each chunk takes every n-th task instead.
        let tasks = rowBlocks.count * kvHeads
        let chunks = max(1, min(tasks, 4 * Parallel.threadCount))
        let vectorWidth = headDimension / 8 * 8
        @inline(__always) func load(_ pointer: UnsafePointer<Float>) -> SIMD8<Float> {
            UnsafeRawPointer(pointer).loadUnaligned(as: SIMD8<Float>.self)
        }
        let widens = Element.self != Float.self
        Parallel.run(tasks: chunks) { chunk in
            let scoreBuffer = UnsafeMutablePointer<Float>.allocate(capacity: rowsPerBlock * group * maximumPositions)
            let widened = UnsafeMutablePointer<Float>.allocate(capacity: widens ? positionBlock * headDimension : 0)
            defer { scoreBuffer.deallocate(); widened.deallocate() }
            /// Positions `start..<end` of one head (`source` at position 0, `kvWidth` apart) widened to floats in
            /// `widened` (stride `headDimension`).
            @inline(__always) func widen(_ source: UnsafePointer<Element>, _ start: Int, _ end: Int) -> (UnsafePointer<Float>, Int) {
                for p in start..<end {
                    let from = source + p * kvWidth, to = widened + (p - start) * headDimension
                    var d = 0
                    while d < vectorWidth { UnsafeMutableRawPointer(to + d).storeBytes(of: Element.load8(from + d), as: SIMD8<Float>.self); d += 8 }
                    while d < headDimension { to[d] = from[d].floatValue; d += 1 }
                }
                return (UnsafePointer(widened), headDimension)
            }
            for task in stride(from: chunk, to: tasks, by: chunks) {
                let block = rowBlocks[task / kvHeads], kvHead = task % kvHeads
                let cache = caches[rowSequence[block.lowerBound]]
                let keys = UnsafePointer(cache.keys[layer].assumingMemoryBound(to: Element.self)) + kvHead * headDimension
                let values = UnsafePointer(cache.values[layer].assumingMemoryBound(to: Element.self)) + kvHead * headDimension
                let queryCount = block.count * group
                var longest = 0
                for r in block { longest = max(longest, rowPosition[r] + 1) }
                @inline(__always) func row(_ j: Int) -> Int { block.lowerBound + j / group }
                @inline(__always) func queryPointer(_ j: Int) -> UnsafePointer<Float> {
                    query + row(j) * queryWidth + (kvHead * group + j % group) * headDimension
                }
                @inline(__always) func target(_ j: Int) -> UnsafeMutablePointer<Float> {
                    out + row(j) * queryWidth + (kvHead * group + j % group) * headDimension
                }

                // f16 caches: with more than 4 queries (prefill; decoding with wide groups), each block of keys and
                // values is widened to float once and read by every query from L1; with fewer (decoding SmolLM2: 3)
                // the queries widen as they read, which writes nothing. The conversion is exact: the same results.
                let widensHere = widens && queryCount > 4
                /// Scores of every query for positions `blockStart..<blockEnd`, the keys read from `keyBlock` (position
                /// `blockStart` first, `kvStride` apart) — f16 widened as read, or floats.
                @inline(__always) func scoreQueries<E: KVCacheElement>(_ keyBlock: UnsafePointer<E>, _ kvStride: Int, _ blockStart: Int, _ blockEnd: Int) {
                    @inline(__always) func read(_ pointer: UnsafePointer<E>) -> SIMD8<Float> { E.load8(pointer) }
                    for j in 0..<queryCount {
                        let end = min(blockEnd, rowPosition[row(j)] + 1)
                        if blockStart >= end { continue }
                        let q = queryPointer(j), scores = scoreBuffer + j * maximumPositions
                        @inline(__always) func finish(_ dot: SIMD8<Float>, _ k: UnsafePointer<E>) -> Float {
                            var s = dot.sum()
                            var d = vectorWidth
                            while d < headDimension { s += q[d] * k[d].floatValue; d += 1 }
                            return s * scale
                        }
                        // Eight positions at a time: eight independent FMA chains.
                        var p = blockStart
                        while p + 8 <= end {
                            let k0 = keyBlock + (p - blockStart) * kvStride
                            var dots = (SIMD8<Float>(repeating: 0), SIMD8<Float>(repeating: 0), SIMD8<Float>(repeating: 0), SIMD8<Float>(repeating: 0),
                                        SIMD8<Float>(repeating: 0), SIMD8<Float>(repeating: 0), SIMD8<Float>(repeating: 0), SIMD8<Float>(repeating: 0))
                            var d = 0
                            while d < vectorWidth {
                                let qd = load(q + d)
                                dots.0.addProduct(qd, read(k0 + d)); dots.1.addProduct(qd, read(k0 + kvStride + d))
                                dots.2.addProduct(qd, read(k0 + 2 * kvStride + d)); dots.3.addProduct(qd, read(k0 + 3 * kvStride + d))
                                dots.4.addProduct(qd, read(k0 + 4 * kvStride + d)); dots.5.addProduct(qd, read(k0 + 5 * kvStride + d))
                                dots.6.addProduct(qd, read(k0 + 6 * kvStride + d)); dots.7.addProduct(qd, read(k0 + 7 * kvStride + d))
                                d += 8
                            }
                            scores[p] = finish(dots.0, k0); scores[p + 1] = finish(dots.1, k0 + kvStride)
                            scores[p + 2] = finish(dots.2, k0 + 2 * kvStride); scores[p + 3] = finish(dots.3, k0 + 3 * kvStride)
                            scores[p + 4] = finish(dots.4, k0 + 4 * kvStride); scores[p + 5] = finish(dots.5, k0 + 5 * kvStride)
                            scores[p + 6] = finish(dots.6, k0 + 6 * kvStride); scores[p + 7] = finish(dots.7, k0 + 7 * kvStride)
                            p += 8
                        }
                        while p < end {
                            let k = keyBlock + (p - blockStart) * kvStride
                            var dot = SIMD8<Float>(repeating: 0)
                            var d = 0
                            while d < vectorWidth { dot.addProduct(load(q + d), read(k + d)); d += 8 }
                            scores[p] = finish(dot, k)
                            p += 1
                        }
                    }
                }
                /// Adds `Σ_p weight_p · v_p` over positions `blockStart..<blockEnd` to every query's output, the values read
                /// from `valueBlock` (position `blockStart` first, `kvStride` apart).
                @inline(__always) func weighValues<E: KVCacheElement>(_ valueBlock: UnsafePointer<E>, _ kvStride: Int, _ blockStart: Int, _ blockEnd: Int) {
                    @inline(__always) func read(_ pointer: UnsafePointer<E>) -> SIMD8<Float> { E.load8(pointer) }
                    let first = blockStart == 0
                    for j in 0..<queryCount {
                        let end = min(blockEnd, rowPosition[row(j)] + 1)
                        if blockStart >= end { continue }
                        let scores = scoreBuffer + j * maximumPositions, t = target(j)
                        @inline(__always) func start(_ d: Int) -> SIMD8<Float> {
                            first ? SIMD8<Float>(repeating: 0) : UnsafeRawPointer(t + d).loadUnaligned(as: SIMD8<Float>.self)
                        }
                        @inline(__always) func store(_ a: SIMD8<Float>, _ d: Int) {
                            UnsafeMutableRawPointer(t + d).storeBytes(of: a, as: SIMD8<Float>.self)
                        }
                        var d = 0
                        while d + 64 <= vectorWidth {
                            var a0 = start(d), a1 = start(d + 8), a2 = start(d + 16), a3 = start(d + 24)
                            var a4 = start(d + 32), a5 = start(d + 40), a6 = start(d + 48), a7 = start(d + 56)
                            for p in blockStart..<end {
                                let v = valueBlock + (p - blockStart) * kvStride + d
                                let splat = SIMD8<Float>(repeating: scores[p])
                                a0.addProduct(splat, read(v)); a1.addProduct(splat, read(v + 8))
                                a2.addProduct(splat, read(v + 16)); a3.addProduct(splat, read(v + 24))
                                a4.addProduct(splat, read(v + 32)); a5.addProduct(splat, read(v + 40))
                                a6.addProduct(splat, read(v + 48)); a7.addProduct(splat, read(v + 56))
                            }
                            store(a0, d); store(a1, d + 8); store(a2, d + 16); store(a3, d + 24)
                            store(a4, d + 32); store(a5, d + 40); store(a6, d + 48); store(a7, d + 56)
                            d += 64
                        }
                        while d + 32 <= vectorWidth {
                            var a0 = start(d), a1 = start(d + 8), a2 = start(d + 16), a3 = start(d + 24)
                            for p in blockStart..<end {
                                let v = valueBlock + (p - blockStart) * kvStride + d
                                let splat = SIMD8<Float>(repeating: scores[p])
                                a0.addProduct(splat, read(v)); a1.addProduct(splat, read(v + 8))
                                a2.addProduct(splat, read(v + 16)); a3.addProduct(splat, read(v + 24))
                            }
                            store(a0, d); store(a1, d + 8); store(a2, d + 16); store(a3, d + 24)
                            d += 32
                        }
                        while d < vectorWidth {
                            var a0 = start(d)
                            for p in blockStart..<end { a0.addProduct(SIMD8<Float>(repeating: scores[p]), read(valueBlock + (p - blockStart) * kvStride + d)) }
                            store(a0, d)
                            d += 8
                        }
                        while d < headDimension {
                            var a: Float = first ? 0 : t[d]
                            for p in blockStart..<end { a += scores[p] * valueBlock[(p - blockStart) * kvStride + d].floatValue }
                            t[d] = a
                            d += 1
                        }
                    }
                }

                // Scores q·k / √d, a block of positions at a time for every query.
                var blockStart = 0
                while blockStart < longest {
                    let blockEnd = min(blockStart + positionBlock, longest)
                    if widensHere {
                        let (keyBlock, kvStride) = widen(keys, blockStart, blockEnd)
                        scoreQueries(keyBlock, kvStride, blockStart, blockEnd)
                    } else {
                        scoreQueries(keys + blockStart * kvWidth, kvWidth, blockStart, blockEnd)
                    }
                    blockStart = blockEnd
                }

                // Softmax of each query's scores, as weights.
                for j in 0..<queryCount {
                    let length = rowPosition[row(j)] + 1
                    let scores = scoreBuffer + j * maximumPositions
                    // The maximum (exact in any order), then eˢ⁻ᵐᵃˣ eight at a time with Flint's vectorised exp
                    // (≤ 1.02 ulp; the tail through the same code), each vector's float total added to a double,
                    // as llama.cpp's `ggml_vec_soft_max_f32` sums on AVX2 (its exp is a different polynomial of
                    // ≤ 1.5 ulp: porting it moved no logit closer to llama.cpp's on the reference fixtures).
                    var maxima = SIMD8<Float>(repeating: -.infinity)
                    var p = 0
                    while p + 8 <= length { maxima = pointwiseMax(maxima, load(scores + p)); p += 8 }
                    let quarter = pointwiseMax(maxima.lowHalf, maxima.highHalf), pair = pointwiseMax(quarter.lowHalf, quarter.highHalf)
                    var maximum = max(pair[0], pair[1])
                    while p < length { maximum = max(maximum, scores[p]); p += 1 }
                    var total: Double = 0
                    let shift = SIMD8<Float>(repeating: maximum)
                    p = 0
                    while p + 8 <= length {
                        let e = VectorMath.exp(load(scores + p) - shift)
                        UnsafeMutableRawPointer(scores + p).storeBytes(of: e, as: SIMD8<Float>.self)
                        total += Double(e.sum())
                        p += 8
                    }
                    while p < length {
                        let e = VectorMath.exp(scores[p] - maximum)
                        scores[p] = e
                        total += Double(e)
                        p += 1
                    }
                    let inverse = Float(1 / total)
                    for p in 0..<length { scores[p] *= inverse }
                }

                // Σ_p weight_p · v_p, a block of positions at a time for every query; within a block 64 (then
                // 32, 8) dimensions are held in registers (each element: one chain of FMAs in position order).
                blockStart = 0
                while blockStart < longest {
                    let blockEnd = min(blockStart + positionBlock, longest)
                    if widensHere {
                        let (valueBlock, kvStride) = widen(values, blockStart, blockEnd)
                        weighValues(valueBlock, kvStride, blockStart, blockEnd)
                    } else {
                        weighValues(values + blockStart * kvWidth, kvWidth, blockStart, blockEnd)
                    }
                    blockStart = blockEnd
                }
            }
        }
    }
}
