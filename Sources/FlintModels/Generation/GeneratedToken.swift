/// Why a sequence stopped: OpenAI's `finish_reason`.
public enum FinishReason: String, Sendable, Codable, Equatable {
    /// An end-of-generation token (e.g. `<|im_end|>`) or a stop string.
    case stop
    /// `maxTokens` reached, or the context is full.
    case length
}

/// A token id with its log-probability under the model (log-softmax of the raw logits, before sampling's
/// penalties, bias, truncation and temperature — what OpenAI's `logprobs` report).
public struct TokenLogprob: Sendable, Equatable {
    public let id: Int
    public let logprob: Float

    public init(id: Int, logprob: Float) {
        self.id = id
        self.logprob = logprob
    }
}

/// One step of a sequence's generation: the token chosen, the text it makes visible now, and — on the last
/// step — why generation stopped.
public struct GeneratedToken: Sendable, Equatable {
    /// The token id sampled.
    public let id: Int
    /// The text this step adds to the output. It may be empty (bytes of a character that continues in the
    /// next token, text that could begin a stop string, an end-of-generation token), and the last step may
    /// flush text held back earlier; the concatenation of every step's text is the output.
    public let text: String
    /// log p(id) under the model.
    public let logprob: Float
    /// The most likely ids at this step (when asked for), most likely first.
    public let topLogprobs: [TokenLogprob]
    /// Set on the last step of the sequence.
    public let finishReason: FinishReason?

    public init(id: Int, text: String, logprob: Float, topLogprobs: [TokenLogprob] = [], finishReason: FinishReason? = nil) {
        self.id = id
        self.text = text
        self.logprob = logprob
        self.topLogprobs = topLogprobs
        self.finishReason = finishReason
    }
}

/// A finished generation.
public struct GenerationResult: Sendable, Equatable {
    /// The output text (stop strings and end-of-generation tokens excluded).
    public let text: String
    /// Every generated token (an end-of-generation token included, as llama.cpp counts it).
    public let tokens: [GeneratedToken]
    /// The prompt's token count.
    public let promptTokens: Int
    /// Prompt tokens whose keys and values came from a cache instead of being computed (OpenAI's
    /// `prompt_tokens_details.cached_tokens`).
    public let cachedTokens: Int
    public let finishReason: FinishReason

    public init(text: String, tokens: [GeneratedToken], promptTokens: Int, cachedTokens: Int = 0, finishReason: FinishReason) {
        self.text = text
        self.tokens = tokens
        self.promptTokens = promptTokens
        self.cachedTokens = cachedTokens
        self.finishReason = finishReason
    }

    public var tokenIds: [Int] { tokens.map(\.id) }
    public var completionTokens: Int { tokens.count }
}
