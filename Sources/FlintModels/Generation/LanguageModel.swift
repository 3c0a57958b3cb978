import Foundation
import Flint
import FlintText
import Synchronization

/// A local language model from a GGUF file — the weights (``LlamaModel``: `llama` and `qwen2`
/// architectures) and the tokenizer of its metadata (``GGMLTokenizer``) — and the generation engine on top.
///
/// ```swift
/// let model = try LanguageModel.load("SmolLM2-135M-Instruct.Q4_1.gguf")
/// var parameters = SamplingParameters()
/// parameters.maxTokens = 64
/// for try await token in model.generate(prompt: "Once upon a time", parameters: parameters) {
///     print(token.text, terminator: "")
/// }
/// ```
///
/// The engine works on a set of sequences (``makeSequence(promptTokens:parameters:topLogprobs:)``,
/// ``step(_:)``): each step is one forward pass over every active sequence — prompts being prefilled in
/// chunks and sequences decoding one token each — followed by one sampled token per sequence that reached
/// the end of its input. ``generate(prompt:parameters:topLogprobs:)`` streams one sequence from its own thread;
/// ``complete(prompt:parameters:topLogprobs:onToken:)`` runs one on the calling thread.
public final class LanguageModel: Sendable {
    /// The decoder's weights and forward pass.
    public let model: LlamaModel
    /// The tokenizer of the file's `tokenizer.ggml.*` metadata.
    public let tokenizer: GGMLTokenizer
    /// Positions per sequence: the model's context length, or less when capped by `contextSize`.
    public let contextSize: Int
    /// How each sequence's KV cache stores keys and values (float32 unless asked otherwise).
    public let cachePrecision: LlamaKVCache.Precision
    /// Prompt tokens fed per sequence per forward pass (llama.cpp's `n_batch`).
    public let prefillChunk: Int
    /// The file loaded.
    public let path: String

    /// Errors of the generation API (the forward pass reports ``LlamaModel/ForwardError``).
    public enum GenerationError: Error, CustomStringConvertible, Equatable {
        case invalidParameter(String)
        case promptTooLong(tokens: Int, contextSize: Int)
        case emptyPrompt
        case invalidContextSize(Int)

        public var description: String {
            switch self {
            case .invalidParameter(let message): return message
            case let .promptTooLong(tokens, size):
                return "the prompt has \(tokens) tokens; the context size is \(size) (raise --ctx-size, up to the model's context length)"
            case .emptyPrompt: return "the prompt is empty (no tokens)"
            case .invalidContextSize(let size): return "ctx-size: must be ≥ 1 (got \(size))"
            }
        }
    }

    /// Loads a GGUF file: maps it, reads the configuration, every weight and the tokenizer.
    ///
    /// - Parameters:
    ///   - model: the `.gguf` file, or with `resolver` also a reference such as a registry's
    ///     `NAME[@VERSION|@ALIAS]` (``GGUFModelResolver/isFilePath(_:)`` tells the two apart).
    ///   - contextSize: positions per sequence (default and maximum: the model's `context_length`).
    ///   - cachePrecision: how KV caches store keys and values (f32, or f16 as llama.cpp's default: half the memory).
    ///   - resolver: turns references into files (e.g. FlintServe's `GGUFModelResolver.registry(root:)`);
    ///     without it `model` is always a path.
    public static func load(_ model: String, contextSize: Int? = nil, cachePrecision: LlamaKVCache.Precision = .float32,
                            resolver: GGUFModelResolver? = nil) throws -> LanguageModel {
        let path = try GGUFModelResolver.path(of: model, resolver: resolver)
        let file = try GGUFFile(path: path)
        let model = try LlamaModel(file: file)
        let tokenizer = try GGUFVocabulary.tokenizer(file.header)
        if let contextSize, contextSize < 1 { throw GenerationError.invalidContextSize(contextSize) }
        return LanguageModel(model: model, tokenizer: tokenizer, path: path,
                             contextSize: min(contextSize ?? model.configuration.contextLength, model.configuration.contextLength),
                             cachePrecision: cachePrecision)
    }

    init(model: LlamaModel, tokenizer: GGMLTokenizer, path: String, contextSize: Int,
         cachePrecision: LlamaKVCache.Precision = .float32, prefillChunk: Int = 512) {
        self.model = model
        self.tokenizer = tokenizer
        self.path = path
        self.contextSize = contextSize
        self.cachePrecision = cachePrecision
        self.prefillChunk = prefillChunk
    }

    /// The prompt's token ids as llama.cpp makes them: BOS/EOS as the metadata's `add_bos_token` /
    /// `add_eos_token` say, special tokens written in the text (e.g. `<|im_start|>`) parsed.
    public func tokenize(_ prompt: String) -> [Int] {
        tokenizer.encode(prompt, addSpecial: true, parseSpecial: true)
    }

    /// A new sequence for `promptTokens`, ready for ``step(_:)``.
    ///
    /// - Throws: ``GenerationError`` for invalid parameters, an empty prompt or one that does not fit.
    public func makeSequence(promptTokens: [Int], parameters: SamplingParameters, topLogprobs: Int = 0) throws -> GenerationSequence {
        if let message = parameters.validationError { throw GenerationError.invalidParameter(message) }
        if topLogprobs < 0 || topLogprobs > 20 { throw GenerationError.invalidParameter("top_logprobs: must be in 0...20 (got \(topLogprobs))") }
        if promptTokens.isEmpty { throw GenerationError.emptyPrompt }
        if promptTokens.count >= contextSize { throw GenerationError.promptTooLong(tokens: promptTokens.count, contextSize: contextSize) }
        let vocabulary = model.configuration.vocabularySize
        if let bad = promptTokens.first(where: { $0 < 0 || $0 >= vocabulary }) {
            throw LlamaModel.ForwardError.tokenOutOfRange(bad, vocabularySize: vocabulary)
        }
        return GenerationSequence(promptTokens: promptTokens, parameters: parameters, topLogprobs: topLogprobs,
                                  cache: model.makeCache(capacity: contextSize, precision: cachePrecision), cachedTokens: 0, tokenizer: tokenizer)
    }

    /// A sequence that continues in `cache`, which already holds the first `cachedTokens` of `promptTokens`
    /// (a conversation's earlier turns): only the rest is fed. The cache is truncated to `cachedTokens` first.
    func makeSequence(promptTokens: [Int], parameters: SamplingParameters, topLogprobs: Int = 0, reusing cache: LlamaKVCache,
                      cachedTokens: Int) throws -> GenerationSequence {
        if let message = parameters.validationError { throw GenerationError.invalidParameter(message) }
        if topLogprobs < 0 || topLogprobs > 20 { throw GenerationError.invalidParameter("top_logprobs: must be in 0...20 (got \(topLogprobs))") }
        if promptTokens.isEmpty { throw GenerationError.emptyPrompt }
        if promptTokens.count >= cache.capacity { throw GenerationError.promptTooLong(tokens: promptTokens.count, contextSize: cache.capacity) }
        let vocabulary = model.configuration.vocabularySize
        if let bad = promptTokens.first(where: { $0 < 0 || $0 >= vocabulary }) {
            throw LlamaModel.ForwardError.tokenOutOfRange(bad, vocabularySize: vocabulary)
        }
        // At least one token is fed, so that the step has logits to sample from.
        let reused = min(cachedTokens, promptTokens.count - 1)
        cache.truncate(to: reused)
        return GenerationSequence(promptTokens: promptTokens, parameters: parameters, topLogprobs: topLogprobs, cache: cache,
                                  cachedTokens: reused, tokenizer: tokenizer)
    }

    /// One forward pass over every active sequence, and one sampled token for each sequence whose input
    /// is all fed (a prompt longer than ``prefillChunk`` takes several steps before its first token).
    ///
    /// - Parameter promptBudget: the most prompt tokens fed in this step over all sequences (a decoding
    ///   sequence's one token is always fed): with many prompts arriving at once, each step stays short, so
    ///   streams that are decoding are not held up by more than one budget of prefill. Prompts are served in order.
    /// - Returns: per sequence (in order), the token generated at this step, or nil.
    @discardableResult
    public func step(_ sequences: [GenerationSequence], promptBudget: Int = .max) throws -> [GeneratedToken?] {
        var segments = [LlamaModel.Segment]()
        var fed = [Int]()   // index into `sequences` of each segment
        var results = [GeneratedToken?](repeating: nil, count: sequences.count)
        var budget = promptBudget
        for (index, sequence) in sequences.enumerated() where sequence.isActive {
            var count = min(sequence.pending.count, prefillChunk)
            if sequence.generated.isEmpty {
                // Still in its prompt: fed within the budget (at least one token per step in total).
                count = min(count, segments.isEmpty ? max(budget, 1) : budget)
                if count <= 0 { continue }
                budget -= count
            }
            let feed = Array(sequence.pending.prefix(count))
            let complete = count == sequence.pending.count
            segments.append(.init(cache: sequence.cache, tokens: feed, logits: complete ? .last : .none))
            fed.append(index)
        }
        if segments.isEmpty { return results }
        let logits = try model.forward(segments)
        for (segmentIndex, index) in fed.enumerated() {
            let sequence = sequences[index]
            sequence.pending.removeFirst(segments[segmentIndex].tokens.count)
            guard let row = logits[segmentIndex].first else { continue }
            let token = try sample(sequence, logits: row)
            sequence.record(token)
            results[index] = token
        }
        return results
    }

    /// Samples the next token of `sequence` from its logits row and works out its text and whether the
    /// sequence ends here.
    private func sample(_ sequence: GenerationSequence, logits: [Float]) throws -> GeneratedToken {
        var allowed = logits
        sequence.constraint?.mask(&allowed)
        let id = sequence.sampler.sample(allowed)
        let logSum = LanguageModel.logSumExp(logits)
        let logprob = logits[id] - logSum
        let top = sequence.topLogprobs > 0
            ? Sampler.topCandidates(logits, k: sequence.topLogprobs).map { TokenLogprob(id: $0.id, logprob: $0.logit - logSum) }
            : []
        let generatedCount = sequence.generated.count + 1
        if tokenizer.isEndOfGeneration(id) {
            // The end-of-generation token adds no text; text held back (a partial character or a stop-string
            // prefix that never completed) is flushed.
            let text = sequence.matcher.append(sequence.decoder.finish()) + sequence.matcher.finish()
            return GeneratedToken(id: id, text: text, logprob: logprob, topLogprobs: top, finishReason: .stop)
        }
        var text = sequence.matcher.append(try sequence.decoder.append(id))
        if sequence.matcher.stopped {
            return GeneratedToken(id: id, text: text, logprob: logprob, topLogprobs: top, finishReason: .stop)
        }
        // JSON mode: the value is complete and nothing can extend it.
        if sequence.constraint?.advance(id) == true, sequence.constraint?.isFinished == true {
            text += sequence.matcher.append(sequence.decoder.finish()) + sequence.matcher.finish()
            return GeneratedToken(id: id, text: text, logprob: logprob, topLogprobs: top, finishReason: .stop)
        }
        // No room for another token: the maximum is reached, or the sampled token would not fit the cache.
        if generatedCount >= sequence.parameters.maxTokens || sequence.cache.count + 1 > sequence.cache.capacity {
            text += sequence.matcher.append(sequence.decoder.finish())
            let reason: FinishReason = sequence.matcher.stopped ? .stop : .length
            text += sequence.matcher.finish()
            return GeneratedToken(id: id, text: text, logprob: logprob, topLogprobs: top, finishReason: reason)
        }
        sequence.pending = [id]
        return GeneratedToken(id: id, text: text, logprob: logprob, topLogprobs: top)
    }

    /// log Σ exp(xᵢ), computed as m + log Σ exp(xᵢ − m) with m = max xᵢ: eight values at a time with Flint's
    /// vectorised exp (≤ 1.02 ulp), each vector's total added to a double (a vocabulary of 49,152 takes ~0.05 ms,
    /// against ~1 ms for a scalar `exp` per value — once per generated token).
    static func logSumExp(_ values: [Float]) -> Float {
        guard let maximum = values.max(), maximum.isFinite else { return values.max() ?? 0 }
        var sum: Double = 0
        values.withUnsafeBufferPointer { buffer in
            let count = buffer.count, whole = count & ~7
            let shift = SIMD8<Float>(repeating: maximum)
            var index = 0
            while index < whole {
                let x = SIMD8<Float>(buffer[index..<index + 8])
                sum += Double(VectorMath.exp(x - shift).sum())
                index += 8
            }
            while index < count {
                sum += Foundation.exp(Double(buffer[index] - maximum))
                index += 1
            }
        }
        return maximum + Float(Foundation.log(sum))
    }

    /// Generates a continuation of `promptTokens` on the calling thread, calling `onToken` after each
    /// step; `onToken` returns false to stop early (the result's finish reason is then `stop`).
    public func complete(promptTokens: [Int], parameters: SamplingParameters, topLogprobs: Int = 0,
                         onToken: (GeneratedToken) throws -> Bool = { _ in true }) throws -> GenerationResult {
        let sequence = try makeSequence(promptTokens: promptTokens, parameters: parameters, topLogprobs: topLogprobs)
        while sequence.isActive {
            guard let token = try step([sequence])[0] else { continue }
            if try !onToken(token) { break }
        }
        return GenerationResult(text: sequence.text, tokens: sequence.generated, promptTokens: promptTokens.count,
                                finishReason: sequence.finishReason ?? .stop)
    }

    /// ``complete(promptTokens:parameters:topLogprobs:onToken:)`` on the tokens of `prompt` (used as given:
    /// raw text, special tokens in it parsed).
    public func complete(prompt: String, parameters: SamplingParameters, topLogprobs: Int = 0,
                         onToken: (GeneratedToken) throws -> Bool = { _ in true }) throws -> GenerationResult {
        try complete(promptTokens: tokenize(prompt), parameters: parameters, topLogprobs: topLogprobs, onToken: onToken)
    }

    /// Streams the continuation of `prompt` token by token. The work runs on its own thread (the forward
    /// passes are long CPU work, kept off Swift's cooperative pool); cancelling the consuming task, or
    /// dropping the stream, stops it after the current step.
    public func generate(prompt: String, parameters: SamplingParameters, topLogprobs: Int = 0) -> AsyncThrowingStream<GeneratedToken, Error> {
        let (stream, continuation) = AsyncThrowingStream<GeneratedToken, Error>.makeStream()
        let cancelled = CancellationFlag()
        continuation.onTermination = { _ in cancelled.set() }
        let thread = Thread { [self] in
            do {
                _ = try complete(prompt: prompt, parameters: parameters, topLogprobs: topLogprobs) { token in
                    continuation.yield(token)
                    return !cancelled.isSet
                }
                continuation.finish()
            } catch {
                continuation.finish(throwing: error)
            }
        }
        thread.name = "flint-generate"
        thread.stackSize = 8 << 20
        thread.start()
        return stream
    }
}

/// A flag set once from any thread.
final class CancellationFlag: Sendable {
    private let value = Atomic<Bool>(false)
    func set() { value.store(true, ordering: .releasing) }
    var isSet: Bool { value.load(ordering: .acquiring) }
}
