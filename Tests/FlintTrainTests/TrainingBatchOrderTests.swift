import Testing
@testable import FlintTrain

@Suite("Training batch order")
struct TrainingBatchOrderTests {
    @Test("each epoch is a permutation fixed by seed and epoch; epochs differ")
    func permutations() {
        let order = TrainingBatchOrder(count: 10, batchSize: 4, dropLast: false, seed: 3)
        #expect(order.batchesPerEpoch == 3)
        let epoch0 = order.batches(epoch: 0)
        #expect(epoch0.map(\.count) == [4, 4, 2])
        #expect(epoch0.flatMap { $0 }.sorted() == Array(0..<10))
        #expect(order.batches(epoch: 0) == epoch0)
        #expect(order.batches(epoch: 1) != epoch0)
        let dropping = TrainingBatchOrder(count: 10, batchSize: 4, dropLast: true, seed: 3)
        #expect(dropping.batchesPerEpoch == 2)
        #expect(dropping.batches(epoch: 0).map(\.count) == [4, 4])
    }

    @Test("grouping by length puts similar lengths together and keeps every example once")
    func groupByLength() {
        let lengths = (0..<400).map { ($0 * 37) % 100 + 1 }
        let order = TrainingBatchOrder(count: 400, batchSize: 8, dropLast: false, seed: 5, lengths: lengths)
        let batches = order.batches(epoch: 0)
        #expect(batches.flatMap { $0 }.sorted() == Array(0..<400))
        // Mean spread (max − min length) inside a batch is far below random batches' (≈ 75).
        let spread = batches.map { batch in Double(batch.map { lengths[$0] }.max()! - batch.map { lengths[$0] }.min()!) }
        #expect(spread.reduce(0, +) / Double(spread.count) < 10)
    }
}
