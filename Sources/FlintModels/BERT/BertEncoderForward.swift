import Foundation
import Flint

extension BertEncoder {
    /// Runs the encoder over a packed batch and hands `body` the final hidden states `[N, H]`
    /// (valid only inside `body`: the buffer goes back to the workspace pool afterwards).
    func encode<Result>(_ batch: BertPackedBatch, _ body: (UnsafeMutablePointer<Float>) -> Result) -> Result {
        let n = batch.tokenCount
        let workspace = workspaces.take(tokenCount: n)
            ?? BertEncoderWorkspace(tokenCount: n, hiddenSize: configuration.hiddenSize,
                                    intermediateSize: configuration.intermediateSize, threads: Parallel.threadCount)
        defer { workspaces.give(workspace) }
        if n > 0 {
            embed(batch, into: workspace.hidden)
            workspace.reserveScores(longestSequence: batch.longest)
            for layer in layers { run(layer, batch, workspace) }
        }
        return body(workspace.hidden)
    }

    /// hidden ← LayerNorm(word[id] + position[p] + tokenType[t]) for every packed token.
    func embed(_ batch: BertPackedBatch, into hidden: UnsafeMutablePointer<Float>) {
        let h = configuration.hiddenSize
        let epsilon = Float(configuration.layerNormEpsilon)
        let word = UnsafePointer(wordEmbeddings.pointer(as: Float.self))
        let position = UnsafePointer(positionEmbeddings.pointer(as: Float.self))
        let type = UnsafePointer(tokenTypeEmbeddings.pointer(as: Float.self))
        let gamma = UnsafePointer(embeddingNormWeight.pointer(as: Float.self))
        let beta = UnsafePointer(embeddingNormBias.pointer(as: Float.self))
        batch.tokenIds.withUnsafeBufferPointer { ids in
            batch.tokenTypes.withUnsafeBufferPointer { types in
                batch.offsets.withUnsafeBufferPointer { offsets in
                    Parallel.forChunks(batch.sequenceCount) { sequences in
                        for s in sequences {
                            let start = offsets[s], end = offsets[s + 1]
                            for t in start..<end {
                                let row = hidden + t * h
                                let w = word + Int(ids[t]) * h, p = position + (t - start) * h, y = type + Int(types[t]) * h
                                let vectorEnd = h & ~7
                                var j = 0
                                while j < vectorEnd {
                                    storeVector(loadVector(w + j) + loadVector(p + j) + loadVector(y + j), row + j)
                                    j += 8
                                }
                                while j < h { row[j] = w[j] + p[j] + y[j]; j += 1 }
                            }
                            BertEncoderKernels.addBiasLayerNorm(hidden, rows: start..<end, width: h, bias: nil,
                                                                gamma: gamma, beta: beta, epsilon: epsilon)
                        }
                    }
                }
            }
        }
    }

    /// One encoder layer over all packed tokens, in place on `workspace.hidden`.
    func run(_ layer: BertEncoderLayerWeights, _ batch: BertPackedBatch, _ workspace: BertEncoderWorkspace) {
        let n = batch.tokenCount, h = configuration.hiddenSize, intermediate = configuration.intermediateSize
        let epsilon = Float(configuration.layerNormEpsilon)
        let hidden = workspace.hidden
        let queryKeyValue = workspace.queryKeyValue
        let context = workspace.context(hiddenSize: h)
        // Q|K|V = hidden · W_qkvᵀ + b_qkv.
        layer.queryKeyValue.parallelMultiply(hidden, leadingDimensionA: h, rows: n, into: queryKeyValue,
                                             leadingDimensionC: 3 * h, epilogue: .bias(layer.queryKeyValueBias.pointer(as: Float.self)))
        attention(batch, queryKeyValue: queryKeyValue, context: context, workspace: workspace)
        // hidden ← LayerNorm(hidden + context · W_oᵀ + b_o).
        layer.attentionOutput.parallelMultiply(context, leadingDimensionA: h, rows: n, into: hidden, leadingDimensionC: h,
                                               accumulate: true, epilogue: .bias(layer.attentionOutputBias.pointer(as: Float.self)))
        normalizeRows(hidden, count: n, gamma: layer.attentionNormWeight, beta: layer.attentionNormBias, epsilon: epsilon)
        // intermediate ← activation(hidden · W_1ᵀ + b_1).
        let inner = workspace.intermediate
        let bias = UnsafePointer(layer.intermediateBias.pointer(as: Float.self))
        let epilogue: PackedLinearEpilogue
        switch activation {
        case .gelu: epilogue = .biasGELU(bias)
        case .geluTanh: epilogue = .biasGELUTanh(bias)
        case .relu: epilogue = .biasReLU(bias)
        }
        layer.intermediate.parallelMultiply(hidden, leadingDimensionA: h, rows: n, into: inner,
                                            leadingDimensionC: intermediate, epilogue: epilogue)
        // hidden ← LayerNorm(hidden + intermediate · W_2ᵀ + b_2).
        layer.output.parallelMultiply(inner, leadingDimensionA: intermediate, rows: n, into: hidden, leadingDimensionC: h,
                                      accumulate: true, epilogue: .bias(layer.outputBias.pointer(as: Float.self)))
        normalizeRows(hidden, count: n, gamma: layer.outputNormWeight, beta: layer.outputNormBias, epsilon: epsilon)
    }

    /// rows ← LayerNorm(rows), split over the threads.
    func normalizeRows(_ x: UnsafeMutablePointer<Float>, count: Int, gamma: Tensor, beta: Tensor, epsilon: Float) {
        let h = configuration.hiddenSize
        let pg = UnsafePointer(gamma.pointer(as: Float.self))
        let pbeta = UnsafePointer(beta.pointer(as: Float.self))
        let tasks = max(1, min(4 * Parallel.threadCount, count / 8))
        Parallel.run(tasks: tasks) { t in
            BertEncoderKernels.addBiasLayerNorm(x, rows: count * t / tasks..<count * (t + 1) / tasks, width: h, bias: nil,
                                                gamma: pg, beta: pbeta, epsilon: epsilon)
        }
    }

    /// context[s, head] = softmax(Q_h K_hᵀ/√d) V_h for every sequence and head (biases already added).
    ///
    /// The (sequence, head) items are split into one contiguous run per thread with about equal
    /// work (T² each); each thread uses its own score scratch.
    func attention(_ batch: BertPackedBatch, queryKeyValue: UnsafeMutablePointer<Float>,
                   context: UnsafeMutablePointer<Float>, workspace: BertEncoderWorkspace) {
        let h = configuration.hiddenSize, heads = configuration.attentionHeadCount, d = h / heads
        let rowStride = 3 * h
        let scale = 1 / Float(d).squareRoot()
        let items = batch.sequenceCount * heads
        // Several runs per thread, taken dynamically (see PackedLinearWeight.parallelMultiply).
        let threads = min(workspace.scoreSlots, items)
        // Split points by cumulative cost (T² + T·d per item).
        var cost = [Int](repeating: 0, count: items + 1)
        for s in 0..<batch.sequenceCount {
            let t = batch.length(of: s)
            for head in 0..<heads { cost[s * heads + head + 1] = cost[s * heads + head] + t * t + t * d }
        }
        let total = cost[items]
        var splits = [0]
        var item = 0
        for thread in 1..<max(threads, 1) {
            let target = total * thread / threads
            while item < items && cost[item] < target { item += 1 }
            splits.append(item)
        }
        splits.append(items)
        let scratchStride = workspace.scoresPerSlot
        let scores = workspace.scores
        batch.offsets.withUnsafeBufferPointer { offsets in
            splits.withUnsafeBufferPointer { splits in
                Parallel.run(tasks: splits.count - 1) { thread in
                    let scratch = scores + thread * scratchStride
                    for index in splits[thread]..<splits[thread + 1] {
                        let s = index / heads, head = index % heads
                        let start = offsets[s], length = offsets[s + 1] - start
                        if length == 0 { continue }
                        let q = queryKeyValue + start * rowStride + head * d
                        let k = q + h, v = q + 2 * h
                        GEMM.multiply(q, leadingDimensionA: rowStride, k, leadingDimensionB: rowStride, transposeB: true,
                                      into: scratch, leadingDimensionC: length, m: length, n: length, k: d, alpha: scale)
                        BertEncoderKernels.softmaxRows(scratch, rows: length, width: length, stride: length)
                        GEMM.multiply(scratch, leadingDimensionA: length, v, leadingDimensionB: rowStride,
                                      into: context + start * h + head * d, leadingDimensionC: h, m: length, n: d, k: length)
                    }
                }
            }
        }
    }
}
