import Foundation
import Hummingbird
import NIOCore
import FlintModels
import FlintSupport

/// OpenAI's text-generation API over the chat models, and the same under Azure OpenAI's deployment paths:
///
/// - `POST /v1/chat/completions`, `POST /openai/deployments/{deployment}/chat/completions`: `messages` rendered
///   by the model's chat template, sampling fields (``GenerationRequest``), `n` choices, `logprobs`, and
///   `stream` as server-sent events — a first delta with the role, content deltas, a last delta with the
///   `finish_reason`, a usage chunk with `choices: []` when `stream_options.include_usage`, then `data: [DONE]`.
/// - `POST /v1/completions`, `POST /openai/deployments/{deployment}/completions`: `prompt` (a string or an
///   array of strings) used as raw text, `echo`, legacy integer `logprobs`, streaming likewise.
/// - `POST /openai/deployments/{deployment}/embeddings`: `/v1/embeddings` for the deployment's model.
/// - `POST /tokenize` (`{"content"|"prompt": "…", "add_special"?: bool}` → `{"tokens": […]}`) and
///   `POST /detokenize` (`{"tokens": […]}` → `{"content": "…"}`), as llama-server answers them.
///
/// The Azure paths accept `?api-version=…` (logged) and the `api-key` header; the deployment is the served name.
/// A client that disconnects from a stream cancels its generation at the next token and frees its slot.
struct ChatRoutes {
    let state: ServeState

    func add(to router: Router<ServeRequestContext>) {
        router.post("/v1/chat/completions") { request, context in
            try await chat(request, context, deployment: nil)
        }
        router.post("/openai/deployments/{deployment}/chat/completions") { request, context in
            try await chat(request, context, deployment: azureDeployment(request, context))
        }
        router.post("/v1/completions") { request, context in
            try await complete(request, context, deployment: nil)
        }
        router.post("/openai/deployments/{deployment}/completions") { request, context in
            try await complete(request, context, deployment: azureDeployment(request, context))
        }
        router.post("/openai/deployments/{deployment}/embeddings") { request, context in
            let deployment = try azureDeployment(request, context)
            let body = try await state.body(request)
            return Self.json(try await embeddings(body, name: deployment, request: request, requestID: context.requestID))
        }
        router.post("/tokenize") { request, _ in
            let body = try await state.body(request)
            let fields = GenerationRequest.Fields(object: body.object)
            let model = try state.chatHost.model(named: fields.string("model"))
            guard let text = try fields.string("content") ?? fields.string("prompt") else {
                throw APIError.invalidParameter("content", "content: required (the text to tokenize)", code: "missing_required_parameter")
            }
            let addSpecial = try fields.boolean("add_special") ?? false
            let ids = model.model.tokenizer.encode(text, addSpecial: addSpecial, parseSpecial: true)
            return Self.json(JSONText.object([("tokens", JSONText.array(ids.map { JSONText.number($0) }))]))
        }
        router.post("/detokenize") { request, _ in
            let body = try await state.body(request)
            let fields = GenerationRequest.Fields(object: body.object)
            let model = try state.chatHost.model(named: fields.string("model"))
            guard let raw = fields.value("tokens") as? [Any] else {
                throw APIError.invalidParameter("tokens", "tokens: required, an array of token ids", code: "missing_required_parameter")
            }
            let vocabulary = model.model.tokenizer.count
            let ids = try raw.enumerated().map { index, value -> Int in
                guard let number = value as? NSNumber, let id = Int(exactly: number.doubleValue), id >= 0, id < vocabulary else {
                    throw APIError.invalidParameter("tokens[\(index)]", "tokens[\(index)]: not a token id of this model (0..<\(vocabulary))")
                }
                return id
            }
            let text = try model.model.tokenizer.decode(ids, renderSpecial: true)
            return Self.json(JSONText.object([("content", JSONText.quoted(text))]))
        }
    }

    /// `/v1/embeddings`' answer (floats) for a body, as the Azure path and the Batch API give it.
    func embeddings(_ body: JSONRequest, name: String?, request: Request?, requestID: String) async throws -> String {
        let texts = try body.texts("input", allowsSingle: true)
        let (model, vectors, tokens) = try await state.embed(texts, name: name, request: request, requestID: requestID)
        let data = vectors.enumerated().map { JSONText.object([("object", "\"embedding\""), ("index", JSONText.number($0.offset)),
                                                               ("embedding", JSONText.numbers($0.element))]) }
        return JSONText.object([
            ("object", "\"list\""), ("data", JSONText.array(data)), ("model", JSONText.quoted(model.name)),
            ("usage", JSONText.object([("prompt_tokens", JSONText.number(tokens)), ("total_tokens", JSONText.number(tokens))])),
        ])
    }

    /// The deployment name of an Azure path; the `api-version` query item is logged.
    func azureDeployment(_ request: Request, _ context: ServeRequestContext) throws -> String {
        let deployment = try context.parameters.require("deployment")
        if let version = request.uri.queryParameters["api-version"] {
            state.logger.debug("azure request", metadata: ["deployment": "\(deployment)", "api_version": "\(version)",
                                                           "request_id": "\(context.requestID)"])
        }
        return deployment
    }

    static func json(_ text: String, status: HTTPResponse.Status = .ok) -> Response {
        Response(status: status, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: text)))
    }

    // MARK: chat

    func chat(_ request: Request, _ context: ServeRequestContext, deployment: String?) async throws -> Response {
        let body = try await state.body(request)
        switch try await chat(body.object, deployment: deployment, streaming: true) {
        case .json(let text): return Self.json(text)
        case .stream(let response): return response
        }
    }

    /// A finished answer, or the response that streams it.
    enum Answer {
        case json(String)
        case stream(Response)
    }

    /// A chat completion for a request body (also run by the Batch API, with `streaming` false and batch priority).
    func chat(_ object: [String: Any], deployment: String?, streaming: Bool, priority: GenerationEngine.Priority = .interactive) async throws -> Answer {
        let named = try deployment ?? GenerationRequest.Fields(object: object).string("model")
        let model = try state.chatHost.model(named: named)
        let generation = try GenerationRequest(object, model: model.model, legacyLogprobs: false)
        if generation.stream && !streaming { throw APIError.invalidParameter("stream", "stream: not supported here (a batch request answers at once)") }
        let conversation = try ChatConversation(object)
        let prompt: [Int]
        do {
            prompt = try model.format.promptTokens(conversation.messages, tools: conversation.tools)
        } catch let error as ChatFormat.FormatError {
            // The template refused the conversation (e.g. roles that do not alternate).
            throw APIError.invalidParameter("messages", "messages: the model's chat template refused them: \(error)", code: "invalid_messages")
        }
        let streams = try GenerationRunner.submit([prompt], request: generation, model: model, priority: priority, promptParameter: "messages")
        let json = CompletionJSON(prefix: "chatcmpl-", model: model)
        let started = ContinuousClock.now
        if generation.stream {
            return .stream(stream(streams, json: json, object: "chat.completion.chunk", includeUsage: generation.includeUsage, started: started,
                          first: { index in
                              JSONText.object([("index", JSONText.number(index)),
                                               ("delta", JSONText.object([("role", "\"assistant\""), ("content", "\"\"")])),
                                               ("logprobs", "null"), ("finish_reason", "null")])
                          },
                          token: { index, token in
                              guard !token.text.isEmpty || generation.logprobs else { return nil }
                              return JSONText.object([("index", JSONText.number(index)),
                                                      ("delta", JSONText.object([("content", JSONText.quoted(token.text))])),
                                                      ("logprobs", generation.logprobs ? json.chatLogprobs([token]) : "null"),
                                                      ("finish_reason", "null")])
                          },
                          last: { index, reason in
                              JSONText.object([("index", JSONText.number(index)), ("delta", "{}"), ("logprobs", "null"),
                                               ("finish_reason", JSONText.quoted(reason.rawValue))])
                          }))
        }
        let results = try await GenerationRunner.collect(streams, model: model.name)
        state.metrics.recordGeneration(model: model.name, results: results, choicesPerPrompt: generation.choices, started: started)
        let choices = results.enumerated().map { index, result in
            JSONText.object([
                ("index", JSONText.number(index)),
                ("message", JSONText.object([("role", "\"assistant\""), ("content", JSONText.quoted(result.text)), ("refusal", "null")])),
                ("logprobs", generation.logprobs ? json.chatLogprobs(result.tokens) : "null"),
                ("finish_reason", JSONText.quoted(result.finishReason.rawValue)),
            ])
        }
        return .json(json.envelope(object: "chat.completion", choices: JSONText.array(choices),
                                   usage: CompletionJSON.usage(results, choicesPerPrompt: generation.choices)))
    }

    // MARK: completions

    func complete(_ request: Request, _ context: ServeRequestContext, deployment: String?) async throws -> Response {
        let body = try await state.body(request)
        let object = body.object
        let named = try deployment ?? GenerationRequest.Fields(object: object).string("model")
        let model = try state.chatHost.model(named: named)
        let generation = try GenerationRequest(object, model: model.model, legacyLogprobs: true)
        let fields = GenerationRequest.Fields(object: object)
        let echo = try fields.boolean("echo") ?? false
        if echo && generation.logprobs {
            throw APIError.invalidParameter("echo", "echo: cannot be combined with logprobs here (prompt log-probabilities are not computed)")
        }
        let texts: [String]
        switch object["prompt"] {
        case let text as String: texts = [text]
        case let list as [Any] where !list.isEmpty && list.allSatisfy({ $0 is String }): texts = list as! [String]
        case nil, is NSNull: throw APIError.invalidParameter("prompt", "prompt: required", code: "missing_required_parameter")
        default: throw APIError.invalidParameter("prompt", "prompt: must be a string or a non-empty array of strings", code: "invalid_type")
        }
        if texts.count > state.configuration.limits.maxTexts {
            throw APIError.invalidParameter("prompt", "prompt: \(texts.count) prompts; the limit is \(state.configuration.limits.maxTexts)")
        }
        let prompts = texts.map(model.model.tokenize)
        let streams = try GenerationRunner.submit(prompts, request: generation, model: model, promptParameter: "prompt")
        let json = CompletionJSON(prefix: "cmpl-", model: model)
        let started = ContinuousClock.now
        let choicesPerPrompt = generation.choices
        if generation.stream {
            return stream(streams, json: json, object: "text_completion", includeUsage: generation.includeUsage, started: started,
                          first: { index in
                              guard echo else { return nil }
                              return JSONText.object([("text", JSONText.quoted(texts[index / choicesPerPrompt])), ("index", JSONText.number(index)),
                                                      ("logprobs", "null"), ("finish_reason", "null")])
                          },
                          token: { index, token in
                              guard !token.text.isEmpty || generation.logprobs else { return nil }
                              return JSONText.object([("text", JSONText.quoted(token.text)), ("index", JSONText.number(index)),
                                                      ("logprobs", generation.logprobs ? json.completionLogprobs([token], offset: 0) : "null"),
                                                      ("finish_reason", "null")])
                          },
                          last: { index, reason in
                              JSONText.object([("text", "\"\""), ("index", JSONText.number(index)), ("logprobs", "null"),
                                               ("finish_reason", JSONText.quoted(reason.rawValue))])
                          })
        }
        let results = try await GenerationRunner.collect(streams, model: model.name)
        state.metrics.recordGeneration(model: model.name, results: results, choicesPerPrompt: choicesPerPrompt, started: started)
        let choices = results.enumerated().map { index, result in
            let prefix = echo ? texts[index / choicesPerPrompt] : ""
            return JSONText.object([
                ("text", JSONText.quoted(prefix + result.text)), ("index", JSONText.number(index)),
                ("logprobs", generation.logprobs ? json.completionLogprobs(result.tokens, offset: prefix.utf8.count) : "null"),
                ("finish_reason", JSONText.quoted(result.finishReason.rawValue)),
            ])
        }
        return Self.json(json.envelope(object: "text_completion", choices: JSONText.array(choices),
                                       usage: CompletionJSON.usage(results, choicesPerPrompt: choicesPerPrompt)))
    }

    // MARK: streaming

    /// Server-sent events over the choices' streams: `first(choice)` once per choice when it starts,
    /// `token(choice, token)` per token (nil: nothing to send), `last(choice, reason)` when it ends, then the
    /// usage chunk when asked, then `data: [DONE]`. A failed write (the client went away) ends every choice.
    func stream(_ streams: [ChoiceStream], json: CompletionJSON, object: String, includeUsage: Bool, started: ContinuousClock.Instant,
                first: @escaping @Sendable (Int) -> String?, token: @escaping @Sendable (Int, GeneratedToken) -> String?,
                last: @escaping @Sendable (Int, FinishReason) -> String) -> Response {
        let metrics = state.metrics
        let model = json.model
        let usageField: String? = includeUsage ? "null" : nil
        let body = ResponseBody { writer in
            func send(_ choices: String, usage: String? = nil) async throws {
                let chunk = json.envelope(object: object, choices: "[" + choices + "]", usage: usage ?? usageField)
                try await writer.write(ByteBuffer(string: "data: " + chunk + "\n\n"))
            }
            var results = [ChoiceResult](repeating: ChoiceResult(), count: streams.count)
            let (merged, continuation) = AsyncStream<(Int, Result<GenerationEngine.Event, Error>?)>.makeStream()
            try await withThrowingTaskGroup(of: Void.self) { group in
                for stream in streams {
                    group.addTask {
                        do {
                            for try await event in stream.events { continuation.yield((stream.index, .success(event))) }
                            continuation.yield((stream.index, nil))
                        } catch {
                            continuation.yield((stream.index, .failure(error)))
                        }
                    }
                }
                var open = streams.count
                do {
                    for await (index, item) in merged {
                        switch item {
                        case .success(.started(let prompt, let cached))?:
                            results[index].promptTokens = prompt
                            results[index].cachedTokens = cached
                            if let chunk = first(index) { try await send(chunk) }
                        case .success(.token(let generated))?:
                            results[index].append(generated)
                            if let chunk = token(index, generated) { try await send(chunk) }
                        case .failure(let error)?:
                            let apiError = GenerationRunner.apiError(error, model: model) as? APIError
                                ?? APIError(.internalServerError, "generation failed", type: "server_error", code: "generation_failed")
                            let errorJSON = (try? JSONSerialization.data(withJSONObject: apiError.body)).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
                            try await writer.write(ByteBuffer(string: "data: " + errorJSON + "\n\n"))
                            open -= 1
                        case nil:
                            try await send(last(index, results[index].finishReason))
                            open -= 1
                        }
                        if open == 0 { break }
                    }
                } catch {
                    // The client went away: stop every choice (their engine streams end when the tasks are cancelled).
                    group.cancelAll()
                    continuation.finish()
                    throw error
                }
                continuation.finish()
            }
            let choicesPerPrompt = max(1, streams.count / max(1, Set(streams.map(\.prompt)).count))
            metrics.recordGeneration(model: model, results: results, choicesPerPrompt: choicesPerPrompt, started: started)
            if includeUsage {
                try await send("", usage: CompletionJSON.usage(results, choicesPerPrompt: choicesPerPrompt))
            }
            try await writer.write(ByteBuffer(string: "data: [DONE]\n\n"))
            try await writer.finish(nil)
        }
        return Response(status: .ok, headers: [.contentType: "text/event-stream", .cacheControl: "no-cache"], body: body)
    }
}
