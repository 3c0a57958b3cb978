import FlintText

/// A conversation with a chat model, its prompt rendered by the model's chat template (``ChatFormat``),
/// keeping the KV cache between turns: each turn re-renders the whole conversation and feeds only the tokens
/// after the longest prefix the cache already holds (so templates that rewrite earlier turns stay correct).
///
/// Without a system message the template decides (SmolLM2's inserts "You are a helpful AI assistant named
/// SmolLM, trained by Hugging Face", as transformers would render it).
public final class ChatSession {
    public struct Message: Sendable, Equatable {
        public let role: String
        public let content: String
    }

    public let model: LanguageModel
    /// How the conversation becomes a prompt.
    public let format: ChatFormat
    /// The system message every conversation starts with (nil: none — the template's default, if it has one).
    public let system: String?
    /// The conversation so far (system message excluded).
    public private(set) var messages: [Message] = []
    private var cache: LlamaKVCache
    /// The token ids `cache` holds.
    private var cachedTokens: [Int] = []

    /// - Parameters:
    ///   - system: the system message; nil leaves it to the template.
    ///   - chatTemplate: nil uses the model's template; `"chatml"` or a Jinja file path override it.
    /// - Throws: ``ChatFormat/FormatError`` when the model has no template (and none is given) or it does not parse.
    public init(model: LanguageModel, system: String? = nil, chatTemplate: String? = nil) throws {
        self.model = model
        format = try ChatFormat(model: model, override: chatTemplate)
        self.system = system
        cache = model.model.makeCache(capacity: model.contextSize, precision: model.cachePrecision)
    }

    /// The prompt for the next assistant message after `user`: the conversation rendered by the template with
    /// the generation prompt (the assistant's header).
    public func renderedPrompt(adding user: String) throws -> String {
        try format.prompt(conversation(adding: user))
    }

    private func conversation(adding user: String) -> [JinjaValue] {
        var values = [JinjaValue]()
        if let system { values.append(.message(role: "system", content: system)) }
        for message in messages { values.append(.message(role: message.role, content: message.content)) }
        values.append(.message(role: "user", content: user))
        return values
    }

    /// Forgets the conversation (the system message stays).
    public func reset() {
        messages = []
        cachedTokens = []
        cache.truncate(to: 0)
    }

    /// Sends a user message and generates the assistant's answer, calling `onToken` after each token (return
    /// false to stop early). The answer joins the conversation.
    public func send(_ user: String, parameters: SamplingParameters, onToken: (GeneratedToken) throws -> Bool = { _ in true }) throws -> GenerationResult {
        let prompt = try format.promptTokens(conversation(adding: user))
        var common = 0
        while common < min(prompt.count, cachedTokens.count) && prompt[common] == cachedTokens[common] { common += 1 }
        let sequence = try model.makeSequence(promptTokens: prompt, parameters: parameters, reusing: cache, cachedTokens: common)
        while sequence.isActive {
            guard let token = try model.step([sequence])[0] else { continue }
            if try !onToken(token) { break }
        }
        cachedTokens = sequence.cachedTokens
        messages.append(Message(role: "user", content: user))
        messages.append(Message(role: "assistant", content: sequence.text))
        return GenerationResult(text: sequence.text, tokens: sequence.generated, promptTokens: prompt.count,
                                cachedTokens: common, finishReason: sequence.finishReason ?? .stop)
    }
}
