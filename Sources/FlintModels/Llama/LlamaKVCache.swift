import Flint

/// The keys and values of one sequence's past positions, per layer, in float32.
///
/// float32 (not llama.cpp's default f16) keeps attention exact with respect to the computed keys at twice
/// the memory: `2 · layers · kvHeads · headDim · 4` bytes per position — 46 KB for SmolLM2-135M, so 4,096
/// positions take 189 MB. Storage grows by doubling up to ``capacity`` as positions are added.
public final class LlamaKVCache: @unchecked Sendable {
    /// The most positions this cache holds (the context size).
    public let capacity: Int
    /// Positions filled so far.
    public internal(set) var count = 0
    let layerCount: Int
    let width: Int
    /// Allocated positions.
    private(set) var allocated = 0
    /// keys[layer] and values[layer]: `allocated × width` floats.
    private(set) var keys: [UnsafeMutablePointer<Float>] = []
    private(set) var values: [UnsafeMutablePointer<Float>] = []

    /// An empty cache for `configuration`'s model holding up to `capacity` positions.
    public init(configuration: LlamaConfiguration, capacity: Int) {
        precondition(capacity > 0, "LlamaKVCache: capacity must be positive")
        self.capacity = capacity
        layerCount = configuration.layerCount
        width = configuration.keyValueWidth
    }

    deinit {
        keys.forEach { $0.deallocate() }
        values.forEach { $0.deallocate() }
    }

    /// Makes room for `positions` positions in total.
    func reserve(_ positions: Int) {
        precondition(positions <= capacity, "LlamaKVCache: \(positions) positions exceed the capacity \(capacity)")
        if positions <= allocated { return }
        let newSize = min(capacity, max(positions, max(64, allocated * 2)))
        func grow(_ old: [UnsafeMutablePointer<Float>]) -> [UnsafeMutablePointer<Float>] {
            (0..<layerCount).map { layer in
                let buffer = UnsafeMutablePointer<Float>.allocate(capacity: newSize * width)
                if allocated > 0 {
                    buffer.update(from: old[layer], count: count * width)
                    old[layer].deallocate()
                }
                return buffer
            }
        }
        keys = grow(keys)
        values = grow(values)
        allocated = newSize
    }

    /// Forgets every position after the first `length` (for reusing a shared prompt prefix, or `/reset`).
    public func truncate(to length: Int) {
        precondition(length >= 0 && length <= count, "LlamaKVCache: cannot truncate \(count) positions to \(length)")
        count = length
    }

    /// Bytes allocated.
    public var byteCount: Int { 2 * layerCount * allocated * width * 4 }
}
