import Flint

/// The batches of one epoch: the example order and how to build batch `b` from it.
///
/// Both the synchronous and the prefetching iterators of ``DataLoader`` build batches through
/// this one type, so they produce identical batches.
struct EpochPlan: Sendable {
    let dataset: TensorDataset
    /// The example indices in the order the epoch visits them.
    let order: [Int]
    let batchSize: Int
    let batchCount: Int
    let seed: UInt64
    let epoch: Int

    /// Batch `b`: examples `order[b·batchSize ..< min((b+1)·batchSize, order.count)]`, with the
    /// dataset's transform drawing from the generator of `(seed, epoch, b)`.
    func batch(_ b: Int) -> Batch {
        let start = b * batchSize
        let end = min(start + batchSize, order.count)
        var generator = SeedDerivation.augmentationGenerator(seed: seed, epoch: epoch, batch: b)
        return dataset.batch(indices: Array(order[start..<end]), using: &generator)
    }
}
