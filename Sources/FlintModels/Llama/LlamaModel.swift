import Flint
import Foundation

/// A Llama-family decoder (`llama`, `qwen2`) running on the quantized weights of a GGUF file.
///
/// Per layer, for activations `x` (one row per token):
///
///     h = RMSNorm(x) ⊙ g_attn                       RMSNorm(x) = x / √(mean(x²) + ε)
///     q, k, v = h·Wqᵀ (+b_q), h·Wkᵀ (+b_k), h·Wvᵀ (+b_v);  RoPE(q), RoPE(k) at each token's position
///     x += softmax(q·Kᵀ / √d_head + causal mask)·V · Woᵀ        (grouped-query: kv head = head / (H / H_kv))
///     h = RMSNorm(x) ⊙ g_ffn
///     x += (SiLU(h·W_gateᵀ) ⊙ h·W_upᵀ)·W_downᵀ                  SiLU(z) = z / (1 + e^(−z))
///
/// then `logits = RMSNorm(x) ⊙ g_out · W_outᵀ` for the rows whose next token is sampled.
///
/// ``forward(_:)`` takes rows from several sequences at once (each with its own ``LlamaKVCache`` and
/// positions): the matrix products read each weight row once for all of them — a prompt's prefill and
/// a step of several sequences decoding together are the same call.
public final class LlamaModel: @unchecked Sendable {
    public let configuration: LlamaConfiguration
    public let weights: LlamaWeights
    /// The GGUF file the weights are mapped from.
    public let file: GGUFFile
    private let lock = NSLock()
    /// Tests set a small ``maximumRowsPerPass`` to exercise chunked prefill on short prompts.
    var rowsPerPassOverride: Int?
    private var workspace = LlamaWorkspace()

    /// Loads the model of a GGUF file: maps it, reads and checks the configuration and every weight.
    public convenience init(path: String) throws {
        try self.init(file: GGUFFile(path: path))
    }

    /// The model of an opened GGUF file.
    public init(file: GGUFFile) throws {
        self.file = file
        configuration = try LlamaConfiguration(file.header)
        let weights = try LlamaWeights(file: file, configuration: configuration)
        self.weights = weights
    }

    /// A new, empty KV cache for one sequence of at most `capacity` positions (default: the model's
    /// context length), storing keys and values in `precision`.
    public func makeCache(capacity: Int? = nil, precision: LlamaKVCache.Precision = .float32) -> LlamaKVCache {
        LlamaKVCache(configuration: configuration, capacity: min(capacity ?? configuration.contextLength, configuration.contextLength),
                     precision: precision)
    }

    /// One sequence's share of a forward pass: tokens appended at the end of its cache.
    public struct Segment {
        public let cache: LlamaKVCache
        public let tokens: [Int]
        /// Whether to return logits for this segment's last token (a prefill whose continuation is sampled,
        /// or a decoding step), or for all its tokens (perplexity, prompt log-probabilities).
        public let logits: LogitRows

        public enum LogitRows: Sendable {
            case none, last, all
            /// The rows of this segment's tokens from index `k` on (perplexity scores only the second half of a chunk).
            case from(Int)
        }

        public init(cache: LlamaKVCache, tokens: [Int], logits: LogitRows = .last) {
            self.cache = cache
            self.tokens = tokens
            self.logits = logits
        }
    }

    /// Errors a forward pass reports instead of trapping.
    public enum ForwardError: Error, CustomStringConvertible, Equatable {
        case contextFull(needed: Int, capacity: Int)
        case tokenOutOfRange(Int, vocabularySize: Int)

        public var description: String {
            switch self {
            case let .contextFull(needed, capacity):
                return "the context is full: \(needed) positions needed, the context size is \(capacity) (raise --ctx-size, up to the model's context length)"
            case let .tokenOutOfRange(token, size):
                return "token id \(token) is outside the vocabulary (0..<\(size))"
            }
        }
    }

    /// The most rows one pass computes: its activation buffers (`4 · Σ widths` bytes a row — 88 KiB for a
    /// TinyLlama-1.1B shape, 25 KiB for SmolLM2-135M) stay within 8 MiB, between 64 and 512 rows (88 rows for
    /// the TinyLlama shape, 328 for SmolLM2; 16 MiB measured no faster, 5 MiB more resident memory). Longer
    /// requests run as consecutive passes (chunked prefill); every token's arithmetic is the same in any pass
    /// (the kernels are batch-invariant), so the logits are identical to one long pass.
    var maximumRowsPerPass: Int {
        if let rowsPerPassOverride { return rowsPerPassOverride }
        let c = configuration
        let rowBytes = 4 * (3 * c.embeddingLength + 2 * c.queryWidth + 2 * c.keyValueWidth + 2 * c.feedForwardLength)
        return min(512, max(64, (8 << 20) / max(rowBytes, 1) / 8 * 8))
    }

    /// ``forward(_:)`` over pieces of at most ``maximumRowsPerPass`` rows, in order (a sequence's later tokens
    /// in a later piece see its earlier ones in the cache), with each segment's logit request split to match.
    private func forwardInPieces(_ segments: [Segment]) throws -> [[[Float]]] {
        let limit = maximumRowsPerPass
        var results = segments.map { _ in [[Float]]() }
        var piece = [(index: Int, segment: Segment)]()
        var pieceRows = 0
        func flush() throws {
            let outputs = try forward(piece.map(\.segment))
            for (k, part) in piece.enumerated() { results[part.index] += outputs[k] }
            piece = []
            pieceRows = 0
        }
        for (index, segment) in segments.enumerated() {
            let total = segment.tokens.count
            var consumed = 0
            while consumed < total {
                let take = min(limit - pieceRows, total - consumed)
                let range = consumed..<(consumed + take)
                let logits: Segment.LogitRows
                switch segment.logits {
                case .none: logits = .none
                case .all: logits = .all
                case .last: logits = range.upperBound == total ? .last : .none
                case .from(let k):
                    let first = min(max(k, 0), total)
                    logits = first >= range.upperBound ? .none : .from(max(first - range.lowerBound, 0))
                }
                piece.append((index, Segment(cache: segment.cache, tokens: Array(segment.tokens[range]), logits: logits)))
                pieceRows += take
                consumed += take
                if pieceRows == limit { try flush() }
            }
        }
        if pieceRows > 0 { try flush() }
        return results
    }

    /// Runs the decoder on each segment's tokens, appending their keys and values to the segments' caches,
    /// and returns the logits the segments asked for: for each segment, an array of `vocabularySize`-float
    /// rows (empty for `.none`).
    ///
    /// - Throws: ``ForwardError`` when a cache would exceed its capacity or a token is out of range (nothing
    ///   is computed then).
    public func forward(_ segments: [Segment]) throws -> [[[Float]]] {
        let c = configuration
        var rowSequence = [Int]()
        var rowPosition = [Int]()
        var tokens = [Int]()
        for (index, segment) in segments.enumerated() {
            let needed = segment.cache.count + segment.tokens.count
            if needed > segment.cache.capacity { throw ForwardError.contextFull(needed: needed, capacity: segment.cache.capacity) }
            for (offset, token) in segment.tokens.enumerated() {
                guard token >= 0 && token < c.vocabularySize else { throw ForwardError.tokenOutOfRange(token, vocabularySize: c.vocabularySize) }
                rowSequence.append(index)
                rowPosition.append(segment.cache.count + offset)
                tokens.append(token)
            }
        }
        let rows = tokens.count
        if rows == 0 { return segments.map { _ in [] } }
        if rows > maximumRowsPerPass { return try forwardInPieces(segments) }
        for segment in segments { segment.cache.reserve(segment.cache.count + segment.tokens.count) }

        lock.lock()
        defer { lock.unlock() }
        let w = workspace.prepare(configuration: c, rows: rows)

        // Embedding lookup.
        for (r, token) in tokens.enumerated() { weights.tokenEmbedding.dequantizeRow(token, into: w.x + r * c.embeddingLength) }

        let storage = workspace.inputStorage
        let caches = segments.map(\.cache)
        for (layerIndex, layer) in weights.layers.enumerated() {
            LlamaKernels.rmsNorm(w.x, rows: rows, width: c.embeddingLength, weight: layer.attentionNorm, epsilon: c.normEpsilon, into: w.normed)
            let attentionInput = MatrixInput(w.normed, tokens: rows, columns: c.embeddingLength, storage: storage)
            QuantizedMatrix.multiply([(layer.query, w.query), (layer.key, w.key), (layer.value, w.value)], attentionInput)
            if let bias = layer.queryBias { LlamaKernels.addBias(w.query, rows: rows, bias: bias) }
            if let bias = layer.keyBias { LlamaKernels.addBias(w.key, rows: rows, bias: bias) }
            if let bias = layer.valueBias { LlamaKernels.addBias(w.value, rows: rows, bias: bias) }
            for r in 0..<rows {
                LlamaKernels.rope(query: w.query + r * c.queryWidth, key: w.key + r * c.keyValueWidth, configuration: c,
                                  position: rowPosition[r], factors: weights.ropeFrequencyFactors)
                caches[rowSequence[r]].store(layer: layerIndex, position: rowPosition[r],
                                             key: w.key + r * c.keyValueWidth, value: w.value + r * c.keyValueWidth)
            }
            LlamaKernels.attention(query: w.query, rows: rows, configuration: c, layer: layerIndex,
                                   caches: caches, rowSequence: rowSequence, rowPosition: rowPosition, into: w.attention)
            layer.attentionOutput.multiply(MatrixInput(w.attention, tokens: rows, columns: c.queryWidth, storage: storage), into: w.projected)
            LlamaKernels.add(w.projected, into: w.x, count: rows * c.embeddingLength)

            LlamaKernels.rmsNorm(w.x, rows: rows, width: c.embeddingLength, weight: layer.feedForwardNorm, epsilon: c.normEpsilon, into: w.normed)
            let feedForwardInput = MatrixInput(w.normed, tokens: rows, columns: c.embeddingLength, storage: storage)
            QuantizedMatrix.multiply([(layer.gate, w.gate), (layer.up, w.up)], feedForwardInput)
            LlamaKernels.swiGLU(gate: w.gate, up: w.up, count: rows * c.feedForwardLength)
            layer.down.multiply(MatrixInput(w.gate, tokens: rows, columns: c.feedForwardLength, storage: storage), into: w.projected)
            LlamaKernels.add(w.projected, into: w.x, count: rows * c.embeddingLength)
        }
        for segment in segments { segment.cache.count += segment.tokens.count }

        // Logits only for the rows asked for.
        var logitRows = [Int]()
        var start = 0
        for segment in segments {
            switch segment.logits {
            case .none: break
            case .last: if !segment.tokens.isEmpty { logitRows.append(start + segment.tokens.count - 1) }
            case .all: logitRows.append(contentsOf: start..<(start + segment.tokens.count))
            case .from(let k): logitRows.append(contentsOf: (start + min(max(k, 0), segment.tokens.count))..<(start + segment.tokens.count))
            }
            start += segment.tokens.count
        }
        let selected = UnsafeMutablePointer<Float>.allocate(capacity: max(1, logitRows.count) * c.embeddingLength)
        defer { selected.deallocate() }
        for (i, r) in logitRows.enumerated() { (selected + i * c.embeddingLength).update(from: w.x + r * c.embeddingLength, count: c.embeddingLength) }
        LlamaKernels.rmsNorm(selected, rows: logitRows.count, width: c.embeddingLength, weight: weights.outputNorm, epsilon: c.normEpsilon, into: selected)
        var logits = [Float](repeating: 0, count: logitRows.count * c.vocabularySize)
        if !logitRows.isEmpty {
            logits.withUnsafeMutableBufferPointer { buffer in
                weights.output.multiply(MatrixInput(selected, tokens: logitRows.count, columns: c.embeddingLength, storage: storage),
                                        into: buffer.baseAddress!)
            }
        }

        var result = [[[Float]]]()
        var cursor = 0
        for segment in segments {
            let count: Int
            switch segment.logits {
            case .none: count = 0
            case .last: count = segment.tokens.isEmpty ? 0 : 1
            case .all: count = segment.tokens.count
            case .from(let k): count = segment.tokens.count - min(max(k, 0), segment.tokens.count)
            }
            result.append((0..<count).map { i in Array(logits[((cursor + i) * c.vocabularySize)..<((cursor + i + 1) * c.vocabularySize)]) })
            cursor += count
        }
        return result
    }
}
