import Testing
import Flint
@testable import FlintData

@Suite struct DataLoaderTests {
    /// The labels (= example indices) of every batch of one pass.
    func epochLabels(_ loader: DataLoader) -> [[Int]] {
        loader.map { $0.labels.toIntArray() }
    }

    @Test func batchCounts() {
        let ten = indexedDataset(count: 10)
        let keep = DataLoader(dataset: ten, batchSize: 3)
        #expect(keep.count == 4)
        #expect(epochLabels(keep).map(\.count) == [3, 3, 3, 1])
        let drop = DataLoader(dataset: ten, batchSize: 3, dropLast: true)
        #expect(drop.count == 3)
        #expect(epochLabels(drop).map(\.count) == [3, 3, 3])
        #expect(epochLabels(drop).flatMap { $0 } == Array(0..<9))

        let nine = indexedDataset(count: 9)
        #expect(DataLoader(dataset: nine, batchSize: 3).count == 3)
        #expect(DataLoader(dataset: nine, batchSize: 3, dropLast: true).count == 3)
        #expect(DataLoader(dataset: nine, batchSize: 20).count == 1)
        #expect(DataLoader(dataset: nine, batchSize: 20, dropLast: true).count == 0)
        #expect(epochLabels(DataLoader(dataset: nine, batchSize: 20, dropLast: true, prefetch: true)).isEmpty)
        #expect(epochLabels(DataLoader(dataset: nine, batchSize: 20, prefetch: true)) == [Array(0..<9)])
        #expect(DataLoader(dataset: indexedDataset(count: 0), batchSize: 4).count == 0)
    }

    @Test func batchesCarryTheRightImages() {
        let loader = DataLoader(dataset: indexedDataset(count: 7, channels: 2), batchSize: 4, shuffle: true, seed: 3)
        for batch in loader {
            let values = batch.inputs.toArray()
            #expect(batch.inputs.shape == [batch.count, 2, 2, 3])
            for (k, i) in batch.labels.toIntArray().enumerated() {
                #expect(Array(values[(k * 12)..<((k + 1) * 12)]) == (0..<12).map { Float(i * 100 + $0) })
            }
        }
    }

    @Test func shuffleIsDeterministicPerSeedAndEpoch() {
        let dataset = indexedDataset(count: 50)
        let a = DataLoader(dataset: dataset, batchSize: 8, shuffle: true, seed: 42)
        let b = DataLoader(dataset: dataset, batchSize: 8, shuffle: true, seed: 42)
        let a0 = epochLabels(a), a1 = epochLabels(a)
        #expect(a0 == epochLabels(b))
        #expect(a1 == epochLabels(b))
        #expect(a0 != a1)
        for epoch in [a0, a1] {
            #expect(epoch.flatMap { $0 }.sorted() == Array(0..<50))
            #expect(epoch.flatMap { $0 } != Array(0..<50))
        }
        #expect(a.nextEpoch == 2)
        #expect(epochLabels(DataLoader(dataset: dataset, batchSize: 8, shuffle: true, seed: 43)) != a0)
        // Any epoch can be replayed, and the counter can be moved (to resume).
        #expect(Array(IteratorSequence(a.batches(epoch: 1))).map { $0.labels.toIntArray() } == a1)
        #expect(a.nextEpoch == 2)
        a.nextEpoch = 0
        #expect(epochLabels(a) == a0)
        #expect(a.order(epoch: 1) == a1.flatMap { $0 })
    }

    @Test func withoutShuffleEveryEpochIsInOrder() {
        let loader = DataLoader(dataset: indexedDataset(count: 11), batchSize: 4, seed: 9)
        #expect(epochLabels(loader).flatMap { $0 } == Array(0..<11))
        #expect(epochLabels(loader).flatMap { $0 } == Array(0..<11))
    }

    @Test func dropLastWithShuffleSkipsOnlyTheRemainder() {
        let loader = DataLoader(dataset: indexedDataset(count: 23), batchSize: 5, shuffle: true, seed: 1, dropLast: true)
        let labels = epochLabels(loader)
        #expect(labels.count == 4 && labels.allSatisfy { $0.count == 5 })
        #expect(Set(labels.flatMap { $0 }).count == 20)
        #expect(labels.flatMap { $0 } == Array(loader.order(epoch: 0).prefix(20)))
    }

    /// With augmentation drawing random numbers, prefetching must not change any batch.
    @Test func prefetchGivesIdenticalBatches() {
        let transform = ComposedTransform([RandomCrop(size: 2, padding: 1), RandomHorizontalFlip(), AddRandomOffset()])
        let dataset = indexedDataset(count: 37, channels: 2, transform: transform)
        let plain = DataLoader(dataset: dataset, batchSize: 4, shuffle: true, seed: 77)
        let prefetched = DataLoader(dataset: dataset, batchSize: 4, shuffle: true, seed: 77, prefetch: true)
        for _ in 0..<2 {
            let x = Array(plain), y = Array(prefetched)
            #expect(x.count == 10 && y.count == 10)
            for (p, q) in zip(x, y) {
                #expect(p.inputs.shape == q.inputs.shape && p.inputs.toArray() == q.inputs.toArray())
                #expect(p.labels.toIntArray() == q.labels.toIntArray())
            }
        }
        #expect(prefetched.runningPrefetchThreads.load(ordering: .sequentiallyConsistent) == 0)
    }

    /// Each batch of each epoch gets its own augmentation stream.
    @Test func augmentationDiffersAcrossBatchesAndEpochs() {
        let loader = DataLoader(dataset: indexedDataset(count: 40, transform: AddRandomOffset()), batchSize: 4, seed: 6)
        // The first pixel of a batch is below 5000 plus the random offset · 10⁶.
        func offsets() -> [Int] { loader.map { Int(($0.inputs.toArray()[0] / 1_000_000).rounded()) } }
        let first = offsets(), second = offsets()
        #expect(first.count == 10 && Set(first).count > 5, "\(first)")
        #expect(first != second)
        loader.nextEpoch = 0
        #expect(offsets() == first)
    }

    @Test func stoppingEarlyEndsThePrefetchThread() {
        let loader = DataLoader(dataset: indexedDataset(count: 500), batchSize: 2, shuffle: true, seed: 5, prefetch: true)
        do {
            var iterator = loader.makeIterator()
            #expect(iterator.next() != nil)
            #expect(iterator.next() != nil)
            // The producer is blocked on the full queue (250 batches in the epoch).
            #expect(loader.runningPrefetchThreads.load(ordering: .sequentiallyConsistent) == 1)
        }
        #expect(loader.runningPrefetchThreads.load(ordering: .sequentiallyConsistent) == 0)
        // A `for` loop that breaks out also stops the thread.
        for (i, _) in loader.enumerated() where i == 3 { break }
        #expect(loader.runningPrefetchThreads.load(ordering: .sequentiallyConsistent) == 0)
        // An iterator made and never used.
        _ = loader.makeIterator()
        #expect(loader.runningPrefetchThreads.load(ordering: .sequentiallyConsistent) == 0)
        #expect(loader.nextEpoch == 3)
    }
}
