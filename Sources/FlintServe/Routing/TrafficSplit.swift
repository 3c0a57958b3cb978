/// Weighted choice among a served name's variants, sticky per user.
///
/// With a user key (the `X-User-Id` header) the choice is a pure function of the key and the served
/// name: u = FNV-1a-64(name + "\u{0}" + key) / 2⁶⁴ ∈ [0, 1), and the variant is the first whose
/// cumulative share exceeds u. The same user lands on the same version on every replica and across
/// restarts, as long as the weights stay the same. Without a key u is uniform random.
public struct TrafficSplit: Sendable, Equatable {
    /// Cumulative shares, ending at 1.
    public let cumulative: [Double]

    /// Normalises `weights` (all positive).
    public init(weights: [Double]) {
        precondition(!weights.isEmpty && weights.allSatisfy { $0 > 0 && $0.isFinite },
                     "TrafficSplit: weights must be positive, got \(weights)")
        let total = weights.reduce(0, +)
        var running = 0.0
        cumulative = weights.enumerated().map { index, weight in
            running += weight
            return index == weights.count - 1 ? 1 : running / total
        }
    }

    /// The variant index for a point u in [0, 1).
    public func index(at u: Double) -> Int {
        for (index, bound) in cumulative.enumerated() where u < bound { return index }
        return cumulative.count - 1
    }

    /// The variant for `userKey` (sticky) or a random one.
    public func choose(name: String, userKey: String?) -> Int {
        if cumulative.count == 1 { return 0 }
        if let userKey, !userKey.isEmpty {
            return index(at: Self.unitHash(name + "\u{0}" + userKey))
        }
        return index(at: Double.random(in: 0..<1))
    }

    /// FNV-1a over the UTF-8 bytes, mapped to [0, 1) by its top 53 bits.
    public static func unitHash(_ text: String) -> Double {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in text.utf8 {
            hash ^= UInt64(byte)
            hash = hash &* 0x0000_0100_0000_01b3
        }
        // Finalise (splitmix64) so that keys differing in the last byte spread over the whole range.
        hash ^= hash >> 30
        hash = hash &* 0xbf58_476d_1ce4_e5b9
        hash ^= hash >> 27
        hash = hash &* 0x94d0_49bb_1331_11eb
        hash ^= hash >> 31
        return Double(hash >> 11) / Double(1 << 53)
    }
}
