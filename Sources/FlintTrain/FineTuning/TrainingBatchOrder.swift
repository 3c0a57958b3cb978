import Flint

/// The order in which a ``Trainer`` visits training examples: a fresh permutation each epoch, drawn
/// from a generator seeded by the data seed and the epoch number alone, so a run resumed from a
/// checkpoint sees exactly the batches the uninterrupted run would have seen.
///
/// With `groupByLength` (transformers' `LengthGroupedSampler`), the permutation is cut into
/// mega-batches of `50 × batchSize` examples, each sorted by length, longest first, before being cut
/// into batches: batches then hold examples of similar length and dynamic padding pads little.
public struct TrainingBatchOrder: Sendable {
    /// Examples per batch.
    public let batchSize: Int
    /// Drop each epoch's last incomplete batch.
    public let dropLast: Bool
    /// Seed of the per-epoch permutations.
    public let seed: UInt64
    /// Token counts per example when grouping by length.
    public let lengths: [Int]?
    /// The number of examples.
    public let count: Int

    /// An order over `count` examples.
    public init(count: Int, batchSize: Int, dropLast: Bool, seed: UInt64, lengths: [Int]? = nil) {
        precondition(batchSize >= 1, "TrainingBatchOrder: batch size must be ≥ 1")
        precondition(lengths == nil || lengths!.count == count, "TrainingBatchOrder: \(lengths?.count ?? 0) lengths for \(count) examples")
        self.count = count
        self.batchSize = batchSize
        self.dropLast = dropLast
        self.seed = seed
        self.lengths = lengths
    }

    /// Batches per epoch.
    public var batchesPerEpoch: Int { dropLast ? count / batchSize : (count + batchSize - 1) / batchSize }

    /// The example indices of every batch of `epoch` (0-based).
    public func batches(epoch: Int) -> [[Int]] {
        var generator = RandomGenerator(seed: seed &+ 0x9E37_79B9_7F4A_7C15 &* UInt64(epoch + 1))
        var order = generator.permutation(count)
        if let lengths {
            let megaBatch = 50 * batchSize
            var start = 0
            while start < order.count {
                let end = min(start + megaBatch, order.count)
                order[start..<end].sort { lengths[$0] > lengths[$1] }
                start = end
            }
        }
        var result: [[Int]] = []
        result.reserveCapacity(batchesPerEpoch)
        var start = 0
        while start < order.count {
            let end = min(start + batchSize, order.count)
            if end - start < batchSize && dropLast { break }
            result.append(Array(order[start..<end]))
            start = end
        }
        if lengths != nil, result.count > 1 {
            // Shuffle the batches so the longest ones are not always first in their mega-batch
            // (transformers puts the longest batch first only once, to surface out-of-memory early).
            let permutation = generator.permutation(result.count)
            result = permutation.map { result[$0] }
        }
        return result
    }
}
