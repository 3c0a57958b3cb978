import Foundation
import Testing
import FlintModels
import FlintTestSupport

/// Continuous batching on SmolLM2: concurrent requests give the tokens they give alone, a prompt that extends a
/// finished one reuses its cache, the queue limit holds, and a dropped stream frees its slot.
@Suite(.serialized) struct GenerationEngineTests {
    static func model() throws -> LanguageModel { try LanguageModelTests.model() }

    static func collect(_ stream: AsyncThrowingStream<GenerationEngine.Event, Error>) async throws -> (started: (Int, Int)?, ids: [Int], text: String, finish: FinishReason?) {
        var started: (Int, Int)?
        var ids = [Int](), text = "", finish: FinishReason?
        for try await event in stream {
            switch event {
            case let .started(prompt, cached): started = (prompt, cached)
            case .token(let token):
                ids.append(token.id)
                text += token.text
                if let reason = token.finishReason { finish = reason }
            }
        }
        return (started, ids, text, finish)
    }

    /// Waits (at most 2 s) until the engine's published status satisfies `condition`: it is published right
    /// after the step that ended a request, a moment after the request's stream finished.
    static func eventually(_ engine: GenerationEngine, _ condition: (GenerationEngine.Status) -> Bool) async throws -> Bool {
        for _ in 0..<80 {
            if condition(engine.currentStatus) { return true }
            try await Task.sleep(for: .milliseconds(25))
        }
        return condition(engine.currentStatus)
    }

    /// Runs blocking work (a whole generation) on a thread of its own, so the test does not hold one of the few
    /// threads of Swift's cooperative pool that in-process servers of other suites need.
    static func offPool<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            let thread = Thread { continuation.resume(with: Result { try work() }) }
            thread.stackSize = 8 << 20
            thread.start()
        }
    }

    @Test func concurrentRequestsMatchSingleOnes() async throws {
        let model = try Self.model()
        let prompts = [try LanguageModelTests.cats().prompt, "The capital of France is", "def fibonacci(n):", "Once upon a time"]
        let alone = try await Self.offPool {
            try prompts.map { try model.complete(prompt: $0, parameters: LanguageModelTests.greedy(maxTokens: 10 + $0.count % 5)).tokenIds }
        }
        var configuration = GenerationEngine.Configuration()
        configuration.maxSequences = 3   // the fourth waits for a slot, then joins the running batch
        configuration.promptBudget = 8    // prompts are prefilled over several steps, interleaved with decoding
        let engine = GenerationEngine(model: model, configuration: configuration)
        defer { engine.shutdown() }
        let results = try await withThrowingTaskGroup(of: (Int, [Int]).self) { group in
            for (index, prompt) in prompts.enumerated() {
                let stream = try engine.submit(promptTokens: model.tokenize(prompt), parameters: LanguageModelTests.greedy(maxTokens: 10 + prompt.count % 5))
                group.addTask { (index, try await Self.collect(stream).ids) }
            }
            var results = [[Int]](repeating: [], count: prompts.count)
            for try await (index, ids) in group { results[index] = ids }
            return results
        }
        #expect(results == alone)
    }

    /// The second turn of a chat starts with the first turn's prompt and answer: the engine continues from that
    /// sequence's cache, reports the reused tokens, and generates what a fresh sequence would.
    @Test func secondTurnReusesTheFirstTurnsCache() async throws {
        let model = try Self.model()
        let format = try ChatFormat(model: model)
        let engine = GenerationEngine(model: model)
        defer { engine.shutdown() }
        let first = try format.promptTokens([.message(role: "user", content: "Write one sentence about cats.")])
        let answer = try await Self.collect(try engine.submit(promptTokens: first, parameters: LanguageModelTests.greedy(maxTokens: 30)))
        #expect(answer.started?.1 == 0)
        let second = try format.promptTokens([.message(role: "user", content: "Write one sentence about cats."),
                                              .message(role: "assistant", content: answer.text),
                                              .message(role: "user", content: "And one about dogs.")])
        let continued = try await Self.collect(try engine.submit(promptTokens: second, parameters: LanguageModelTests.greedy(maxTokens: 12)))
        let cached = try #require(continued.started?.1)
        #expect(cached >= first.count && cached < second.count, "cached \(cached) of \(second.count); first turn \(first.count)")
        let fresh = try await Self.offPool { try model.complete(promptTokens: second, parameters: LanguageModelTests.greedy(maxTokens: 12)) }
        #expect(continued.ids == fresh.tokenIds)
        #expect(try await Self.eventually(engine) { $0.prefixCacheEntries >= 1 })
    }

    @Test func queueLimitAndCancellation() async throws {
        let model = try Self.model()
        var configuration = GenerationEngine.Configuration()
        configuration.maxSequences = 1
        configuration.maxQueueLength = 1
        let engine = GenerationEngine(model: model, configuration: configuration)
        defer { engine.shutdown() }
        let prompt = model.tokenize("Once upon a time")
        let long = try engine.submit(promptTokens: prompt, parameters: LanguageModelTests.greedy(maxTokens: 400))
        let consumer = Task { var count = 0; for try await _ in long { count += 1 }; return count }
        // Wait until the first request holds the slot, so the next one queues.
        for _ in 0..<200 where engine.currentStatus.activeSequences == 0 { try await Task.sleep(for: .milliseconds(50)) }
        #expect(engine.currentStatus.activeSequences == 1)
        let queued = try engine.submit(promptTokens: prompt, parameters: LanguageModelTests.greedy(maxTokens: 3))
        #expect(throws: GenerationEngine.EngineError.queueFull(limit: 1)) {
            try engine.submit(promptTokens: prompt, parameters: LanguageModelTests.greedy(maxTokens: 3))
        }
        // Cancelling the long request's consumer frees its slot: the queued request gets it and completes.
        consumer.cancel()
        let done = try await Self.collect(queued)
        #expect(done.ids.count == 3 && done.finish == .length)
        #expect(try await consumer.value < 400)
        #expect(try await Self.eventually(engine) { $0.activeSequences == 0 })
        // Invalid parameters arrive as the stream's error.
        var bad = SamplingParameters.greedy
        bad.topP = 0
        await #expect(throws: LanguageModel.GenerationError.self) { _ = try await Self.collect(try engine.submit(promptTokens: prompt, parameters: bad)) }
    }
}
