import Synchronization

/// A thread-safe memo of per-scalar normalizations (scalar → replacement scalars) for scalars outside
/// ASCII, which normalizers compute once with the Unicode tables and then reuse.
final class ScalarMappingCache: Sendable {
    private let storage = Mutex<[UInt32: [Unicode.Scalar]]>([:])
    private let compute: @Sendable (Unicode.Scalar) -> [Unicode.Scalar]

    init(_ compute: @escaping @Sendable (Unicode.Scalar) -> [Unicode.Scalar]) {
        self.compute = compute
    }

    /// The replacement of `scalar`.
    func mapping(for scalar: Unicode.Scalar) -> [Unicode.Scalar] {
        if let cached = storage.withLock({ $0[scalar.value] }) { return cached }
        let result = compute(scalar)
        storage.withLock { $0[scalar.value] = result }
        return result
    }
}
