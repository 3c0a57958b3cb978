import Foundation
import FlintText

/// Continuous batching over one ``LanguageModel``: requests wait in a FIFO queue, up to
/// ``Configuration/maxSequences`` run at once, and every step is one forward pass over all of them —
/// each decoding sequence contributes its one new token, prompts are prefilled in chunks within
/// ``Configuration/promptBudget`` tokens per step — so a new request joins the running batch at the next
/// step instead of waiting for the others to finish (llama-server's slots with `--cont-batching`).
///
/// Finished sequences leave their KV cache in a prefix cache (least recently used first out, bounded by
/// ``Configuration/prefixCacheBytes``): a request whose prompt starts with the tokens of a cached sequence
/// (the earlier turns of a chat, a shared system prompt) continues from that cache, and only the rest of
/// its prompt is computed.
///
/// ```swift
/// let engine = GenerationEngine(model: model)
/// for try await event in try engine.submit(promptTokens: ids, parameters: parameters) {
///     if case .token(let token) = event { print(token.text, terminator: "") }
/// }
/// ```
///
/// The work runs on one thread of its own (forward passes use Flint's thread pool). Cancelling the consuming
/// task, or dropping the stream, removes the request from the queue or the batch at the next step.
public final class GenerationEngine: @unchecked Sendable {
    /// Limits of an engine.
    public struct Configuration: Sendable, Equatable {
        /// Sequences decoded together (llama-server's `-np`). Default 4.
        public var maxSequences = 4
        /// Requests waiting for a slot beyond which ``submit(promptTokens:parameters:topLogprobs:priority:)``
        /// refuses new ones. Default 64.
        public var maxQueueLength = 64
        /// Prompt tokens prefilled per step over all sequences (llama.cpp's `n_batch`). Default 512.
        public var promptBudget = 512
        /// Memory for the KV caches kept for prefix reuse after their sequences finished (0: no prefix cache).
        /// Default 256 MiB.
        public var prefixCacheBytes = 256 << 20

        public init() {}

        /// The first field out of range, as `name: message`, or nil.
        public var validationError: String? {
            if maxSequences < 1 { return "max_sequences: must be ≥ 1 (got \(maxSequences))" }
            if maxQueueLength < 0 { return "max_queue_length: must be ≥ 0 (got \(maxQueueLength))" }
            if promptBudget < 1 { return "prompt_budget: must be ≥ 1 (got \(promptBudget))" }
            if prefixCacheBytes < 0 { return "prefix_cache_bytes: must be ≥ 0 (got \(prefixCacheBytes))" }
            return nil
        }
    }

    /// Interactive requests are admitted before batch work (both FIFO among themselves).
    public enum Priority: Sendable { case interactive, batch }

    /// What a request's stream delivers: once, when the request gets its slot, the prompt size and how much
    /// of it came from the prefix cache; then each generated token (the last one has a finish reason).
    public enum Event: Sendable {
        case started(promptTokens: Int, cachedTokens: Int)
        case token(GeneratedToken)
    }

    /// Why a request was refused.
    public enum EngineError: Error, Equatable, CustomStringConvertible {
        /// The queue is full; retry later.
        case queueFull(limit: Int)
        /// The engine was shut down.
        case stopped

        public var description: String {
            switch self {
            case .queueFull(let limit): return "the queue is full (\(limit) requests waiting); retry later"
            case .stopped: return "the generation engine is shutting down"
            }
        }
    }

    /// A snapshot for metrics.
    public struct Status: Sendable, Equatable {
        public var activeSequences: Int
        public var queuedRequests: Int
        /// Bytes of KV cache held by active sequences and the prefix cache.
        public var kvCacheBytes: Int
        /// Sequences in the prefix cache.
        public var prefixCacheEntries: Int
    }

    public let model: LanguageModel
    public let configuration: Configuration

    private struct Pending {
        let promptTokens: [Int]
        let parameters: SamplingParameters
        let topLogprobs: Int
        let continuation: AsyncThrowingStream<Event, Error>.Continuation
        let cancelled: CancellationFlag
    }

    private struct Active {
        let sequence: GenerationSequence
        let continuation: AsyncThrowingStream<Event, Error>.Continuation
        let cancelled: CancellationFlag
    }

    /// A finished sequence's cache and the token ids it holds.
    private struct CachedPrefix {
        let tokens: [Int]
        let cache: LlamaKVCache
    }

    private let condition = NSCondition()
    // Guarded by `condition`.
    private var interactive: [Pending] = []
    private var batch: [Pending] = []
    private var stopped = false
    private var status = Status(activeSequences: 0, queuedRequests: 0, kvCacheBytes: 0, prefixCacheEntries: 0)
    // Touched only by the engine thread.
    private var active: [Active] = []
    private var prefixes: [CachedPrefix] = []   // least recently used first

    /// Starts the engine's thread.
    public init(model: LanguageModel, configuration: Configuration = Configuration()) {
        self.model = model
        self.configuration = configuration
        let thread = Thread { [self] in loop() }
        thread.name = "flint-generation"
        thread.stackSize = 8 << 20
        thread.start()
    }

    /// Queues a request.
    ///
    /// - Throws: ``EngineError/queueFull(limit:)`` when ``Configuration/maxQueueLength`` requests already wait,
    ///   ``EngineError/stopped`` after ``shutdown()``. Invalid parameters and prompts that do not fit arrive as
    ///   the stream's error (``LanguageModel/GenerationError``), before any event.
    public func submit(promptTokens: [Int], parameters: SamplingParameters, topLogprobs: Int = 0,
                       priority: Priority = .interactive) throws -> AsyncThrowingStream<Event, Error> {
        let (stream, continuation) = AsyncThrowingStream<Event, Error>.makeStream()
        let cancelled = CancellationFlag()
        let pending = Pending(promptTokens: promptTokens, parameters: parameters, topLogprobs: topLogprobs,
                              continuation: continuation, cancelled: cancelled)
        condition.lock()
        defer { condition.unlock() }
        if stopped { throw EngineError.stopped }
        if interactive.count + batch.count >= configuration.maxQueueLength && status.activeSequences >= configuration.maxSequences {
            throw EngineError.queueFull(limit: configuration.maxQueueLength)
        }
        continuation.onTermination = { [weak self] _ in
            cancelled.set()
            self?.wake()
        }
        if priority == .interactive { interactive.append(pending) } else { batch.append(pending) }
        status.queuedRequests = interactive.count + batch.count
        condition.signal()
        return stream
    }

    /// The current load.
    public var currentStatus: Status {
        condition.lock()
        defer { condition.unlock() }
        return status
    }

    /// Refuses new requests, ends queued ones with ``EngineError/stopped``, lets running ones finish, and stops
    /// the thread when the batch is empty.
    public func shutdown() {
        condition.lock()
        stopped = true
        let dropped = interactive + batch
        interactive = []
        batch = []
        status.queuedRequests = 0
        condition.signal()
        condition.unlock()
        for request in dropped { request.continuation.finish(throwing: EngineError.stopped) }
    }

    private func wake() {
        condition.lock()
        condition.signal()
        condition.unlock()
    }

    private func loop() {
        while true {
            // Admit from the queue while slots are free; sleep when there is nothing to do.
            condition.lock()
            while interactive.isEmpty && batch.isEmpty && active.isEmpty && !stopped { condition.wait() }
            if stopped && active.isEmpty && interactive.isEmpty && batch.isEmpty {
                condition.unlock()
                return
            }
            var admitted = [Pending]()
            let free = configuration.maxSequences - active.count
            if free > 0 {
                let fromInteractive = min(free, interactive.count)
                admitted += interactive.prefix(fromInteractive)
                interactive.removeFirst(fromInteractive)
                let fromBatch = min(free - fromInteractive, batch.count)
                admitted += batch.prefix(fromBatch)
                batch.removeFirst(fromBatch)
            }
            status.queuedRequests = interactive.count + batch.count
            condition.unlock()

            for request in admitted { start(request) }
            // Requests whose client went away leave the batch (their cache still serves as a prefix).
            for entry in active where entry.cancelled.isSet { finish(entry, error: nil) }
            active.removeAll { $0.cancelled.isSet }
            publishStatus()
            if active.isEmpty { continue }

            let tokens: [GeneratedToken?]
            do {
                tokens = try model.step(active.map(\.sequence), promptBudget: configuration.promptBudget)
            } catch {
                for entry in active { finish(entry, error: error) }
                active.removeAll()
                publishStatus()
                continue
            }
            var stillActive = [Active]()
            for (entry, token) in zip(active, tokens) {
                if let token { entry.continuation.yield(.token(token)) }
                if entry.sequence.isActive { stillActive.append(entry) } else { finish(entry, error: nil) }
            }
            active = stillActive
            publishStatus()
        }
    }

    /// Makes the request's sequence, continuing from the cached prefix that shares the most leading tokens.
    private func start(_ request: Pending) {
        if request.cancelled.isSet {
            request.continuation.finish()
            return
        }
        do {
            var best: (index: Int, common: Int)?
            for (index, prefix) in prefixes.enumerated() {
                let common = Self.commonPrefixLength(prefix.tokens, request.promptTokens)
                if common > 0 && common > (best?.common ?? 0) { best = (index, common) }
            }
            let sequence: GenerationSequence
            if let best {
                let prefix = prefixes.remove(at: best.index)
                sequence = try model.makeSequence(promptTokens: request.promptTokens, parameters: request.parameters,
                                                  topLogprobs: request.topLogprobs, reusing: prefix.cache, cachedTokens: best.common)
            } else {
                sequence = try model.makeSequence(promptTokens: request.promptTokens, parameters: request.parameters,
                                                  topLogprobs: request.topLogprobs)
            }
            request.continuation.yield(.started(promptTokens: request.promptTokens.count, cachedTokens: sequence.reusedPromptTokens))
            if sequence.isActive {
                active.append(Active(sequence: sequence, continuation: request.continuation, cancelled: request.cancelled))
            } else {
                request.continuation.finish()
            }
        } catch {
            request.continuation.finish(throwing: error)
        }
    }

    /// Ends a request's stream and keeps its cache for prefix reuse.
    private func finish(_ entry: Active, error: Error?) {
        if let error { entry.continuation.finish(throwing: error) } else { entry.continuation.finish() }
        guard error == nil, configuration.prefixCacheBytes > 0 else { return }
        let tokens = entry.sequence.cachedTokens
        guard !tokens.isEmpty else { return }
        prefixes.append(CachedPrefix(tokens: tokens, cache: entry.sequence.cache))
        var bytes = prefixes.reduce(0) { $0 + $1.cache.byteCount }
        while bytes > configuration.prefixCacheBytes, !prefixes.isEmpty {
            bytes -= prefixes.removeFirst().cache.byteCount
        }
    }

    private func publishStatus() {
        let bytes = active.reduce(0) { $0 + $1.sequence.cache.byteCount } + prefixes.reduce(0) { $0 + $1.cache.byteCount }
        condition.lock()
        status.activeSequences = active.count
        status.kvCacheBytes = bytes
        status.prefixCacheEntries = prefixes.count
        condition.unlock()
    }

    static func commonPrefixLength(_ a: [Int], _ b: [Int]) -> Int {
        var count = 0
        let limit = min(a.count, b.count)
        while count < limit && a[count] == b[count] { count += 1 }
        return count
    }
}
