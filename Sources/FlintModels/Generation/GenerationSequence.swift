import FlintText

/// One sequence being generated: its KV cache, the tokens still to feed, the sampler, the streaming
/// decoder and stop-string matcher, and what it produced so far.
///
/// A sequence is advanced by ``LanguageModel/step(_:)``, which feeds every active sequence in one forward
/// pass — a prompt being prefilled and sequences decoding one token each — and samples one token per
/// sequence that reached the end of its input. Only one step at a time may touch a sequence.
public final class GenerationSequence: @unchecked Sendable {
    public let parameters: SamplingParameters
    /// The prompt's token ids.
    public let promptTokens: [Int]
    /// How many most likely ids each ``GeneratedToken`` lists (0: none).
    public let topLogprobs: Int
    /// Prompt tokens whose keys and values the cache already held when the sequence started (not recomputed).
    public let reusedPromptTokens: Int
    let cache: LlamaKVCache
    /// Ids to feed the next forward pass: the prompt (or what remains of it), then the last sampled id.
    var pending: [Int]
    var sampler: Sampler
    var decoder: GGMLStreamingDecoder
    var matcher: StopStringMatcher
    /// JSON mode's grammar state and token mask (nil for free text).
    var constraint: JSONTokenMask?
    /// Every generated token so far.
    public private(set) var generated: [GeneratedToken] = []
    /// Set once the sequence has stopped.
    public private(set) var finishReason: FinishReason?

    init(promptTokens: [Int], parameters: SamplingParameters, topLogprobs: Int, cache: LlamaKVCache, cachedTokens: Int,
         tokenizer: GGMLTokenizer) {
        self.promptTokens = promptTokens
        self.parameters = parameters
        self.topLogprobs = topLogprobs
        self.cache = cache
        reusedPromptTokens = cachedTokens
        pending = Array(promptTokens[cachedTokens...])
        sampler = Sampler(parameters: parameters)
        sampler.observe(promptTokens)
        decoder = tokenizer.streamingDecoder()
        matcher = StopStringMatcher(stops: parameters.stop)
        constraint = parameters.responseFormat.schema.map { JSONTokenMask(schema: $0, tokenizer: tokenizer, parameters: parameters) }
        if parameters.maxTokens == 0 { finishReason = .length }
    }

    /// Whether the sequence still generates.
    public var isActive: Bool { finishReason == nil }

    /// The output text so far.
    public var text: String { generated.map(\.text).joined() }

    /// The positions in the sequence's cache (prompt and generated tokens fed so far).
    public var position: Int { cache.count }

    /// The token ids the cache holds: the prompt, then the generated tokens fed back so far.
    public var cachedTokens: [Int] { Array((promptTokens + generated.map(\.id)).prefix(cache.count)) }

    func record(_ token: GeneratedToken) {
        generated.append(token)
        if let reason = token.finishReason { finishReason = reason }
    }
}
