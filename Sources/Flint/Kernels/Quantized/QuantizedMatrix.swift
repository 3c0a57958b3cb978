/// A weight matrix stored in a ggml type — usually a view into a memory-mapped GGUF file — that multiplies
/// float32 activations without ever dequantizing the whole matrix.
///
/// `rows` rows of `columns` values each (PyTorch's `[out, in]`, GGUF's `[in, out]`). ``multiply(_:into:outputStride:)``
/// computes `y[t, r] = Σ_c W[r, c] · x[t, c]` for the rows of a ``MatrixInput``, with llama.cpp's numerics:
/// Q4_0/Q4_1/Q5_0/Q5_1/Q8_0 weights against activations quantized to 8 bits per block (``QuantizedActivations``,
/// made once per input and shared by every matrix that reads it) on integer dot products (``QuantizedDot``):
/// whole groups of 8 tokens on the token-lane GEMM (``TokenLaneActivations``: 8 tokens' sums in the lanes of
/// one vector), the remaining tokens in 4-token tiles or one at a time, every path with the same arithmetic per
/// token (exact integer block sums, one FMA per block into one of four accumulators by block index modulo 4),
/// so results do not depend on the batch; F16 weights against activations
/// rounded to f16, BF16 against activations rounded to bf16, F32 against the activations as they are; the
/// k-quants (Q2_K … Q6_K) against activations quantized to Q8_K per super-block of 256
/// (``SuperBlockActivations``) on integer dot products (``KQuantDot``; Q4_K and Q6_K also on a token-lane GEMM,
/// ``SuperBlockTokenLanes``, with the same arithmetic per token as its tile and dot).
/// Rows are split over Flint's worker pool in chunks that threads claim from an atomic counter.
public struct QuantizedMatrix: @unchecked Sendable {
    /// The element type.
    public let type: GGMLType
    /// Output rows.
    public let rows: Int
    /// Values per row (the input size).
    public let columns: Int
    /// The first byte of row 0.
    public let base: UnsafeRawPointer
    /// Bytes per row.
    public let rowBytes: Int
    /// Keeps the memory `base` points into alive (the file mapping).
    public let owner: AnyObject?

    /// A view of `rows × columns` values of `type` at `base`, kept alive by `owner`.
    ///
    /// - Precondition: `type` is supported and `columns` is a whole number of its blocks.
    public init(type: GGMLType, rows: Int, columns: Int, base: UnsafeRawPointer, owner: AnyObject?) {
        precondition(type.isSupported, "QuantizedMatrix: unsupported type \(type.name)")
        guard let rowBytes = type.rowByteCount(columns) else {
            preconditionFailure("QuantizedMatrix: \(columns) columns is not a whole number of \(type.name) blocks")
        }
        self.type = type
        self.rows = rows
        self.columns = columns
        self.base = base
        self.rowBytes = rowBytes
        self.owner = owner
    }

    /// The kernel family of this matrix's type.
    enum Kernel { case q4_0, q4_1, q5_0, q5_1, q8_0, q2_K, q3_K, q4_K, q5_K, q6_K, float }

    var kernel: Kernel {
        switch type {
        case .q4_0: return .q4_0
        case .q4_1: return .q4_1
        case .q5_0: return .q5_0
        case .q5_1: return .q5_1
        case .q8_0: return .q8_0
        case .q2_K: return .q2_K
        case .q3_K: return .q3_K
        case .q4_K: return .q4_K
        case .q5_K: return .q5_K
        case .q6_K: return .q6_K
        default: return .float
        }
    }

    /// Row `row` dequantized into `destination` (`columns` floats) — for embedding lookups.
    public func dequantizeRow(_ row: Int, into destination: UnsafeMutablePointer<Float>) {
        precondition(row >= 0 && row < rows, "QuantizedMatrix: row \(row) out of 0..<\(rows)")
        type.dequantize(base + row * rowBytes, count: columns, into: destination)
    }

    /// `y[t · outputStride + r] = Σ_c W[r, c] · x[t, c]` for every row `t` of `input` (default stride: `rows`).
    ///
    /// - Precondition: `input.columns == columns`.
    public func multiply(_ input: MatrixInput, into y: UnsafeMutablePointer<Float>, outputStride: Int? = nil) {
        QuantizedMatrix.multiply([(self, y)], input, outputStride: outputStride.map { [$0] })
    }

    /// Several products of the same input in one parallel region (e.g. Q, K and V): chunks of every matrix's
    /// rows are claimed by the pool's threads from one counter, so the threads meet once instead of once per
    /// matrix. `outputStrides` defaults to each matrix's `rows`.
    public static func multiply(_ products: [(matrix: QuantizedMatrix, output: UnsafeMutablePointer<Float>)], _ input: MatrixInput,
                                outputStrides: [Int]? = nil) {
        multiply(products, input, outputStride: outputStrides)
    }

    static func multiply(_ products: [(matrix: QuantizedMatrix, output: UnsafeMutablePointer<Float>)], _ input: MatrixInput,
                         outputStride: [Int]?) {
        // Prepare what the kernels read, once, before the parallel region.
        var chunks = [(product: Int, rows: Range<Int>)]()
        let threads = Parallel.threadCount
        for (index, product) in products.enumerated() {
            precondition(product.matrix.columns == input.columns, "QuantizedMatrix: \(product.matrix.columns) columns, input has \(input.columns)")
            switch product.matrix.kernel {
            case .float:
                switch product.matrix.type {
                case .f16: _ = input.roundedToHalf
                case .bf16: _ = input.roundedToBFloat
                default: break
                }
            case .q2_K, .q3_K, .q5_K: _ = input.superBlocks
            case .q4_K, .q6_K:
                _ = input.superBlocks
                if input.tokens >= 8 { _ = input.superBlockLanes }
            default:
                _ = input.quantized
                if input.tokens >= 8 { _ = input.tokenLanes }
            }
            // About 4 chunks per thread (threads that are descheduled on a busy machine are then waited for
            // less), at least 16 rows each.
            let rows = product.matrix.rows
            let count = max(1, min(rows / 16, 4 * threads))
            for c in 0..<count { chunks.append((index, (rows * c / count)..<(rows * (c + 1) / count))) }
        }
        Parallel.run(tasks: chunks.count) { task in
            let (index, range) = chunks[task]
            let (matrix, y) = products[index]
            matrix.multiplyRows(range, input, into: y, outputStride: outputStride?[index] ?? matrix.rows)
        }
    }

    private func multiplyRows(_ range: Range<Int>, _ input: MatrixInput, into y: UnsafeMutablePointer<Float>, outputStride: Int) {
        let lanes: TokenLaneActivations?
        switch kernel {
        case .q4_0, .q4_1, .q5_0, .q5_1, .q8_0: lanes = input.tokens >= 8 ? input.tokenLanes : nil
        default: lanes = nil
        }
        switch kernel {
        case .q4_0: QuantizedDot.rows(Q4_0Block.self, base: base, rowBytes: rowBytes, rows: range, input.quantized, lanes: lanes, into: y, outputStride: outputStride)
        case .q4_1: QuantizedDot.rows(Q4_1Block.self, base: base, rowBytes: rowBytes, rows: range, input.quantized, lanes: lanes, into: y, outputStride: outputStride)
        case .q5_0: QuantizedDot.rows(Q5_0Block.self, base: base, rowBytes: rowBytes, rows: range, input.quantized, lanes: lanes, into: y, outputStride: outputStride)
        case .q5_1: QuantizedDot.rows(Q5_1Block.self, base: base, rowBytes: rowBytes, rows: range, input.quantized, lanes: lanes, into: y, outputStride: outputStride)
        case .q8_0: QuantizedDot.rows(Q8_0Block.self, base: base, rowBytes: rowBytes, rows: range, input.quantized, lanes: lanes, into: y, outputStride: outputStride)
        case .q2_K: KQuantDot.rows(Q2_KBlock.self, base: base, rowBytes: rowBytes, rows: range, input.superBlocks, lanes: nil, into: y, outputStride: outputStride)
        case .q3_K: KQuantDot.rows(Q3_KBlock.self, base: base, rowBytes: rowBytes, rows: range, input.superBlocks, lanes: nil, into: y, outputStride: outputStride)
        case .q4_K: KQuantDot.rows(Q4_KBlock.self, base: base, rowBytes: rowBytes, rows: range, input.superBlocks,
                                   lanes: input.tokens >= 8 ? input.superBlockLanes : nil, into: y, outputStride: outputStride)
        case .q5_K: KQuantDot.rows(Q5_KBlock.self, base: base, rowBytes: rowBytes, rows: range, input.superBlocks, lanes: nil, into: y, outputStride: outputStride)
        case .q6_K: KQuantDot.rows(Q6_KBlock.self, base: base, rowBytes: rowBytes, rows: range, input.superBlocks,
                                   lanes: input.tokens >= 8 ? input.superBlockLanes : nil, into: y, outputStride: outputStride)
        case .float:
            let x: UnsafePointer<Float>
            switch type {
            case .f16: x = input.roundedToHalf
            case .bf16: x = input.roundedToBFloat
            default: x = input.values
            }
            let tokens = input.tokens, columns = self.columns
            if type == .f32 {
                for r in range {
                    let w = base + r * rowBytes
                    for t in 0..<tokens { y[t * outputStride + r] = QuantizedDot.f32f32(w, x + t * columns, count: columns) }
                }
                return
            }
            // One dequantized row at a time, in a buffer of this chunk's own.
            let row = UnsafeMutablePointer<Float>.allocate(capacity: columns)
            defer { row.deallocate() }
            for r in range {
                type.dequantize(base + r * rowBytes, count: columns, into: row)
                for t in 0..<tokens { y[t * outputStride + r] = QuantizedDot.f32f32(UnsafeRawPointer(row), x + t * columns, count: columns) }
            }
        }
    }
}
