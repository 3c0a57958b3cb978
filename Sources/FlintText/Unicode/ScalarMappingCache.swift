import Synchronization

/// A thread-safe memo of per-scalar normalizations (scalar → replacement scalars) for scalars outside
/// ASCII, which normalizers compute once with the Unicode tables and then reuse. The memo is split
/// into 16 locked shards so that parallel batches rarely wait for each other.
final class ScalarMappingCache: Sendable {
    /// One locked part of the memo.
    final class Shard: Sendable {
        let storage = Mutex<[UInt32: [Unicode.Scalar]]>([:])
    }

    private let shards: [Shard] = (0..<16).map { _ in Shard() }
    private let compute: @Sendable (Unicode.Scalar) -> [Unicode.Scalar]

    init(_ compute: @escaping @Sendable (Unicode.Scalar) -> [Unicode.Scalar]) {
        self.compute = compute
    }

    /// The replacement of `scalar`.
    func mapping(for scalar: Unicode.Scalar) -> [Unicode.Scalar] {
        let shard = shards[Int(scalar.value & 15)]
        if let cached = shard.storage.withLock({ $0[scalar.value] }) { return cached }
        let result = compute(scalar)
        shard.storage.withLock { $0[scalar.value] = result }
        return result
    }
}
