/// The activations of a quantized matrix product (`tokens × columns` floats, row-major) with the derived
/// forms the kernels read, each made on first use and shared by every product of the same input (Q, K and V
/// read one input; the gate and up projections another): the 8-bit blocks of ``QuantizedActivations`` and the
/// Q8_K super-blocks of ``SuperBlockActivations`` (each also regrouped 8 tokens at a time for the token-lane
/// GEMMs), and
/// copies rounded to f16 or bf16 (what llama.cpp multiplies F16 and BF16 weights with).
///
/// Buffers are owned by a ``MatrixInputStorage`` and reused: the hot loop never allocates. Not thread-safe:
/// one thread prepares an input, then the pool reads it.
public final class MatrixInput {
    public let values: UnsafePointer<Float>
    public let tokens: Int
    public let columns: Int
    private let storage: MatrixInputStorage
    private var quantizedReady = false
    private var superBlocksReady = false
    private var halfReady = false
    private var bfloatReady = false
    private var lanesReady = false
    private var superBlockLanesReady = false

    /// `values` (`tokens × columns`) with buffers from `storage`.
    public init(_ values: UnsafePointer<Float>, tokens: Int, columns: Int, storage: MatrixInputStorage) {
        self.values = values
        self.tokens = tokens
        self.columns = columns
        self.storage = storage
    }

    /// The activations quantized to 8 bits per block of 32 (all rows in parallel on first use).
    public var quantized: QuantizedActivations {
        let activations = QuantizedActivations(buffer: storage.buffer(0, QuantizedActivations.byteCount(tokens: tokens, columns: columns)),
                                               tokens: tokens, columns: columns)
        if !quantizedReady {
            let values = self.values
            Parallel.forChunks(tokens, minimumChunk: 4) { range in activations.quantize(values, rows: range) }
            quantizedReady = true
        }
        return activations
    }

    /// The 8-bit activations regrouped 8 tokens at a time for the token-lane GEMM (whole groups only; made from
    /// ``quantized`` on first use).
    public var tokenLanes: TokenLaneActivations {
        let activations = quantized
        let lanes = TokenLaneActivations(buffer: storage.buffer(3, TokenLaneActivations.byteCount(tokens: tokens, columns: columns)),
                                         tokens: tokens, columns: columns)
        if !lanesReady {
            Parallel.forChunks(lanes.groups) { range in lanes.fill(from: activations, groups: range) }
            lanesReady = true
        }
        return lanes
    }

    /// The activations quantized to Q8_K, 8 bits per super-block of 256 (all rows in parallel on first use).
    ///
    /// - Precondition: `columns` is a multiple of 256.
    public var superBlocks: SuperBlockActivations {
        precondition(columns % 256 == 0, "MatrixInput: \(columns) columns is not a whole number of super-blocks of 256")
        let activations = SuperBlockActivations(buffer: storage.buffer(4, SuperBlockActivations.byteCount(tokens: tokens, columns: columns)),
                                                tokens: tokens, columns: columns)
        if !superBlocksReady {
            let values = self.values
            Parallel.forChunks(tokens, minimumChunk: 4) { range in activations.quantize(values, rows: range) }
            superBlocksReady = true
        }
        return activations
    }

    /// The Q8_K activations regrouped 8 tokens at a time for the k-quant token-lane GEMM (whole groups only;
    /// made from ``superBlocks`` on first use).
    public var superBlockLanes: SuperBlockTokenLanes {
        let activations = superBlocks
        let lanes = SuperBlockTokenLanes(buffer: storage.buffer(5, SuperBlockTokenLanes.byteCount(tokens: tokens, columns: columns)),
                                         tokens: tokens, columns: columns)
        if !superBlockLanesReady {
            Parallel.forChunks(lanes.groups) { range in lanes.fill(from: activations, groups: range) }
            superBlockLanesReady = true
        }
        return lanes
    }

    /// The activations rounded to f16 (nearest, ties to even), as floats.
    public var roundedToHalf: UnsafePointer<Float> {
        let buffer = storage.buffer(1, 4 * tokens * columns).assumingMemoryBound(to: Float.self)
        if !halfReady {
            for i in 0..<(tokens * columns) { buffer[i] = Float(Float16(values[i])) }
            halfReady = true
        }
        return UnsafePointer(buffer)
    }

    /// The activations rounded to bf16 as ggml rounds them (`GGML_FP32_TO_BF16`: nearest, ties to even), as floats.
    public var roundedToBFloat: UnsafePointer<Float> {
        let buffer = storage.buffer(2, 4 * tokens * columns).assumingMemoryBound(to: Float.self)
        if !bfloatReady {
            for i in 0..<(tokens * columns) {
                let bits = values[i].bitPattern
                let rounded: UInt32 = values[i].isNaN ? (bits | 0x0040_0000) & 0xFFFF_0000
                    : ((bits &+ 0x7FFF &+ ((bits >> 16) & 1)) >> 16) << 16
                buffer[i] = Float(bitPattern: rounded)
            }
            bfloatReady = true
        }
        return UnsafePointer(buffer)
    }
}

/// Reusable, growing, 64-byte-aligned buffers for ``MatrixInput``s (one slot per derived form).
public final class MatrixInputStorage {
    private var buffers: [UnsafeMutableRawPointer?] = [nil, nil, nil, nil, nil, nil]
    private var sizes = [0, 0, 0, 0, 0, 0]

    public init() {}

    deinit { for buffer in buffers { buffer?.deallocate() } }

    func buffer(_ slot: Int, _ bytes: Int) -> UnsafeMutableRawPointer {
        if sizes[slot] < bytes || buffers[slot] == nil {
            buffers[slot]?.deallocate()
            let size = max(bytes, 2 * sizes[slot], 64)
            buffers[slot] = UnsafeMutableRawPointer.allocate(byteCount: size, alignment: 64)
            sizes[slot] = size
        }
        return buffers[slot]!
    }
}
