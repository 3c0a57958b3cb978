import Foundation
import Synchronization
import Testing
import FlintModels
import FlintClient
import Hummingbird
import HummingbirdTesting
@testable import FlintServe

/// The OpenAI-compatible client against Flint's own server over real TCP, and against a scripted
/// endpoint for chat completions, retries and concurrency limits.
@Suite struct OpenAIClientTests {
    @Test("embeddings through the client equal the pipeline's; embedAll keeps order across concurrent batches; the API key is sent")
    func embeddingsAgainstFlint() async throws {
        let directory = ServeFixtures.scratch("client")
        defer { try? FileManager.default.removeItem(at: directory) }
        let folder = try ServeFixtures.encoder(in: directory)
        let pipeline = try SentenceEmbeddingPipeline(model: ModelFolder(url: folder))
        let server = try ServeFixtures.server(directory, models: [ModelSpecification(name: "embedder", source: folder.path)],
                                              configure: { $0.auth.apiKeysEnv = "KEYS" }, environment: ["KEYS": "k-123"])
        let texts = (0..<23).map { "\(ServeFixtures.words[$0 % ServeFixtures.words.count]) \(ServeFixtures.words[($0 * 5) % ServeFixtures.words.count])" }
        let expected = try pipeline(texts)
        try await server.makeApplication().test(.live) { live in
            try await live.waitUntilReady()
            let port = try #require(live.port)
            let client = OpenAIClient(configuration: .init(baseURL: "http://127.0.0.1:\(port)/v1", apiKey: "k-123",
                                                           maximumConcurrency: 3))
            let one = try await client.embeddings(EmbeddingsRequest(input: ["the product is good"], model: "embedder"))
            #expect(one.model == "embedder" && one.object == "list" && one.usage?.promptTokens == 6)
            #expect(one.data[0].embedding == (try pipeline("the product is good")))
            let base64 = try await client.embeddings(EmbeddingsRequest(input: ["the product is good"], encodingFormat: "base64"))
            #expect(base64.data[0].embedding == one.data[0].embedding)
            let all = try await client.embedAll(texts, model: "embedder", batchSize: 4)
            #expect(all.count == texts.count)
            for (got, want) in zip(all, expected) { #expect(zip(got, want).allSatisfy { abs($0 - $1) < 1e-6 }) }

            let anonymous = OpenAIClient(configuration: .init(baseURL: "http://127.0.0.1:\(port)/v1", maxRetries: 0))
            await #expect(throws: OpenAIClientError.self) { _ = try await anonymous.embeddings(EmbeddingsRequest(input: ["x"])) }
            do {
                _ = try await anonymous.embeddings(EmbeddingsRequest(input: ["x"]))
            } catch let error as OpenAIClientError {
                #expect(error == .http(status: 401, message: "a valid API key is required: Authorization: Bearer <key>",
                                       type: "authentication_error", code: "invalid_api_key", attempts: 1))
            }
            // A 4xx is not retried.
            let wrongModel = OpenAIClient(configuration: .init(baseURL: "http://127.0.0.1:\(port)/v1", apiKey: "k-123",
                                                               initialBackoff: .milliseconds(1)))
            do {
                _ = try await wrongModel.embeddings(EmbeddingsRequest(input: ["x"], model: "nope"))
                Issue.record("unknown model accepted")
            } catch let OpenAIClientError.http(status, _, _, code, attempts) {
                #expect(status == 404 && code == "model_not_found" && attempts == 1)
            }
        }
    }

    /// A scripted OpenAI-style chat endpoint: fails the first `failures` calls with the given status,
    /// then answers; records concurrency.
    final class ScriptedEndpoint: Sendable {
        struct State { var calls = 0; var inFlight = 0; var peak = 0; var failuresLeft: Int }
        let state: Mutex<State>
        let failureStatus: HTTPResponse.Status
        init(failures: Int, status: HTTPResponse.Status) {
            state = Mutex(State(failuresLeft: failures))
            failureStatus = status
        }

        func router() -> Router<BasicRequestContext> {
            let router = Router()
            router.post("/v1/chat/completions") { request, context -> Response in
                let fail = self.state.withLock { s -> Bool in
                    s.calls += 1
                    s.inFlight += 1
                    s.peak = max(s.peak, s.inFlight)
                    if s.failuresLeft > 0 { s.failuresLeft -= 1; return true }
                    return false
                }
                defer { self.state.withLock { $0.inFlight -= 1 } }
                try await Task.sleep(for: .milliseconds(20))
                if fail {
                    return Response(status: self.failureStatus, headers: [.retryAfter: "0", .contentType: "application/json"],
                                    body: .init(byteBuffer: ByteBuffer(string: #"{"error": {"message": "slow down", "type": "rate_limit", "code": "rate_limited"}}"#)))
                }
                let chat = try await request.decode(as: ChatCompletionRequest.self, context: context)
                let reply = ChatCompletionResponse(id: "chat-1", object: "chat.completion", created: 0, model: chat.model,
                    choices: [.init(index: 0, message: ChatMessage(role: "assistant", content: "echo: \(chat.messages.last?.content ?? "")"),
                                    finishReason: "stop")],
                    usage: .init(promptTokens: 3, completionTokens: 2, totalTokens: 5))
                return Response(status: .ok, headers: [.contentType: "application/json"],
                                body: .init(byteBuffer: ByteBuffer(bytes: try JSONEncoder().encode(reply))))
            }
            return router
        }
    }

    @Test("429 and 5xx are retried with back-off until the server answers; retries stop at maxRetries")
    func retries() async throws {
        for status in [HTTPResponse.Status.tooManyRequests, .serviceUnavailable, .internalServerError] {
            let endpoint = ScriptedEndpoint(failures: 2, status: status)
            try await Application(router: endpoint.router()).test(.live) { live in
                let port = try #require(live.port)
                let client = OpenAIClient(configuration: .init(baseURL: "http://127.0.0.1:\(port)/v1", maxRetries: 3,
                                                               initialBackoff: .milliseconds(5)))
                let reply = try await client.chatCompletion(ChatCompletionRequest(model: "m", messages: [.init(role: "user", content: "hi")]))
                #expect(reply.choices.first?.message.content == "echo: hi")
                #expect(endpoint.state.withLock { $0.calls } == 3, "\(status): two failures, then success")

                let stubborn = ScriptedEndpoint(failures: 100, status: status)
                _ = stubborn
            }
        }
        let endpoint = ScriptedEndpoint(failures: 100, status: .tooManyRequests)
        try await Application(router: endpoint.router()).test(.live) { live in
            let port = try #require(live.port)
            let client = OpenAIClient(configuration: .init(baseURL: "http://127.0.0.1:\(port)/v1", maxRetries: 2,
                                                           initialBackoff: .milliseconds(5)))
            do {
                _ = try await client.chatCompletion(ChatCompletionRequest(model: "m", messages: [.init(role: "user", content: "hi")]))
                Issue.record("expected a 429 failure")
            } catch let OpenAIClientError.http(status, message, _, code, attempts) {
                #expect(status == 429 && message == "slow down" && code == "rate_limited" && attempts == 3)
            }
        }
    }

    @Test("batch chat requests run at most maximumConcurrency at once and come back in order")
    func concurrencyLimit() async throws {
        let endpoint = ScriptedEndpoint(failures: 0, status: .ok)
        try await Application(router: endpoint.router()).test(.live) { live in
            let port = try #require(live.port)
            let client = OpenAIClient(configuration: .init(baseURL: "http://127.0.0.1:\(port)/v1", maximumConcurrency: 3))
            let requests = (0..<12).map { ChatCompletionRequest(model: "m", messages: [.init(role: "user", content: "q\($0)")]) }
            let results = await client.chatCompletions(requests)
            #expect(results.count == 12)
            for (index, result) in results.enumerated() {
                #expect((try? result.get().choices.first?.message.content) == "echo: q\(index)")
            }
            let peak = endpoint.state.withLock { $0.peak }
            #expect(peak <= 3 && peak >= 2, "peak in flight \(peak)")
        }
    }

    @Test("back-off doubles from the initial delay, is capped, and honours a longer Retry-After")
    func backoffSchedule() {
        let configuration = OpenAIClientConfiguration(baseURL: "http://x/v1/", initialBackoff: .milliseconds(100), maximumBackoff: .seconds(1))
        #expect(configuration.baseURL == "http://x/v1")
        #expect(configuration.backoff(beforeRetry: 1, jitter: 1) == .milliseconds(100))
        #expect(configuration.backoff(beforeRetry: 3, jitter: 1) == .milliseconds(400))
        #expect(configuration.backoff(beforeRetry: 8, jitter: 1) == .seconds(1))
        #expect(configuration.backoff(beforeRetry: 1, retryAfter: .milliseconds(700), jitter: 1) == .milliseconds(700))
        #expect(configuration.backoff(beforeRetry: 1, retryAfter: .seconds(30), jitter: 1) == .seconds(1))
    }
}
