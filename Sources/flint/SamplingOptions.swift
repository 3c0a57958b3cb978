import ArgumentParser
import FlintModels

/// The sampling flags of `flint generate` and `flint chat`, with llama.cpp's defaults.
struct SamplingOptions: ParsableArguments {
    @Option(help: "Softmax temperature; 0 is greedy.")
    var temperature: Float = 0.8

    @Option(name: .customLong("top-k"), help: "Keep the k most likely tokens (0: all).")
    var topK: Int = 40

    @Option(name: .customLong("top-p"), help: "Keep the most likely tokens up to this total probability (1: all).")
    var topP: Float = 0.95

    @Option(name: .customLong("min-p"), help: "Drop tokens less likely than min-p × the most likely one (0: none).")
    var minP: Float = 0.05

    @Option(name: .customLong("repeat-penalty"), help: "Repetition penalty over the last --repeat-last-n tokens (1: off).")
    var repeatPenalty: Float = 1

    @Option(name: .customLong("repeat-last-n"), help: "Tokens the penalties look back over.")
    var repeatLastN: Int = 64

    @Option(name: .customLong("presence-penalty"), help: "Subtracted from the logit of every token already seen.")
    var presencePenalty: Float = 0

    @Option(name: .customLong("frequency-penalty"), help: "Subtracted from a token's logit once per time it was seen.")
    var frequencyPenalty: Float = 0

    @Option(help: "Random seed: the same seed, parameters and prompt give the same text.")
    var seed: UInt64 = 0x5EED

    @Option(name: .customLong("max-tokens"), help: "The most tokens to generate.")
    var maxTokens: Int = 256

    @Option(help: "Stop before this string (repeatable); it is not printed.")
    var stop: [String] = []

    @Option(name: .customLong("logit-bias"), help: "TOKEN_ID=BIAS added to a token's logit (repeatable; -inf bans it).")
    var logitBias: [String] = []

    @Option(name: .customLong("ctx-size"), help: "Context size in tokens (default: the model's context length).")
    var contextSize: Int?

    @Option(name: .customLong("cache-type"), help: "KV cache storage: f32 (default) or f16 (half the memory; llama.cpp's default).")
    var cacheType: LlamaKVCache.Precision = .float32

    func parameters() throws -> SamplingParameters {
        var p = SamplingParameters()
        p.temperature = temperature
        p.topK = topK
        p.topP = topP
        p.minP = minP
        p.repetitionPenalty = repeatPenalty
        p.penaltyWindow = repeatLastN
        p.presencePenalty = presencePenalty
        p.frequencyPenalty = frequencyPenalty
        p.seed = seed
        p.maxTokens = maxTokens
        p.stop = stop
        for entry in logitBias {
            let parts = entry.split(separator: "=", maxSplits: 1).map(String.init)
            guard parts.count == 2, let id = Int(parts[0]), let bias = Float(parts[1]) else {
                throw ValidationError("--logit-bias: expected TOKEN_ID=BIAS, got '\(entry)'")
            }
            p.logitBias[id] = bias
        }
        if let message = p.validationError { throw ValidationError("--" + message.replacingOccurrences(of: "_", with: "-")) }
        if let contextSize, contextSize < 1 { throw ValidationError("--ctx-size: must be ≥ 1 (got \(contextSize))") }
        return p
    }

    func validate() throws { _ = try parameters() }
}

/// `--cache-type f32|f16`.
extension LlamaKVCache.Precision: ExpressibleByArgument {}
