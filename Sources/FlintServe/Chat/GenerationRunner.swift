import Foundation
import FlintModels

/// One choice being generated: which prompt it continues and its engine stream.
struct ChoiceStream {
    let index: Int
    let prompt: Int
    let events: AsyncThrowingStream<GenerationEngine.Event, Error>
}

/// A finished choice.
struct ChoiceResult {
    var text = ""
    var tokens: [GeneratedToken] = []
    var finishReason: FinishReason = .stop
    var promptTokens = 0
    var cachedTokens = 0
    /// When the first and the last token arrived (for the latency metrics).
    var firstTokenAt: ContinuousClock.Instant?
    var lastTokenAt: ContinuousClock.Instant?

    /// Adds a token.
    mutating func append(_ token: GeneratedToken) {
        let now = ContinuousClock.now
        if firstTokenAt == nil { firstTokenAt = now }
        lastTokenAt = now
        tokens.append(token)
        text += token.text
        if let reason = token.finishReason { finishReason = reason }
    }
}

/// Submits every choice of a request to a chat model's engine — `n` per prompt, choice `i` seeded with
/// `seed + i` — and turns engine errors into OpenAI's.
enum GenerationRunner {
    /// Queues the choices (before any byte is answered, so that a full queue or a prompt over the context is an
    /// HTTP error, not a broken stream).
    static func submit(_ prompts: [[Int]], request: GenerationRequest, model: ServedChatModel, priority: GenerationEngine.Priority = .interactive,
                       promptParameter: String) throws -> [ChoiceStream] {
        let context = model.model.contextSize
        for (index, prompt) in prompts.enumerated() {
            if prompt.isEmpty {
                throw APIError.invalidParameter(promptParameter, "\(promptParameter): the prompt has no tokens", code: "empty_prompt")
            }
            if prompt.count >= context {
                throw APIError.invalidParameter(promptParameter,
                    "This model's maximum context length is \(context) tokens. However, your \(prompts.count > 1 ? "prompt \(index)" : "messages") resulted in \(prompt.count) tokens (leaving no room for an answer). Please reduce the length of the \(promptParameter).",
                    code: "context_length_exceeded")
            }
        }
        var streams = [ChoiceStream]()
        do {
            for (p, prompt) in prompts.enumerated() {
                for choice in 0..<request.choices {
                    var parameters = request.parameters
                    parameters.seed &+= UInt64(choice)
                    let events = try model.engine.submit(promptTokens: prompt, parameters: parameters, topLogprobs: request.topLogprobs,
                                                         priority: priority)
                    streams.append(ChoiceStream(index: streams.count, prompt: p, events: events))
                }
            }
        } catch {
            throw apiError(error, model: model.name)
        }
        return streams
    }

    /// Waits for every choice.
    static func collect(_ streams: [ChoiceStream], model: String) async throws -> [ChoiceResult] {
        try await withThrowingTaskGroup(of: (Int, ChoiceResult).self) { group in
            for stream in streams {
                group.addTask {
                    var result = ChoiceResult()
                    do {
                        for try await event in stream.events {
                            switch event {
                            case let .started(prompt, cached):
                                result.promptTokens = prompt
                                result.cachedTokens = cached
                            case .token(let token):
                                result.append(token)
                            }
                        }
                    } catch {
                        throw apiError(error, model: model)
                    }
                    return (stream.index, result)
                }
            }
            var results = [ChoiceResult](repeating: ChoiceResult(), count: streams.count)
            for try await (index, result) in group { results[index] = result }
            return results
        }
    }

    /// OpenAI's error for an engine or generation error.
    static func apiError(_ error: Error, model: String) -> Error {
        switch error {
        case let error as GenerationEngine.EngineError:
            switch error {
            case .queueFull:
                return APIError(.tooManyRequests, "model '\(model)': \(error)", type: "rate_limit_error", code: "queue_full", retryAfterSeconds: 1)
            case .stopped:
                return APIError(.serviceUnavailable, "\(error)", type: "server_error", code: "shutting_down", retryAfterSeconds: 1)
            }
        case let error as LanguageModel.GenerationError:
            switch error {
            case let .promptTooLong(tokens, size):
                return APIError.invalidParameter("messages", "This model's maximum context length is \(size) tokens. However, your messages resulted in \(tokens) tokens.",
                                                 code: "context_length_exceeded")
            case .invalidParameter(let message):
                return APIError.invalidParameter(String(message.prefix { $0 != ":" }), message)
            case .emptyPrompt:
                return APIError.invalidParameter("messages", "the prompt has no tokens", code: "empty_prompt")
            case .invalidContextSize:
                return APIError.invalidParameter("messages", "\(error)")
            }
        case let error as LlamaModel.ForwardError:
            return APIError.invalidParameter("prompt", "\(error)")
        default:
            return error
        }
    }
}
