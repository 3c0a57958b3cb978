import Foundation

/// The perplexity of a text under a language model, measured the way llama.cpp's `llama-perplexity` measures it
/// (tools/perplexity/perplexity.cpp, no stride), so the two numbers compare:
///
/// the tokens are cut into `⌊n / n_ctx⌋` chunks of `n_ctx` (the tail is dropped); each chunk is evaluated alone
/// from an empty cache (its first token replaced by BOS when the vocabulary adds BOS); the logits at positions
/// `n_ctx/2 ..< n_ctx − 1` are scored against the next token — `n_ctx/2 − 1` tokens per chunk, the first half
/// being context only — with `nll = −log softmax(logits)[target]`; PPL = exp(mean nll) over all scored tokens,
/// and the ± llama.cpp prints is PPL · √((mean nll² − mean² nll) / (count − 1)).
public struct PerplexityResult: Sendable, Equatable {
    /// exp(mean nll) over every scored token.
    public let perplexity: Double
    /// llama.cpp's uncertainty estimate (PPL · standard error of the mean nll).
    public let uncertainty: Double
    /// exp(mean nll) over the chunks so far, after each chunk (llama-perplexity's `[k]value` lines).
    public let runningPerplexity: [Double]
    public let chunks: Int
    public let scoredTokens: Int
}

extension LanguageModel {
    public enum PerplexityError: Error, CustomStringConvertible, Equatable {
        case tooFewTokens(tokens: Int, needed: Int)
        case invalidContext(Int)

        public var description: String {
            switch self {
            case let .tooFewTokens(tokens, needed):
                return "the text has \(tokens) tokens; perplexity needs at least \(needed) (2 × the context size)"
            case .invalidContext(let size):
                return "ctx-size: must be an even number ≥ 4 within the model's context length (got \(size))"
            }
        }
    }

    /// The perplexity of `tokens` in chunks of `contextSize` (llama-perplexity's `-c`), calling `progress` with
    /// the chunks done and the running perplexity after each chunk.
    public func perplexity(tokens: [Int], contextSize: Int = 512,
                           progress: (_ chunk: Int, _ of: Int, _ running: Double) -> Void = { _, _, _ in }) throws -> PerplexityResult {
        guard contextSize >= 4, contextSize % 2 == 0, contextSize <= model.configuration.contextLength else {
            throw PerplexityError.invalidContext(contextSize)
        }
        guard tokens.count >= 2 * contextSize else { throw PerplexityError.tooFewTokens(tokens: tokens.count, needed: 2 * contextSize) }
        let chunks = tokens.count / contextSize
        let first = contextSize / 2
        var sum = 0.0, sumOfSquares = 0.0, count = 0
        var running = [Double]()
        let cache = model.makeCache(capacity: contextSize, precision: cachePrecision)
        for chunk in 0..<chunks {
            var input = Array(tokens[(chunk * contextSize)..<((chunk + 1) * contextSize)])
            if tokenizer.addsBOS, let bos = tokenizer.bos { input[0] = bos }
            cache.truncate(to: 0)
            let logits = try model.forward([.init(cache: cache, tokens: input, logits: .from(first))])[0]
            for position in first..<(contextSize - 1) {
                let row = logits[position - first]
                let target = tokens[chunk * contextSize + position + 1]
                let maximum = row.max() ?? 0
                var total = 0.0
                for value in row { total += Double(Foundation.expf(value - maximum)) }
                let nll = -(Double(row[target] - maximum) - Foundation.log(total))
                sum += nll
                sumOfSquares += nll * nll
                count += 1
            }
            running.append(Foundation.exp(sum / Double(count)))
            progress(chunk + 1, chunks, running[running.count - 1])
        }
        let mean = sum / Double(count)
        let perplexity = Foundation.exp(mean)
        let variance = max(0, sumOfSquares / Double(count) - mean * mean)
        return PerplexityResult(perplexity: perplexity, uncertainty: perplexity * (variance / Double(count - 1)).squareRoot(),
                                runningPerplexity: running, chunks: chunks, scoredTokens: count)
    }
}
