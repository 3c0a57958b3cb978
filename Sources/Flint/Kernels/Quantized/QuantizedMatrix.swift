/// A weight matrix stored in a ggml type — usually a view into a memory-mapped GGUF file — that multiplies
/// float32 activations without ever dequantizing the whole matrix.
///
/// `rows` rows of `columns` values each (PyTorch's `[out, in]`, GGUF's `[in, out]`). ``multiply(_:tokens:into:)``
/// computes `y[t, r] = Σ_c W[r, c] · x[t, c]` for `tokens` activation rows: the activations are quantized once
/// to the 8-bit block type paired with the weight type (Q8_1 for Q4_1/Q5_1, Q8_0 for Q4_0/Q5_0/Q8_0), and
/// each weight row is read once per call for all tokens, with integer dot products (``QuantizedDot``). Rows
/// are split over Flint's worker pool. Types without an integer kernel yet (F16, BF16, the k-quants) are
/// dequantized one row at a time into a per-thread buffer and dotted in float32.
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

    /// The activation block type this matrix's integer kernel takes, or nil for the float path.
    var activationType: GGMLType? {
        switch type {
        case .q4_1, .q5_1: return .q8_1
        case .q4_0, .q5_0, .q8_0: return .q8_0
        default: return nil
        }
    }

    /// Bytes of one token's quantized activations (0 on the float path).
    public var activationBytes: Int {
        switch activationType {
        case .q8_1: return columns / 32 * ActivationQuantization.q8_1BlockBytes
        case .q8_0: return columns / 32 * ActivationQuantization.q8_0BlockBytes
        default: return 0
        }
    }

    /// Row `row` dequantized into `destination` (`columns` floats) — for embedding lookups.
    public func dequantizeRow(_ row: Int, into destination: UnsafeMutablePointer<Float>) {
        precondition(row >= 0 && row < rows, "QuantizedMatrix: row \(row) out of 0..<\(rows)")
        type.dequantize(base + row * rowBytes, count: columns, into: destination)
    }

    /// `y[t, r] = Σ_c W[r, c] · x[t, c]` for `t` in `0..<tokens`: `x` is `tokens × columns`, `y` is
    /// `tokens × rows` (row-major), written with stride `outputStride` (default `rows`).
    ///
    /// `scratch` must hold ``activationBytes`` · `tokens` bytes (the quantized activations); pass a buffer
    /// reused across calls to avoid an allocation per product.
    public func multiply(_ x: UnsafePointer<Float>, tokens: Int, into y: UnsafeMutablePointer<Float>, outputStride: Int? = nil,
                         scratch: UnsafeMutableRawPointer) {
        let stride = outputStride ?? rows
        let activationBytes = self.activationBytes
        let type = self.type, base = self.base, rowBytes = self.rowBytes, columns = self.columns
        switch activationType {
        case .q8_1:
            Parallel.forChunks(tokens, minimumChunk: 8) { range in
                for t in range { ActivationQuantization.quantizeQ8_1(x + t * columns, count: columns, into: scratch + t * activationBytes) }
            }
        case .q8_0:
            Parallel.forChunks(tokens, minimumChunk: 8) { range in
                for t in range { ActivationQuantization.quantizeQ8_0(x + t * columns, count: columns, into: scratch + t * activationBytes) }
            }
        default: break
        }
        let blocks = columns / 32
        let quantized = UnsafeRawPointer(scratch)
        Parallel.forChunks(rows, minimumChunk: 16) { range in
            switch type {
            case .q4_1:
                for r in range { let w = base + r * rowBytes
                    for t in 0..<tokens { y[t * stride + r] = QuantizedDot.q4_1q8_1(w, quantized + t * activationBytes, blocks: blocks) } }
            case .q4_0:
                for r in range { let w = base + r * rowBytes
                    for t in 0..<tokens { y[t * stride + r] = QuantizedDot.q4_0q8_0(w, quantized + t * activationBytes, blocks: blocks) } }
            case .q8_0:
                for r in range { let w = base + r * rowBytes
                    for t in 0..<tokens { y[t * stride + r] = QuantizedDot.q8_0q8_0(w, quantized + t * activationBytes, blocks: blocks) } }
            case .q5_0:
                for r in range { let w = base + r * rowBytes
                    for t in 0..<tokens { y[t * stride + r] = QuantizedDot.q5_0q8_0(w, quantized + t * activationBytes, blocks: blocks) } }
            case .q5_1:
                for r in range { let w = base + r * rowBytes
                    for t in 0..<tokens { y[t * stride + r] = QuantizedDot.q5_1q8_1(w, quantized + t * activationBytes, blocks: blocks) } }
            case .f32:
                for r in range { let w = base + r * rowBytes
                    for t in 0..<tokens { y[t * stride + r] = QuantizedDot.f32f32(w, x + t * columns, count: columns) } }
            default:
                // Float path: one dequantized row at a time, in a buffer of this chunk's own.
                let row = UnsafeMutablePointer<Float>.allocate(capacity: columns)
                defer { row.deallocate() }
                for r in range {
                    type.dequantize(base + r * rowBytes, count: columns, into: row)
                    for t in 0..<tokens { y[t * stride + r] = QuantizedDot.f32f32(UnsafeRawPointer(row), x + t * columns, count: columns) }
                }
            }
        }
    }
}
