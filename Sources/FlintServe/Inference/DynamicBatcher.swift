import Foundation
import Logging

/// Coalesces concurrent requests for one model version into shared forward passes, on a dedicated
/// inference thread (never on the server's event loops).
///
/// Batches form like Triton's dynamic batcher: the thread takes the oldest waiting request and keeps
/// adding the next ones while the batch holds at most `maxBatchSize` texts and `maxBatchTokens` tokens;
/// when fewer texts are waiting than fit, it waits for more until the oldest request has waited
/// `maxQueueDelay`. Under load the engine is busy while requests queue, so batches fill without any
/// waiting; at low load a request waits at most `maxQueueDelay`. A request bigger than the limits runs
/// alone. More than `maxQueueLength` waiting requests are refused (``APIError/queueFull(model:)``).
public final class DynamicBatcher: @unchecked Sendable {
    /// Limits of one forward pass and of the queue.
    public struct Limits: Sendable, Equatable {
        /// Most texts per forward pass.
        public var maxBatchSize: Int
        /// Most tokens per forward pass.
        public var maxBatchTokens: Int
        /// Longest wait of the oldest request for others to join.
        public var maxQueueDelay: Duration
        /// Most requests waiting.
        public var maxQueueLength: Int

        /// Limits.
        public init(maxBatchSize: Int = 32, maxBatchTokens: Int = 8_192, maxQueueDelay: Duration = .microseconds(1_000),
                    maxQueueLength: Int = 256) {
            self.maxBatchSize = maxBatchSize
            self.maxBatchTokens = maxBatchTokens
            self.maxQueueDelay = maxQueueDelay
            self.maxQueueLength = maxQueueLength
        }

        /// The `batching` section of a configuration.
        public init(_ batching: ServeConfiguration.Batching) {
            self.init(maxBatchSize: batching.maxBatchSize, maxBatchTokens: batching.maxBatchTokens,
                      maxQueueDelay: .microseconds(batching.maxQueueDelayUs), maxQueueLength: batching.maxQueueLength)
        }
    }

    private struct Job {
        let sequences: [[Int]]
        let tokens: Int
        let enqueued: ContinuousClock.Instant
        let continuation: CheckedContinuation<[InferenceOutput], any Error>
    }

    /// The model this batcher feeds.
    public let model: ServedModel
    /// Its limits.
    public let limits: Limits
    private let metrics: ServeMetrics?
    private let logger: Logger
    private let condition = NSCondition()
    private var queue: [Job] = []
    private var head = 0
    private var accepting = true
    private var finished = false
    private var thread: Thread?
    private let clock = ContinuousClock()

    /// Starts the inference thread.
    public init(model: ServedModel, limits: Limits, metrics: ServeMetrics?, logger: Logger) {
        self.model = model
        self.limits = limits
        self.metrics = metrics
        self.logger = logger
        let thread = Thread { self.loop() }  // the thread keeps the batcher alive until it drains
        thread.name = "flint-infer-\(model.name)-\(model.version)"
        thread.stackSize = 8 << 20
        self.thread = thread
        thread.start()
    }

    /// Runs `sequences` in a shared forward pass; one output per sequence, in order.
    /// Throws ``APIError/queueFull(model:)`` when the queue is full or the batcher is shutting down.
    public func submit(_ sequences: [[Int]]) async throws -> [InferenceOutput] {
        let tokens = sequences.reduce(0) { $0 + $1.count }
        return try await withCheckedThrowingContinuation { continuation in
            enqueue(Job(sequences: sequences, tokens: tokens, enqueued: clock.now, continuation: continuation))
        }
    }

    private func enqueue(_ job: Job) {
        condition.lock()
        let depth = queue.count - head
        guard accepting, depth < limits.maxQueueLength else {
            condition.unlock()
            job.continuation.resume(throwing: APIError.queueFull(model: model.name))
            return
        }
        queue.append(job)
        // The gauge is set under the lock, so that it never goes back to a stale value.
        metrics?.setQueueDepth(model: model.name, version: model.version, depth: depth + 1)
        condition.signal()
        condition.unlock()
    }

    /// Requests waiting now.
    public var queueDepth: Int {
        condition.lock()
        defer { condition.unlock() }
        return queue.count - head
    }

    /// Stops accepting work, finishes every queued request, then ends the thread. Waits for it.
    public func drain() async {
        stopAccepting()
        while !hasFinished() {
            try? await Task.sleep(for: .milliseconds(2))
        }
    }

    private func stopAccepting() {
        condition.lock()
        accepting = false
        condition.broadcast()
        condition.unlock()
    }

    private func hasFinished() -> Bool {
        condition.lock()
        defer { condition.unlock() }
        return finished
    }

    private func loop() {
        while true {
            condition.lock()
            while head == queue.count && accepting { condition.wait() }
            if head == queue.count && !accepting {
                finished = true
                condition.unlock()
                return
            }
            // Wait (up to the oldest request's deadline) while more texts would still fit.
            let deadline = queue[head].enqueued + limits.maxQueueDelay
            while accepting && pendingTexts() < limits.maxBatchSize && clock.now < deadline {
                let remaining = clock.now.duration(to: deadline)
                _ = condition.wait(until: Date(timeIntervalSinceNow: max(Double(remaining.nanoseconds) / 1e9, 0)))
            }
            var jobs = [queue[head]]
            var texts = queue[head].sequences.count
            var tokens = queue[head].tokens
            head += 1
            while head < queue.count {
                let next = queue[head]
                guard texts + next.sequences.count <= limits.maxBatchSize,
                      tokens + next.tokens <= limits.maxBatchTokens else { break }
                jobs.append(next)
                texts += next.sequences.count
                tokens += next.tokens
                head += 1
            }
            if head > 1024 && head * 2 > queue.count {
                queue.removeFirst(head)
                head = 0
            }
            metrics?.setQueueDepth(model: model.name, version: model.version, depth: queue.count - head)
            condition.unlock()
            run(jobs, texts: texts)
        }
    }

    private func pendingTexts() -> Int {
        var total = 0
        for index in head..<queue.count {
            total += queue[index].sequences.count
            if total >= limits.maxBatchSize { break }
        }
        return total
    }

    private func run(_ jobs: [Job], texts: Int) {
        let start = clock.now
        let outputs: [InferenceOutput]
        do {
            outputs = try model.run(jobs.flatMap(\.sequences))
        } catch {
            for job in jobs { job.continuation.resume(throwing: error) }
            logger.error("inference failed", metadata: ["model": "\(model.name)", "version": "\(model.version)",
                                                        "batch": "\(texts)", "error": "\(error)"])
            return
        }
        let elapsed = clock.now - start
        metrics?.recordBatch(model: model.name, version: model.version, size: texts, duration: elapsed)
        var offset = 0
        for job in jobs {
            let count = job.sequences.count
            job.continuation.resume(returning: Array(outputs[offset..<offset + count]))
            offset += count
        }
    }
}
