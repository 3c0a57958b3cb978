import Flint
import _Builtin_intrinsics.intel

/// The keys and values of one sequence's past positions, per layer, in float32 or float16
/// (``LlamaKVCache/Precision``).
///
/// A position takes `2 · layers · kvHeads · headDim · bytes` — for SmolLM2-135M 46 KB in float32, 23 KB in
/// float16. Storage grows as positions are added (by half of what is allocated, at least 256 positions) up to
/// ``capacity``, so a short conversation does not hold the whole context's memory.
public final class LlamaKVCache: @unchecked Sendable {
    /// How keys and values are stored.
    public enum Precision: String, Sendable, CaseIterable, CustomStringConvertible {
        /// float32: attention reads exactly the keys and values the layer computed (Flint's default; the
        /// reference runs of llama.cpp in this repository's fixtures use an f32 cache too).
        case float32 = "f32"
        /// float16, llama.cpp's default (`--cache-type-k/-v f16`): half the memory; each key and value is rounded
        /// to the nearest f16 when stored (relative error ≤ 2⁻¹¹), as llama.cpp does.
        case float16 = "f16"

        /// Bytes per stored value.
        public var byteCount: Int { self == .float32 ? 4 : 2 }
        public var description: String { rawValue }
    }

    /// The most positions this cache holds (the context size).
    public let capacity: Int
    /// How keys and values are stored.
    public let precision: Precision
    /// Positions filled so far.
    public internal(set) var count = 0
    let layerCount: Int
    let width: Int
    /// Allocated positions.
    private(set) var allocated = 0
    /// keys[layer] and values[layer]: `allocated × width` values of ``precision``.
    private(set) var keys: [UnsafeMutableRawPointer] = []
    private(set) var values: [UnsafeMutableRawPointer] = []

    /// An empty cache for `configuration`'s model holding up to `capacity` positions.
    public init(configuration: LlamaConfiguration, capacity: Int, precision: Precision = .float32) {
        precondition(capacity > 0, "LlamaKVCache: capacity must be positive")
        self.capacity = capacity
        self.precision = precision
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
        let newSize = min(capacity, max(positions, allocated + max(256, allocated / 2)))
        let rowBytes = width * precision.byteCount
        func grow(_ old: [UnsafeMutableRawPointer]) -> [UnsafeMutableRawPointer] {
            (0..<layerCount).map { layer in
                let buffer = UnsafeMutableRawPointer.allocate(byteCount: newSize * rowBytes, alignment: 64)
                if allocated > 0 {
                    buffer.copyMemory(from: old[layer], byteCount: count * rowBytes)
                    old[layer].deallocate()
                }
                return buffer
            }
        }
        keys = grow(keys)
        values = grow(values)
        allocated = newSize
    }

    /// Stores one position's key and value rows (`width` floats each) of `layer`, converted to ``precision``.
    func store(layer: Int, position: Int, key: UnsafePointer<Float>, value: UnsafePointer<Float>) {
        switch precision {
        case .float32:
            let slot = position * width * 4
            (keys[layer] + slot).copyMemory(from: key, byteCount: width * 4)
            (values[layer] + slot).copyMemory(from: value, byteCount: width * 4)
        case .float16:
            let k = (keys[layer] + position * width * 2).assumingMemoryBound(to: Float16.self)
            let v = (values[layer] + position * width * 2).assumingMemoryBound(to: Float16.self)
            for i in 0..<width {
                k[i] = Float16(key[i])
                v[i] = Float16(value[i])
            }
        }
    }

    /// Forgets every position after the first `length` (for reusing a shared prompt prefix, or `/reset`).
    public func truncate(to length: Int) {
        precondition(length >= 0 && length <= count, "LlamaKVCache: cannot truncate \(count) positions to \(length)")
        count = length
    }

    /// Bytes allocated.
    public var byteCount: Int { 2 * layerCount * allocated * width * precision.byteCount }
}

/// A value type a KV cache stores: how attention reads it back as float32.
protocol KVCacheElement {
    /// Eight consecutive values from `pointer`, as floats.
    static func load8(_ pointer: UnsafePointer<Self>) -> SIMD8<Float>
    /// The value as a float.
    var floatValue: Float { get }
}

extension Float: KVCacheElement {
    @inline(__always) static func load8(_ pointer: UnsafePointer<Float>) -> SIMD8<Float> {
        UnsafeRawPointer(pointer).loadUnaligned(as: SIMD8<Float>.self)
    }
    @inline(__always) var floatValue: Float { self }
}

extension Float16: KVCacheElement {
    /// `vcvtph2ps` of 16 bytes.
    @inline(__always) static func load8(_ pointer: UnsafePointer<Float16>) -> SIMD8<Float> {
        unsafeBitCast(_mm256_cvtph_ps(UnsafeRawPointer(pointer).loadUnaligned(as: __m128i.self)), to: SIMD8<Float>.self)
    }
    @inline(__always) var floatValue: Float { Float(self) }
}
