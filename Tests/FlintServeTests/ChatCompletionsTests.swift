import Foundation
import Testing
import FlintModels
import FlintClient
import FlintTestSupport
import Hummingbird
import HummingbirdTesting
import HTTPTypes
@testable import FlintServe

/// OpenAI's chat and text completion endpoints (and Azure OpenAI's deployment paths) on SmolLM2-135M-Instruct:
/// llama.cpp's greedy answer, OpenAI's response and chunk shapes, the prefix cache, errors naming the parameter,
/// a full queue, and a client that goes away mid-stream.
extension LLMServingTests {
@Suite(.serialized) struct ChatCompletionsTests {
    /// llama.cpp's greedy answer to "Write one sentence about cats." in SmolLM2's template (Fixtures/smollm2/cats.json).
    static let catsAnswer = "A cat is a majestic creature with a fluffy coat, a playful personality, and a loyal companion."

    static func server(configure: (inout ServeConfiguration) -> Void = { _ in }, environment: [String: String] = [:]) throws -> FlintServer {
        var configuration = ServeConfiguration()
        configuration.chatModels = [ChatModelSpecification(name: "smollm2", source: try TestModels.smolLM2.path, contextSize: 512)]
        configuration.dataDirectory = FileManager.default.temporaryDirectory.appendingPathComponent("flint-chat-tests-data").path
        configure(&configuration)
        return try FlintServer(configuration: configuration, environment: environment)
    }

    /// The `data:` payloads of a server-sent event stream.
    static func events(_ text: String) -> [String] {
        text.components(separatedBy: "\n\n").filter { !$0.isEmpty }.map { event in
            #expect(event.hasPrefix("data: "), "not an SSE data event: \(event)")
            return String(event.dropFirst(6))
        }
    }

    static func object(_ text: String) -> [String: Any] {
        (try? JSONSerialization.jsonObject(with: Data(text.utf8))) as? [String: Any] ?? [:]
    }

    @Test func greedyChatIsLlamaCppsAnswerInOpenAIsShape() async throws {
        try await withServer(try Self.server()) { client in
            let response = try await client.post("/v1/chat/completions", #"{"model": "smollm2", "messages": [{"role": "user", "content": "Write one sentence about cats."}], "temperature": 0}"#)
            #expect(response.status == .ok)
            let body = response.json
            #expect((body["id"] as? String)?.hasPrefix("chatcmpl-") == true)
            #expect(body["object"] as? String == "chat.completion")
            #expect(body["model"] as? String == "smollm2")
            #expect((body["system_fingerprint"] as? String)?.hasPrefix("flint-") == true)
            #expect((body["created"] as? Int).map { abs($0 - Int(Date().timeIntervalSince1970)) < 600 } == true)
            let choice = try #require((body["choices"] as? [[String: Any]])?.first)
            let message = try #require(choice["message"] as? [String: Any])
            #expect(message["role"] as? String == "assistant")
            #expect(message["content"] as? String == Self.catsAnswer)
            #expect(choice["finish_reason"] as? String == "stop")
            #expect(choice["logprobs"] is NSNull)
            let usage = try #require(body["usage"] as? [String: Any])
            // 36 prompt tokens as llama.cpp counts them; 21 generated, the end-of-turn token included.
            #expect(usage["prompt_tokens"] as? Int == 36 && usage["completion_tokens"] as? Int == 21 && usage["total_tokens"] as? Int == 57)
            #expect((usage["prompt_tokens_details"] as? [String: Any])?["cached_tokens"] as? Int == 0)

            // The second turn starts with the first: its prompt comes from the prefix cache.
            let second = try await client.post("/v1/chat/completions", """
                {"messages": [{"role": "user", "content": "Write one sentence about cats."}, {"role": "assistant", "content": "\(Self.catsAnswer)"},
                              {"role": "user", "content": [{"type": "text", "text": "And one"}, {"type": "text", "text": "about dogs."}]}],
                 "temperature": 0, "max_tokens": 8}
                """)
            #expect(second.status == .ok)
            let secondUsage = try #require(second.json["usage"] as? [String: Any])
            let cached = try #require((secondUsage["prompt_tokens_details"] as? [String: Any])?["cached_tokens"] as? Int)
            #expect(cached >= 36 + 19 && cached < (secondUsage["prompt_tokens"] as? Int ?? 0), "cached \(cached)")
            #expect(secondUsage["completion_tokens"] as? Int == 8)
            #expect((second.json["choices"] as? [[String: Any]])?.first?["finish_reason"] as? String == "length")

            // The metrics count it.
            var metrics = try await client.get("/metrics").text
            // The engine publishes its gauges right after the step that ended the request.
            for _ in 0..<40 where !metrics.contains("llm_active_sequences{model=\"smollm2\"} 0.0") {
                try await Task.sleep(for: .milliseconds(25))
                metrics = try await client.get("/metrics").text
            }
            #expect(metrics.contains("llm_generation_tokens_total{model=\"smollm2\"} 29"))
            #expect(metrics.contains("llm_cached_prompt_tokens_total{model=\"smollm2\"} \(cached)"))
            #expect(metrics.contains("llm_active_sequences{model=\"smollm2\"} 0.0"))
            #expect(metrics.contains("llm_time_to_first_token_seconds_count{model=\"smollm2\"} 2"))
        }
    }

    @Test func streamingFollowsOpenAIsChunkSequence() async throws {
        try await withServer(try Self.server()) { client in
            let response = try await client.post("/v1/chat/completions", #"{"messages": [{"role": "user", "content": "Write one sentence about cats."}], "temperature": 0, "stream": true, "stream_options": {"include_usage": true}, "logprobs": true, "top_logprobs": 2}"#)
            #expect(response.status == .ok)
            #expect(response.headers[.contentType] == "text/event-stream")
            let events = Self.events(response.text)
            #expect(events.last == "[DONE]")
            let chunks = events.dropLast().map(Self.object)
            #expect(chunks.allSatisfy { $0["object"] as? String == "chat.completion.chunk" })
            #expect(Set(chunks.compactMap { $0["id"] as? String }).count == 1)
            let choices = chunks.map { $0["choices"] as? [[String: Any]] ?? [] }
            // First: the role; then content deltas; then the finish reason; then usage with no choices.
            #expect((choices[0][0]["delta"] as? [String: Any])?["role"] as? String == "assistant")
            let contents = choices.dropFirst().dropLast(2).map { ($0[0]["delta"] as? [String: Any])?["content"] as? String ?? "<none>" }
            #expect(contents.joined() == Self.catsAnswer)
            let lastChoice = choices[choices.count - 2]
            #expect(lastChoice[0]["finish_reason"] as? String == "stop")
            #expect((lastChoice[0]["delta"] as? [String: Any])?.isEmpty == true)
            #expect(choices.last?.isEmpty == true)
            let usage = try #require(chunks.last?["usage"] as? [String: Any])
            #expect(usage["prompt_tokens"] as? Int == 36 && usage["completion_tokens"] as? Int == 21)
            #expect(chunks.dropLast().allSatisfy { $0["usage"] is NSNull })
            // Log-probabilities with two alternatives on the content deltas, the chosen token the most likely (greedy).
            let logprobs = try #require(choices[1][0]["logprobs"] as? [String: Any])
            let entry = try #require((logprobs["content"] as? [[String: Any]])?.first)
            let top = try #require(entry["top_logprobs"] as? [[String: Any]])
            #expect(top.count == 2 && top[0]["token"] as? String == entry["token"] as? String)
            #expect((entry["logprob"] as? Double).map { $0 <= 0 } == true)
        }
    }

    @Test func completionsEchoChoicesAndLegacyLogprobs() async throws {
        try await withServer(try Self.server()) { client in
            let response = try await client.post("/v1/completions", #"{"prompt": ["The capital of France is", "def fibonacci(n):"], "n": 2, "max_tokens": 6, "temperature": 0.7, "seed": 3, "echo": true}"#)
            #expect(response.status == .ok)
            #expect(response.json["object"] as? String == "text_completion")
            let choices = try #require(response.json["choices"] as? [[String: Any]])
            #expect(choices.map { $0["index"] as? Int } == [0, 1, 2, 3])
            #expect(choices.prefix(2).allSatisfy { ($0["text"] as? String)?.hasPrefix("The capital of France is") == true })
            #expect(choices.suffix(2).allSatisfy { ($0["text"] as? String)?.hasPrefix("def fibonacci(n):") == true })
            #expect((response.json["usage"] as? [String: Any])?["completion_tokens"] as? Int == 24)
            // The same seed gives the same text.
            let again = try await client.post("/v1/completions", #"{"prompt": ["The capital of France is", "def fibonacci(n):"], "n": 2, "max_tokens": 6, "temperature": 0.7, "seed": 3, "echo": true}"#)
            #expect((again.json["choices"] as? [[String: Any]])?.map { $0["text"] as? String } == choices.map { $0["text"] as? String })

            let logprobs = try await client.post("/v1/completions", #"{"prompt": "Once upon a time", "max_tokens": 4, "temperature": 0, "logprobs": 3}"#)
            let choice = try #require((logprobs.json["choices"] as? [[String: Any]])?.first)
            let table = try #require(choice["logprobs"] as? [String: Any])
            #expect((table["tokens"] as? [String])?.count == 4)
            #expect((table["token_logprobs"] as? [Double])?.count == 4)
            #expect((table["top_logprobs"] as? [[String: Double]])?.allSatisfy { $0.count == 3 } == true)
            #expect((table["tokens"] as? [String])?.joined() == choice["text"] as? String)
            #expect(table["text_offset"] as? [Int] == [0] + ((table["tokens"] as? [String]) ?? []).dropLast().reduce(into: [Int]()) { $0.append(($0.last ?? 0) + $1.utf8.count) })

            let ids = try await client.post("/tokenize", #"{"content": "Hello world"}"#)
            let tokens = try #require(ids.json["tokens"] as? [Int])
            #expect(!tokens.isEmpty)
            let text = try await client.post("/detokenize", "{\"tokens\": \(tokens)}")
            #expect(text.json["content"] as? String == "Hello world")
        }
    }

    /// JSON mode through the API: a json_schema answer parses and validates; an unsupported keyword is a 400 naming it.
    @Test func responseFormatJSONSchema() async throws {
        try await withServer(try Self.server()) { client in
            let schema = #"{"type": "object", "properties": {"name": {"type": "string"}, "age": {"type": "integer"}, "pet": {"enum": ["cat", "dog"]}}, "required": ["name", "age", "pet"]}"#
            let body = #"{"messages": [{"role": "user", "content": "Describe a person as JSON."}], "temperature": 0, "max_tokens": 200, "response_format": {"type": "json_schema", "json_schema": {"name": "person", "schema": "# + schema + "}}}"
            let response = try await client.post("/v1/chat/completions", body)
            #expect(response.status == .ok, "\(response.text)")
            let choice = try #require((response.json["choices"] as? [[String: Any]])?.first)
            #expect(choice["finish_reason"] as? String == "stop")
            let content = try #require((choice["message"] as? [String: Any])?["content"] as? String)
            let object = try #require((try? JSONSerialization.jsonObject(with: Data(content.utf8))) as? [String: Any], "\(content)")
            #expect(Set(object.keys) == ["name", "age", "pet"], "\(content)")
            #expect(object["name"] is String && (object["age"] as? NSNumber).map { Double(Int(truncating: $0)) == $0.doubleValue } == true)
            #expect(["cat", "dog"].contains(object["pet"] as? String ?? ""), "\(content)")
            let unsupported = try await client.post("/v1/chat/completions", #"{"messages": [{"role": "user", "content": "x"}], "response_format": {"type": "json_schema", "json_schema": {"name": "p", "schema": {"type": "string", "pattern": "a+"}}}}"#)
            #expect(unsupported.status == .badRequest)
            #expect(((unsupported.json["error"] as? [String: Any])?["param"] as? String)?.hasPrefix("response_format.json_schema.schema") == true, "\(unsupported.text)")
        }
    }

    @Test func badRequestsNameTheParameter() async throws {
        try await withServer(try Self.server()) { client in
            func expectError(_ json: String, status: Int, param: String?, code: String? = nil, path: String = "/v1/chat/completions",
                             sourceLocation: SourceLocation = #_sourceLocation) async throws {
                let response = try await client.post(path, json)
                #expect(Int(response.status.code) == status, "\(json) → \(response.status) \(response.text)", sourceLocation: sourceLocation)
                let error = response.json["error"] as? [String: Any] ?? [:]
                #expect((error["param"] as? String) == param, "\(response.text)", sourceLocation: sourceLocation)
                if let code { #expect(error["code"] as? String == code, "\(response.text)", sourceLocation: sourceLocation) }
            }
            try await expectError(#"{"messages": []}"#, status: 400, param: "messages")
            try await expectError(#"{"model": "smollm2"}"#, status: 400, param: "messages")
            try await expectError(#"{"messages": [{"role": "wizard", "content": "x"}]}"#, status: 400, param: "messages[0].role")
            try await expectError(#"{"messages": [{"role": "user", "content": 5}]}"#, status: 400, param: "messages[0].content")
            try await expectError(#"{"messages": [{"role": "user", "content": [{"type": "image_url", "image_url": {"url": "x"}}]}]}"#, status: 400, param: "messages[0].content[0].type")
            try await expectError(#"{"messages": [{"role": "user", "content": "x"}], "temperature": 3}"#, status: 400, param: "temperature")
            try await expectError(#"{"messages": [{"role": "user", "content": "x"}], "temperature": "hot"}"#, status: 400, param: "temperature", code: "invalid_type")
            try await expectError(#"{"messages": [{"role": "user", "content": "x"}], "max_tokens": 0}"#, status: 400, param: "max_tokens")
            try await expectError(#"{"messages": [{"role": "user", "content": "x"}], "top_logprobs": 3}"#, status: 400, param: "top_logprobs")
            try await expectError(#"{"messages": [{"role": "user", "content": "x"}], "n": 0}"#, status: 400, param: "n")
            try await expectError(#"{"messages": [{"role": "user", "content": "x"}], "logit_bias": {"999999": 1}}"#, status: 400, param: "logit_bias")
            try await expectError(#"{"messages": [{"role": "user", "content": "x"}], "stop": [""]}"#, status: 400, param: "stop")
            try await expectError(#"{"messages": [{"role": "user", "content": "x"}], "stream_options": {"include_usage": true}}"#, status: 400, param: "stream_options")
            try await expectError(#"{"model": "gpt-4", "messages": [{"role": "user", "content": "x"}]}"#, status: 404, param: nil, code: "model_not_found")
            let long = String(repeating: "cats and dogs ", count: 300)
            try await expectError("{\"messages\": [{\"role\": \"user\", \"content\": \"\(long)\"}]}", status: 400, param: "messages", code: "context_length_exceeded")
            try await expectError(#"{"prompt": 5}"#, status: 400, param: "prompt", path: "/v1/completions")
            try await expectError(#"{"tokens": [-1]}"#, status: 400, param: "tokens[0]", path: "/detokenize")
            try await expectError(#"{"messages": "#, status: 400, param: nil, code: "invalid_json")
        }
    }

    @Test func azurePathsAndTheirAPIKeyHeader() async throws {
        let server = try Self.server(configure: { $0.auth.apiKeysEnv = "KEYS" }, environment: ["KEYS": "k-azure"])
        try await withServer(server) { client in
            let path = "/openai/deployments/smollm2/chat/completions?api-version=2023-12-01-preview"
            let body = #"{"messages": [{"role": "user", "content": "Write one sentence about cats."}], "temperature": 0}"#
            #expect(try await client.post(path, body).status == .unauthorized)
            #expect(try await client.post(path, body, headers: [HTTPField.Name("api-key")!: "wrong"]).status == .unauthorized)
            let response = try await client.post(path, body, headers: [HTTPField.Name("api-key")!: "k-azure"])
            #expect(response.status == .ok)
            #expect(((response.json["choices"] as? [[String: Any]])?.first?["message"] as? [String: Any])?["content"] as? String == Self.catsAnswer)
            let bearer = try await client.post("/openai/deployments/smollm2/completions?api-version=2023-12-01-preview",
                                               #"{"prompt": "Once upon a time", "max_tokens": 3}"#, headers: [.authorization: "Bearer k-azure"])
            #expect(bearer.status == .ok)
            let unknown = try await client.post("/openai/deployments/nope/chat/completions?api-version=2023-12-01-preview", body,
                                                headers: [HTTPField.Name("api-key")!: "k-azure"])
            #expect(unknown.status == .notFound && unknown.errorCode == "model_not_found")
            let models = try await client.get("/v1/models", headers: [.authorization: "Bearer k-azure"])
            let entries = try #require(models.json["data"] as? [[String: Any]])
            #expect(entries.contains { $0["id"] as? String == "smollm2" && $0["task"] as? String == "chat" })
        }
    }

    /// Flint's own OpenAI client against the real endpoint over TCP: a plain and a streamed chat completion.
    @Test func flintClientChatsPlainAndStreamed() async throws {
        let server = try Self.server()
        try await server.makeApplication().test(.live) { live in
            try await live.waitUntilReady()
            let client = OpenAIClient(configuration: .init(baseURL: "http://127.0.0.1:\(try #require(live.port))/v1"))
            let request = ChatCompletionRequest(model: "smollm2", messages: [ChatMessage(role: "user", content: "Write one sentence about cats.")],
                                                temperature: 0)
            let answer = try await client.chatCompletion(request)
            #expect(answer.choices.first?.message.content == Self.catsAnswer)
            #expect(answer.choices.first?.finishReason == "stop" && answer.usage?.promptTokens == 36)
            var text = "", roles = [String](), reasons = [String](), usage: ChatCompletionResponse.Usage?
            for try await chunk in client.chatCompletionStream(request) {
                for choice in chunk.choices {
                    text += choice.delta.content ?? ""
                    if let role = choice.delta.role { roles.append(role) }
                    if let reason = choice.finishReason { reasons.append(reason) }
                }
                if let counts = chunk.usage { usage = counts }
            }
            #expect(text == Self.catsAnswer && roles == ["assistant"] && reasons == ["stop"])
            #expect(usage?.completionTokens == 21 && usage?.totalTokens == 57)
            await #expect(throws: OpenAIClientError.self) {
                for try await _ in client.chatCompletionStream(ChatCompletionRequest(model: "nope", messages: [ChatMessage(role: "user", content: "x")])) {}
            }
        }
    }

    /// One slot and no queue: a second request while the first generates is refused with 429 and Retry-After.
    /// Then the first request's client disconnects mid-stream: its generation stops and the slot is free.
    @Test func fullQueueAndClientThatGoesAway() async throws {
        let server = try Self.server(configure: {
            $0.generation.maxSequences = 1
            $0.generation.maxQueueLength = 0
        })
        try await server.makeApplication().test(.live) { live in
            try await live.waitUntilReady()
            let port = try #require(live.port)
            let engine = try #require(server.chatHost.served.first?.engine)
            // A long generation on a raw socket, read until its first content chunk.
            let socket = try RawHTTPConnection(port: port)
            try socket.send(request: #"{"messages": [{"role": "user", "content": "Tell a long story."}], "max_tokens": 100000, "ignore_eos": true, "stream": true}"#,
                            path: "/v1/chat/completions")
            let head = try socket.read(until: "\"content\"")
            #expect(head.contains("200 OK") && head.contains("text/event-stream"))
            #expect(engine.currentStatus.activeSequences == 1)
            let refused = try await live.post("/v1/chat/completions", #"{"messages": [{"role": "user", "content": "Hi"}], "max_tokens": 2}"#)
            #expect(refused.status == .tooManyRequests && refused.errorCode == "queue_full")
            #expect(refused.headers[.retryAfter] == "1")
            socket.close()
            var idle = false
            for _ in 0..<200 {
                if engine.currentStatus.activeSequences == 0 { idle = true; break }
                try await Task.sleep(for: .milliseconds(50))
            }
            #expect(idle, "the generation of a client that went away still runs")
            let after = try await live.post("/v1/chat/completions", #"{"messages": [{"role": "user", "content": "Hi"}], "max_tokens": 2}"#)
            #expect(after.status == .ok)
        }
    }
}

}

/// A blocking HTTP/1.1 connection over a POSIX socket, for a client that reads part of a stream and hangs up.
final class RawHTTPConnection {
    let descriptor: Int32

    init(port: Int) throws {
        descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        if result != 0 { throw POSIXError(.ECONNREFUSED) }
    }

    func send(request body: String, path: String) throws {
        let text = "POST \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: \(body.utf8.count)\r\n\r\n\(body)"
        let bytes = Array(text.utf8)
        let sent = bytes.withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
        if sent != bytes.count { throw POSIXError(.EIO) }
    }

    /// Reads until `marker` appears (at most 1 MiB).
    func read(until marker: String) throws -> String {
        var received = [UInt8]()
        var buffer = [UInt8](repeating: 0, count: 4096)
        while received.count < 1 << 20 {
            let count = buffer.withUnsafeMutableBytes { Glibc.read(descriptor, $0.baseAddress, $0.count) }
            if count <= 0 { break }
            received += buffer[0..<count]
            let text = String(decoding: received, as: UTF8.self)
            if text.contains(marker) { return text }
        }
        return String(decoding: received, as: UTF8.self)
    }

    func close() { _ = Glibc.close(descriptor) }
}
