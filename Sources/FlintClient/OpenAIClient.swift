import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import NIOHTTP1

/// A client for OpenAI-compatible endpoints — Flint's own server, OpenAI, vLLM, llama.cpp's server —
/// over async-http-client: embeddings and chat completions with an API key, retries with exponential
/// back-off on 429 and 5xx (honouring `Retry-After`), and batch helpers that keep at most
/// `maximumConcurrency` requests in flight and return results in input order.
///
/// ```swift
/// let client = OpenAIClient(configuration: .init(baseURL: "http://127.0.0.1:8080/v1", apiKey: key))
/// let vectors = try await client.embedAll(texts, model: "minilm", batchSize: 32)
/// ```
public final class OpenAIClient: Sendable {
    /// The endpoint and policies.
    public let configuration: OpenAIClientConfiguration
    let httpClient: HTTPClient
    let logger: Logger

    /// A client over `httpClient` (default: async-http-client's shared client).
    public init(configuration: OpenAIClientConfiguration, httpClient: HTTPClient = .shared,
                logger: Logger = Logger(label: "flint.client")) {
        self.configuration = configuration
        self.httpClient = httpClient
        self.logger = logger
    }

    /// `POST /embeddings`.
    public func embeddings(_ request: EmbeddingsRequest) async throws -> EmbeddingsResponse {
        let response: EmbeddingsResponse = try await post("/embeddings", request)
        guard response.data.count == request.input.count else {
            throw OpenAIClientError.invalidResponse("\(request.input.count) inputs but \(response.data.count) embeddings")
        }
        return response
    }

    /// `POST /chat/completions`.
    public func chatCompletion(_ request: ChatCompletionRequest) async throws -> ChatCompletionResponse {
        try await post("/chat/completions", request)
    }

    /// Embeds every text in batches of `batchSize`, at most `maximumConcurrency` batches in flight; the
    /// vectors come back in input order. Throws the first failure.
    public func embedAll(_ texts: [String], model: String? = nil, batchSize: Int = 32) async throws -> [[Float]] {
        precondition(batchSize > 0, "embedAll: batchSize must be positive, got \(batchSize)")
        let batches = stride(from: 0, to: texts.count, by: batchSize).map { Array(texts[$0..<min($0 + batchSize, texts.count)]) }
        let results = try await mapConcurrently(batches) { batch in
            try await self.embeddings(EmbeddingsRequest(input: batch, model: model)).data.sorted { $0.index < $1.index }.map(\.embedding)
        }
        return results.flatMap { $0 }
    }

    /// Runs every chat request, at most `maximumConcurrency` at once; each result in input order is the
    /// response or that request's error (one failure does not stop the others).
    public func chatCompletions(_ requests: [ChatCompletionRequest]) async -> [Result<ChatCompletionResponse, any Error>] {
        (try? await mapConcurrently(requests) { request in
            do { return Result<ChatCompletionResponse, any Error>.success(try await self.chatCompletion(request)) }
            catch { return .failure(error) }
        }) ?? []
    }

    /// `transform` over `items` with at most `maximumConcurrency` in flight, results in input order.
    func mapConcurrently<Item: Sendable, Output: Sendable>(_ items: [Item],
                                                         _ transform: @escaping @Sendable (Item) async throws -> Output) async throws -> [Output] {
        let limit = max(configuration.maximumConcurrency, 1)
        return try await withThrowingTaskGroup(of: (Int, Output).self) { group in
            var results = [Output?](repeating: nil, count: items.count)
            var next = 0
            while next < min(limit, items.count) {
                let index = next
                group.addTask { (index, try await transform(items[index])) }
                next += 1
            }
            while let (index, output) = try await group.next() {
                results[index] = output
                if next < items.count {
                    let index = next
                    group.addTask { (index, try await transform(items[index])) }
                    next += 1
                }
            }
            return results.map { $0! }
        }
    }

    /// POSTs JSON with retries (``open(_:_:accept:)``); decodes the 2xx body as `Response`.
    func post<Body: Encodable & Sendable, Response: Decodable>(_ path: String, _ body: Body) async throws -> Response {
        let response = try await open(path, body, accept: "application/json")
        let data: Data
        do {
            data = Data(try await response.body.collect(upTo: 64 << 20).readableBytesView)
        } catch {
            throw OpenAIClientError.transport(message: "\(error)", attempts: 1)
        }
        do {
            return try JSONDecoder().decode(Response.self, from: data)
        } catch {
            throw OpenAIClientError.invalidResponse("\(path): \(error)")
        }
    }
}

extension Duration {
    var nanosecondCount: Int64 {
        components.seconds * 1_000_000_000 + components.attoseconds / 1_000_000_000
    }
}
