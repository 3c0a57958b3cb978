/// How the next token is chosen, with llama.cpp's defaults (`common_params_sampling`) where a parameter
/// is not given.
///
/// The sampler applies, in llama.cpp's order: logit bias, the penalties (repetition, frequency, presence
/// over the last ``penaltyWindow`` tokens), top-k, top-p, min-p, temperature, then draws from the
/// remaining distribution with a generator seeded by ``seed``. Temperature 0 is greedy (the largest logit,
/// ties to the lowest id).
public struct SamplingParameters: Sendable, Equatable {
    /// Softmax temperature; 0 is greedy. Default 0.8.
    public var temperature: Float = 0.8
    /// Keep the k most likely tokens; 0 keeps all. Default 40.
    public var topK: Int = 40
    /// Keep the smallest set of most likely tokens whose probability reaches p; 1 keeps all. Default 0.95.
    public var topP: Float = 0.95
    /// Drop tokens less likely than `minP ×` the most likely one; 0 keeps all. Default 0.05.
    public var minP: Float = 0.05
    /// Divides positive logits (multiplies negative ones) of tokens seen in the window; 1 is off.
    public var repetitionPenalty: Float = 1
    /// Subtracted from a seen token's logit once per occurrence in the window (OpenAI's frequency_penalty).
    public var frequencyPenalty: Float = 0
    /// Subtracted once from the logit of every token seen in the window (OpenAI's presence_penalty).
    public var presencePenalty: Float = 0
    /// How many of the last tokens (prompt included) the penalties look at. Default 64.
    public var penaltyWindow: Int = 64
    /// Added to the logits of these token ids before anything else (−∞ bans a token).
    public var logitBias: [Int: Float] = [:]
    /// Seeds the generator: the same seed, parameters and prompt give the same text.
    public var seed: UInt64 = 0x5EED
    /// Generation stops before any of these strings (they are not part of the output), also when one
    /// spans several tokens.
    public var stop: [String] = []
    /// The most tokens to generate.
    public var maxTokens: Int = 256
    /// The shape the output must have (OpenAI's `response_format`): free text, any JSON object, or JSON that
    /// follows a schema — enforced by masking the tokens that cannot continue it (see ``ResponseFormat``).
    public var responseFormat: ResponseFormat = .text

    public init() {}

    /// Greedy decoding (temperature 0).
    public static var greedy: SamplingParameters {
        var parameters = SamplingParameters()
        parameters.temperature = 0
        return parameters
    }

    /// The first parameter out of its range, as `name: message`, or nil when all are valid.
    public var validationError: String? {
        if !(temperature >= 0 && temperature.isFinite) { return "temperature: must be a finite number ≥ 0 (got \(temperature))" }
        if topK < 0 { return "top_k: must be ≥ 0 (got \(topK))" }
        if !(topP > 0 && topP <= 1) { return "top_p: must be in (0, 1] (got \(topP))" }
        if !(minP >= 0 && minP <= 1) { return "min_p: must be in [0, 1] (got \(minP))" }
        if !(repetitionPenalty > 0 && repetitionPenalty.isFinite) { return "repetition_penalty: must be a finite number > 0 (got \(repetitionPenalty))" }
        if !frequencyPenalty.isFinite || abs(frequencyPenalty) > 100 { return "frequency_penalty: must be in [-100, 100] (got \(frequencyPenalty))" }
        if !presencePenalty.isFinite || abs(presencePenalty) > 100 { return "presence_penalty: must be in [-100, 100] (got \(presencePenalty))" }
        if penaltyWindow < 0 { return "penalty_window: must be ≥ 0 (got \(penaltyWindow))" }
        if maxTokens < 0 { return "max_tokens: must be ≥ 0 (got \(maxTokens))" }
        if stop.contains(where: \.isEmpty) { return "stop: strings must not be empty" }
        for (token, bias) in logitBias where bias.isNaN || bias == .infinity { return "logit_bias: the bias of token \(token) must be a number or -inf (got \(bias))" }
        return nil
    }
}
