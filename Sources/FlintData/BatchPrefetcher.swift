import Flint
import Foundation

/// Prepares the batches of an ``EpochPlan`` on a background thread, at most `capacity` ahead.
///
/// The producer thread waits for room in a bounded queue before building each batch; the
/// consumer takes batches in order. Dropping the prefetcher (when iteration stops early)
/// cancels the producer and waits until its thread has finished, so no thread outlives its
/// iterator.
final class BatchPrefetcher {
    private let channel: PrefetchChannel

    /// Starts a producer thread for `plan`. `onExit` runs on the producer thread just before it
    /// reports that it has finished.
    init(plan: EpochPlan, capacity: Int, onExit: @escaping @Sendable () -> Void) {
        let channel = PrefetchChannel(capacity: capacity)
        self.channel = channel
        let thread = Thread {
            for b in 0..<plan.batchCount {
                guard channel.waitForRoom() else { break }
                guard channel.push(plan.batch(b)) else { break }
            }
            onExit()
            channel.finish()
        }
        thread.name = "flint-prefetch"
        thread.start()
    }

    /// The next batch, waiting for the producer if it is not ready; nil after the last one.
    func next() -> Batch? {
        channel.pop()
    }

    deinit {
        channel.cancelAndWait()
    }
}

/// The bounded queue between a prefetch producer and its consumer, guarded by one condition.
final class PrefetchChannel: @unchecked Sendable {
    private let condition = NSCondition()
    private var queue: [Batch] = []
    private var producerFinished = false
    private var cancelled = false
    let capacity: Int

    init(capacity: Int) {
        require(capacity >= 1, "PrefetchChannel: capacity must be at least 1, got \(capacity)")
        self.capacity = capacity
    }

    /// Producer: blocks until the queue has room; false if the consumer has gone.
    func waitForRoom() -> Bool {
        condition.lock()
        defer { condition.unlock() }
        while queue.count >= capacity && !cancelled { condition.wait() }
        return !cancelled
    }

    /// Producer: appends a batch; false if the consumer has gone.
    func push(_ batch: Batch) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        if cancelled { return false }
        queue.append(batch)
        condition.broadcast()
        return true
    }

    /// Producer: no more batches will come; the thread is about to exit.
    func finish() {
        condition.lock()
        producerFinished = true
        condition.broadcast()
        condition.unlock()
    }

    /// Consumer: the oldest batch, waiting if none is ready; nil when the producer has finished.
    func pop() -> Batch? {
        condition.lock()
        defer { condition.unlock() }
        while queue.isEmpty && !producerFinished { condition.wait() }
        if queue.isEmpty { return nil }
        let batch = queue.removeFirst()
        condition.broadcast()
        return batch
    }

    /// Consumer: stops the producer and waits until it has finished.
    func cancelAndWait() {
        condition.lock()
        cancelled = true
        queue.removeAll()
        condition.broadcast()
        while !producerFinished { condition.wait() }
        condition.unlock()
    }
}
