import Flint

/// The activation buffers of a forward pass, kept by the model and grown to the largest batch seen, so that
/// a decoding step allocates nothing.
struct LlamaWorkspace {
    struct Buffers {
        let x, normed, query, key, value, attention, projected, gate, up: UnsafeMutablePointer<Float>
        let scratch: UnsafeMutableRawPointer
    }

    private var rowCapacity = 0
    private var storage: UnsafeMutableRawPointer?
    private var buffers: Buffers?

    /// Buffers for `rows` rows (reallocated only when `rows` exceeds every earlier call).
    mutating func prepare(configuration c: LlamaConfiguration, rows: Int) -> Buffers {
        if rows <= rowCapacity, let buffers { return buffers }
        storage?.deallocate()
        let capacity = max(rows, rowCapacity * 2, 8)
        let widths = [c.embeddingLength, c.embeddingLength, c.queryWidth, c.keyValueWidth, c.keyValueWidth, c.queryWidth,
                      c.embeddingLength, c.feedForwardLength, c.feedForwardLength]
        // Quantized activations: at most 36 bytes per 32 values of the widest input (Q8_1).
        let scratchBytes = capacity * (max(c.embeddingLength, c.feedForwardLength, c.queryWidth) / 32 + 1) * 36
        let floatBytes = widths.reduce(0) { $0 + (capacity * $1 * 4 + 63) / 64 * 64 }
        let raw = UnsafeMutableRawPointer.allocate(byteCount: floatBytes + scratchBytes, alignment: 64)
        var offset = 0
        var pointers = [UnsafeMutablePointer<Float>]()
        for width in widths {
            pointers.append((raw + offset).bindMemory(to: Float.self, capacity: capacity * width))
            offset += (capacity * width * 4 + 63) / 64 * 64
        }
        let made = Buffers(x: pointers[0], normed: pointers[1], query: pointers[2], key: pointers[3], value: pointers[4],
                           attention: pointers[5], projected: pointers[6], gate: pointers[7], up: pointers[8], scratch: raw + offset)
        storage = raw
        rowCapacity = capacity
        buffers = made
        return made
    }
}
