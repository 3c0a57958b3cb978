import AsyncHTTPClient
import Foundation
import NIOCore

extension OpenAIClient {
    /// `POST /chat/completions` with `stream: true` and `stream_options.include_usage`: the chunks as they
    /// arrive (server-sent events, `data: {…}` until `data: [DONE]`); the last one carries the usage.
    ///
    /// A 429 or 5xx before the stream starts is retried like ``chatCompletion(_:)``; an error after it started
    /// ends the stream with ``OpenAIClientError/invalidResponse(_:)`` or the transport error. Cancelling the
    /// consuming task closes the connection, which stops the server's generation.
    ///
    /// ```swift
    /// for try await chunk in client.chatCompletionStream(request) {
    ///     print(chunk.choices.first?.delta.content ?? "", terminator: "")
    /// }
    /// ```
    public func chatCompletionStream(_ request: ChatCompletionRequest) -> AsyncThrowingStream<ChatCompletionChunk, Error> {
        var streaming = request
        streaming.stream = true
        streaming.streamOptions = .init(includeUsage: true)
        let body = streaming
        return AsyncThrowingStream { continuation in
            let task = Task {
                do {
                    let response = try await self.open("/chat/completions", body, accept: "text/event-stream")
                    var parser = ServerSentEventParser()
                    for try await buffer in response.body {
                        for data in parser.feed(Array(buffer.readableBytesView)) {
                            if data == "[DONE]" {
                                continuation.finish()
                                return
                            }
                            if let error = (try? JSONSerialization.jsonObject(with: Data(data.utf8)) as? [String: Any])?["error"] as? [String: Any] {
                                throw OpenAIClientError.invalidResponse("the stream ended with an error: \(error["message"] as? String ?? data)")
                            }
                            do {
                                continuation.yield(try JSONDecoder().decode(ChatCompletionChunk.self, from: Data(data.utf8)))
                            } catch {
                                throw OpenAIClientError.invalidResponse("/chat/completions: a chunk that is not a chat.completion.chunk: \(error)")
                            }
                        }
                    }
                    throw OpenAIClientError.invalidResponse("/chat/completions: the stream ended without data: [DONE]")
                } catch {
                    continuation.finish(throwing: error)
                }
            }
            continuation.onTermination = { _ in task.cancel() }
        }
    }

    /// POSTs JSON and returns the 2xx response without reading its body. Transport errors, 429 and 5xx are retried
    /// with exponential back-off (honouring `Retry-After`) up to `maxRetries`; another status throws
    /// ``OpenAIClientError/http(status:message:type:code:attempts:)`` with the error body's message, type and code.
    func open<Body: Encodable & Sendable>(_ path: String, _ body: Body, accept: String) async throws -> HTTPClientResponse {
        let payload = try JSONEncoder().encode(body)
        var attempt = 0
        while true {
            attempt += 1
            var request = HTTPClientRequest(url: configuration.baseURL + path)
            request.method = .POST
            request.headers.add(name: "Content-Type", value: "application/json")
            request.headers.add(name: "Accept", value: accept)
            if let key = configuration.apiKey { request.headers.add(name: "Authorization", value: "Bearer \(key)") }
            request.body = .bytes(ByteBuffer(bytes: payload))
            let response: HTTPClientResponse
            do {
                response = try await httpClient.execute(request, timeout: .nanoseconds(configuration.timeout.nanosecondCount))
            } catch {
                if attempt > configuration.maxRetries { throw OpenAIClientError.transport(message: "\(error)", attempts: attempt) }
                logger.warning("request failed, retrying", metadata: ["path": "\(path)", "attempt": "\(attempt)", "error": "\(error)"])
                try await Task.sleep(for: configuration.backoff(beforeRetry: attempt))
                continue
            }
            let status = Int(response.status.code)
            if (200..<300).contains(status) { return response }
            let data = Data((try await response.body.collect(upTo: 1 << 20)).readableBytesView)
            let retryable = status == 429 || (500..<600).contains(status)
            if retryable && attempt <= configuration.maxRetries {
                let retryAfter = response.headers.first(name: "Retry-After").flatMap(Double.init).map { Duration.milliseconds(Int64($0 * 1000)) }
                logger.warning("retrying", metadata: ["path": "\(path)", "status": "\(status)", "attempt": "\(attempt)"])
                try await Task.sleep(for: configuration.backoff(beforeRetry: attempt, retryAfter: retryAfter))
                continue
            }
            let error = (try? JSONSerialization.jsonObject(with: data) as? [String: Any])?["error"] as? [String: Any]
            throw OpenAIClientError.http(status: status, message: error?["message"] as? String ?? String(decoding: data.prefix(500), as: UTF8.self),
                                         type: error?["type"] as? String, code: error?["code"] as? String, attempts: attempt)
        }
    }
}

/// Splits a `text/event-stream` body into the `data` of its events (lines `data: …`, events ended by a blank
/// line; several `data` lines of one event joined with newlines; comments and other fields ignored), whatever
/// the chunking of the bytes.
struct ServerSentEventParser {
    private var pending: [UInt8] = []
    private var data: [String] = []

    /// The data of every event completed by `bytes`.
    mutating func feed(_ bytes: [UInt8]) -> [String] {
        pending += bytes
        var events = [String]()
        while let newline = pending.firstIndex(of: UInt8(ascii: "\n")) {
            var line = Array(pending[..<newline])
            pending.removeSubrange(...newline)
            if line.last == UInt8(ascii: "\r") { line.removeLast() }
            if line.isEmpty {
                if !data.isEmpty { events.append(data.joined(separator: "\n")) }
                data = []
                continue
            }
            let text = String(decoding: line, as: UTF8.self)
            if text.hasPrefix("data:") {
                var value = text.dropFirst(5)
                if value.first == " " { value = value.dropFirst() }
                data.append(String(value))
            }
        }
        return events
    }
}
