import Flint
import Synchronization

/// Iterates a ``TensorDataset`` in mini-batches, like `torch.utils.data.DataLoader`.
///
/// Each `for batch in loader` (each ``makeIterator()``) is one epoch; epochs are numbered 0, 1,
/// 2, … in the order iterators are made (see ``nextEpoch``, or ``batches(epoch:)`` for a given
/// epoch). With `shuffle`, epoch `e` visits the examples in the order of a permutation drawn
/// from a generator derived from `(seed, e)`; without it, in index order. Batch `b` of epoch `e`
/// runs the dataset's transform with a generator derived from `(seed, e, b)`. So the same seed
/// gives the same batches in the same order on every run, whether or not batches are prefetched,
/// and different epochs differ.
///
/// An epoch has ``count`` batches: `⌈N / batchSize⌉`, or `⌊N / batchSize⌋` with `dropLast`
/// (which discards the final short batch). With `prefetch`, a background thread prepares up to
/// two batches ahead of the consumer; the thread ends with the epoch, or as soon as the iterator
/// is dropped when iteration stops early.
public final class DataLoader: Sequence, Sendable {
    /// The examples.
    public let dataset: TensorDataset
    /// Examples per batch (the last batch may be smaller unless ``dropLast``).
    public let batchSize: Int
    /// Whether each epoch visits the examples in a fresh random order.
    public let shuffle: Bool
    /// The seed every epoch's shuffle and augmentation derive from.
    public let seed: UInt64
    /// Whether a final batch smaller than ``batchSize`` is skipped.
    public let dropLast: Bool
    /// Whether batches are prepared on a background thread.
    public let prefetch: Bool
    /// How many prepared batches the prefetch thread may hold.
    public let prefetchDepth = 2

    private let epochCounter = Mutex<Int>(0)
    /// Prefetch threads of this loader that are running (for tests).
    let runningPrefetchThreads = Atomic<Int>(0)

    /// A loader over `dataset` with batches of `batchSize`.
    public init(dataset: TensorDataset, batchSize: Int, shuffle: Bool = false, seed: UInt64 = 0,
                dropLast: Bool = false, prefetch: Bool = false) {
        require(batchSize > 0, "DataLoader: batchSize must be positive, got \(batchSize)")
        self.dataset = dataset
        self.batchSize = batchSize
        self.shuffle = shuffle
        self.seed = seed
        self.dropLast = dropLast
        self.prefetch = prefetch
    }

    /// Batches per epoch: `⌈N / batchSize⌉`, or `⌊N / batchSize⌋` with ``dropLast``.
    public var count: Int {
        dropLast ? dataset.count / batchSize : (dataset.count + batchSize - 1) / batchSize
    }

    /// ``count``.
    public var underestimatedCount: Int { count }

    /// The epoch the next ``makeIterator()`` will run; set it to resume training at an epoch.
    public var nextEpoch: Int {
        get { epochCounter.withLock { $0 } }
        set { epochCounter.withLock { $0 = newValue } }
    }

    /// The example indices in the order epoch `epoch` visits them (all of them, before
    /// ``dropLast`` removes a final short batch).
    public func order(epoch: Int) -> [Int] {
        if !shuffle { return Array(0..<dataset.count) }
        var generator = SeedDerivation.shuffleGenerator(seed: seed, epoch: epoch)
        return generator.permutation(dataset.count)
    }

    /// Starts the next epoch (``nextEpoch``, which then advances by one).
    public func makeIterator() -> Iterator {
        let epoch = epochCounter.withLock { value in
            defer { value += 1 }
            return value
        }
        return batches(epoch: epoch)
    }

    /// The batches of epoch `epoch`, without changing ``nextEpoch``.
    public func batches(epoch: Int) -> Iterator {
        let plan = EpochPlan(dataset: dataset, order: order(epoch: epoch), batchSize: batchSize,
                             batchCount: count, seed: seed, epoch: epoch)
        var prefetcher: BatchPrefetcher? = nil
        if prefetch && plan.batchCount > 0 {
            runningPrefetchThreads.add(1, ordering: .sequentiallyConsistent)
            prefetcher = BatchPrefetcher(plan: plan, capacity: prefetchDepth) { [self] in
                runningPrefetchThreads.subtract(1, ordering: .sequentiallyConsistent)
            }
        }
        return Iterator(epoch: epoch, plan: plan, prefetcher: prefetcher)
    }

    /// One epoch's batches, in order. Iterators are single-pass; copies share their position
    /// when prefetching.
    public struct Iterator: IteratorProtocol {
        /// The epoch this iterator runs.
        public let epoch: Int
        private let plan: EpochPlan
        private let prefetcher: BatchPrefetcher?
        private var nextBatch = 0

        init(epoch: Int, plan: EpochPlan, prefetcher: BatchPrefetcher?) {
            self.epoch = epoch
            self.plan = plan
            self.prefetcher = prefetcher
        }

        /// The next batch, or nil at the end of the epoch.
        public mutating func next() -> Batch? {
            if let prefetcher { return prefetcher.next() }
            guard nextBatch < plan.batchCount else { return nil }
            defer { nextBatch += 1 }
            return plan.batch(nextBatch)
        }
    }
}
