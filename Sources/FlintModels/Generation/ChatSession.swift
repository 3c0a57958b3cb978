import FlintText

/// A conversation with a chat model, in the ChatML format (`<|im_start|>role\ncontent<|im_end|>\n`, the
/// format of SmolLM2, Qwen2 and many fine-tunes), keeping the KV cache between turns: each turn feeds only the
/// tokens after the longest prefix the cache already holds.
///
/// When no system message is given and the file's `tokenizer.chat_template` inserts a default one (SmolLM2:
/// "You are a helpful AI assistant named SmolLM, trained by Hugging Face"), the same default is used, as
/// the template would render it. Full Jinja templates come with the chat server.
public final class ChatSession {
    public struct Message: Sendable, Equatable {
        public let role: String
        public let content: String
    }

    public enum ChatError: Error, CustomStringConvertible, Equatable {
        case notChatML(path: String)

        public var description: String {
            switch self {
            case .notChatML(let path):
                return "\(path): the vocabulary has no <|im_start|>/<|im_end|> tokens, so the ChatML format of `flint chat` does not apply (a Jinja chat template comes with the chat server)"
            }
        }
    }

    public let model: LanguageModel
    /// The system message every conversation starts with (nil: none).
    public let system: String?
    /// The conversation so far (system message excluded).
    public private(set) var messages: [Message] = []
    private var cache: LlamaKVCache
    /// The token ids `cache` holds.
    private var cachedTokens: [Int] = []

    /// - Parameters:
    ///   - system: the system message; nil uses the chat template's default system message, if any.
    /// - Throws: ``ChatError/notChatML(path:)`` when the vocabulary lacks the ChatML tokens.
    public init(model: LanguageModel, system: String? = nil) throws {
        guard model.tokenizer.id(forTokenText: "<|im_start|>") != nil, model.tokenizer.id(forTokenText: "<|im_end|>") != nil else {
            throw ChatError.notChatML(path: model.path)
        }
        self.model = model
        self.system = system ?? ChatSession.defaultSystemMessage(template: model.model.file.header.metadata["tokenizer.chat_template"]?.stringValue)
        cache = model.model.makeCache(capacity: model.contextSize, precision: model.cachePrecision)
    }

    /// The default system message a ChatML template inserts when the conversation has none: the text between
    /// `<|im_start|>system\n` and `<|im_end|>` in a string literal of the template.
    static func defaultSystemMessage(template: String?) -> String? {
        guard let template, let start = template.range(of: "<|im_start|>system\n") else { return nil }
        guard let end = template.range(of: "<|im_end|>", range: start.upperBound..<template.endIndex) else { return nil }
        let text = String(template[start.upperBound..<end.lowerBound])
        // A template that builds the system message from variables has no literal default.
        if text.isEmpty || text.contains("{{") || text.contains("{%") || text.contains("'") || text.contains("\"") { return nil }
        return text
    }

    /// The prompt for the next assistant message: every message in ChatML, then `<|im_start|>assistant\n`.
    public func renderedPrompt(adding user: String) -> String {
        var text = ""
        if let system { text += "<|im_start|>system\n\(system)<|im_end|>\n" }
        for message in messages + [Message(role: "user", content: user)] {
            text += "<|im_start|>\(message.role)\n\(message.content)<|im_end|>\n"
        }
        return text + "<|im_start|>assistant\n"
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
        let prompt = model.tokenize(renderedPrompt(adding: user))
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
                                finishReason: sequence.finishReason ?? .stop)
    }
}
