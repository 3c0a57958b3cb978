import Foundation
import Testing
import Flint
import FlintModels
import FlintTestSupport

/// The generation engine on SmolLM2-135M-Instruct (Q4_1 GGUF): text in, text out, against llama.cpp's
/// greedy continuation of the cats prompt (Fixtures/smollm2/cats.json), and the sampling, stop, streaming,
/// batching and chat contracts.
@Suite(.serialized) struct LanguageModelTests {
    struct CatsReference: Decodable {
        let prompt: String
        let prompt_ids: [Int]
        let greedy_ids: [Int]
        let greedy_text: String
    }

    static let shared: Result<LanguageModel, Error> = Result { try LanguageModel.load(try TestModels.smolLM2.path, contextSize: 512) }

    static func model() throws -> LanguageModel { try shared.get() }

    static func cats() throws -> CatsReference {
        let url = try #require(Bundle.module.url(forResource: "Fixtures/smollm2/cats", withExtension: "json"))
        return try JSONDecoder().decode(CatsReference.self, from: Data(contentsOf: url))
    }

    static func greedy(maxTokens: Int = 64, stop: [String] = []) -> SamplingParameters {
        var parameters = SamplingParameters.greedy
        parameters.maxTokens = maxTokens
        parameters.stop = stop
        return parameters
    }

    @Test func greedyTextMatchesLlamaCpp() throws {
        let reference = try Self.cats()
        let model = try Self.model()
        #expect(model.tokenize(reference.prompt) == reference.prompt_ids)
        let result = try model.complete(prompt: reference.prompt, parameters: Self.greedy())
        #expect(result.tokenIds == reference.greedy_ids)
        // llama.cpp's text ends with the end-of-generation token, which Flint does not print.
        #expect(result.text + "<|im_end|>" == reference.greedy_text)
        #expect(result.finishReason == .stop)
        #expect(result.promptTokens == reference.prompt_ids.count)
    }

    @Test func maxTokensEndsWithLength() throws {
        let reference = try Self.cats()
        let result = try Self.model().complete(prompt: reference.prompt, parameters: Self.greedy(maxTokens: 5))
        #expect(result.completionTokens == 5 && result.finishReason == .length)
        #expect(result.tokenIds == Array(reference.greedy_ids.prefix(5)))
        #expect(result.text == "A cat is a majestic")
    }

    /// A stop string that spans several tokens ("fluffy coat" is " fluffy" + " coat") ends generation, and
    /// neither it nor anything after it is output; the text before it is.
    @Test func stopStringSpanningTokens() throws {
        let reference = try Self.cats()
        var emitted = ""
        let result = try Self.model().complete(prompt: reference.prompt, parameters: Self.greedy(stop: ["fluffy coat"])) { token in
            emitted += token.text
            return true
        }
        #expect(result.finishReason == .stop)
        #expect(result.text == "A cat is a majestic creature with a ")
        #expect(emitted == result.text)
    }

    @Test func sameSeedSameText() throws {
        let model = try Self.model()
        var parameters = SamplingParameters()
        parameters.temperature = 1.0
        parameters.maxTokens = 24
        parameters.seed = 7
        let first = try model.complete(prompt: "Once upon a time", parameters: parameters)
        let second = try model.complete(prompt: "Once upon a time", parameters: parameters)
        #expect(first.tokenIds == second.tokenIds && first.text == second.text)
        var texts = Set<String>()
        for seed in 1...4 as ClosedRange<UInt64> {
            parameters.seed = seed
            texts.insert(try model.complete(prompt: "Once upon a time", parameters: parameters).text)
        }
        #expect(texts.count > 1, "four seeds at temperature 1 gave one text")
    }

    @Test func logprobsAreNormalisedAndSorted() throws {
        let reference = try Self.cats()
        let result = try Self.model().complete(prompt: reference.prompt, parameters: Self.greedy(maxTokens: 4), topLogprobs: 5)
        for token in result.tokens {
            #expect(token.topLogprobs.count == 5)
            #expect(token.logprob <= 0)
            // Greedy: the chosen token is the most likely one.
            #expect(token.topLogprobs[0].id == token.id && token.topLogprobs[0].logprob == token.logprob)
            #expect(zip(token.topLogprobs, token.topLogprobs.dropFirst()).allSatisfy { $0.logprob >= $1.logprob })
            #expect(token.topLogprobs.map { Foundation.exp(Double($0.logprob)) }.reduce(0, +) <= 1.0001)
        }
    }

    /// Two sequences decoded together in one forward pass per step give the same tokens as each alone.
    @Test func batchedSequencesMatchSingleOnes() throws {
        let model = try Self.model()
        let prompts = [try Self.cats().prompt, "The capital of France is"]
        let alone = try prompts.map { try model.complete(prompt: $0, parameters: Self.greedy(maxTokens: 12)).tokenIds }
        let sequences = try prompts.map { try model.makeSequence(promptTokens: model.tokenize($0), parameters: Self.greedy(maxTokens: 12)) }
        while sequences.contains(where: \.isActive) { try model.step(sequences) }
        #expect(sequences.map { $0.generated.map(\.id) } == alone)
    }

    @Test func streamEqualsCallbackAndCancels() async throws {
        let model = try Self.model()
        let reference = try Self.cats()
        var streamed = [Int]()
        for try await token in model.generate(prompt: reference.prompt, parameters: Self.greedy()) { streamed.append(token.id) }
        #expect(streamed == reference.greedy_ids)
        // Leaving the loop early cancels the generation; the stream ends without error.
        var taken = 0
        for try await _ in model.generate(prompt: reference.prompt, parameters: Self.greedy(maxTokens: 200)) {
            taken += 1
            if taken == 3 { break }
        }
        #expect(taken == 3)
    }

    /// The chat session renders the conversation with SmolLM2's own Jinja template, which inserts its default
    /// system message, so the first turn's prompt is the cats fixture's and the greedy answer is llama.cpp's;
    /// the second turn re-renders the conversation and feeds only what the cache does not hold.
    @Test func chatSessionFirstTurnIsTheTemplatePrompt() throws {
        let model = try Self.model()
        let reference = try Self.cats()
        let session = try ChatSession(model: model)
        #expect(session.format.origin == .model(path: model.path))
        #expect(try session.renderedPrompt(adding: "Write one sentence about cats.") == reference.prompt)
        let answer = try session.send("Write one sentence about cats.", parameters: Self.greedy())
        #expect(answer.tokenIds == reference.greedy_ids)
        #expect(answer.cachedTokens == 0)
        let second = try session.send("And one about dogs.", parameters: Self.greedy(maxTokens: 16))
        #expect(second.completionTokens > 0)
        // Everything up to the first answer's last fed token is reused.
        #expect(second.cachedTokens >= answer.promptTokens + answer.completionTokens - 2)
        #expect(second.cachedTokens < second.promptTokens)
        #expect(session.messages.map(\.role) == ["user", "assistant", "user", "assistant"])
        #expect(session.messages[1].content == answer.text && session.messages[3].content == second.text)
        session.reset()
        #expect(session.messages.isEmpty)
        #expect(try session.send("Write one sentence about cats.", parameters: Self.greedy()).tokenIds == reference.greedy_ids)
    }

    @Test func badRequestsAreErrors() throws {
        let model = try Self.model()
        var parameters = SamplingParameters()
        parameters.topP = 0
        #expect(throws: LanguageModel.GenerationError.self) { try model.makeSequence(promptTokens: [1], parameters: parameters) }
        #expect(throws: LanguageModel.GenerationError.emptyPrompt) { try model.makeSequence(promptTokens: [], parameters: .greedy) }
        #expect(throws: LanguageModel.GenerationError.promptTooLong(tokens: 600, contextSize: 512)) {
            try model.makeSequence(promptTokens: Array(repeating: 1, count: 600), parameters: .greedy)
        }
        #expect(throws: LlamaModel.ForwardError.tokenOutOfRange(49_152, vocabularySize: 49_152)) {
            try model.makeSequence(promptTokens: [49_152], parameters: .greedy)
        }
    }

    /// The context fills up: generation ends with `length`, no error.
    @Test func fullContextEndsWithLength() throws {
        let path = try TestModels.smolLM2.path
        let small = try LanguageModel.load(path, contextSize: 40)
        let reference = try Self.cats()   // 36 prompt tokens
        let result = try small.complete(prompt: reference.prompt, parameters: Self.greedy(maxTokens: 100))
        #expect(result.finishReason == .length)
        #expect(result.promptTokens + result.completionTokens == 41)
        #expect(throws: LanguageModel.GenerationError.invalidContextSize(0)) { try LanguageModel.load(path, contextSize: 0) }
    }
}

/// Perplexity as llama-perplexity measures it, against its run on the same file and text
/// (Fixtures/smollm2/perplexity.json: -c 512 on 8,321 tokens of BBC News; llama.cpp with f16 KV and flash attention).
@Suite struct PerplexityTests {
    struct Reference: Decodable {
        let token_ids: [Int]
        let running_ppl_after_chunk: [Double]
    }

    /// The first two chunks (the test's time budget; `flint perplexity` on the whole text is in the issue note):
    /// llama.cpp's running value after 2 chunks is 19.0958; Flint must be within 1%.
    @Test func firstTwoChunksMatchLlamaPerplexity() throws {
        let url = try #require(Bundle.module.url(forResource: "Fixtures/smollm2/perplexity", withExtension: "json"))
        let reference = try JSONDecoder().decode(Reference.self, from: Data(contentsOf: url))
        let model = try LanguageModel.load(try TestModels.smolLM2.path)
        let result = try model.perplexity(tokens: Array(reference.token_ids.prefix(1024)), contextSize: 512)
        #expect(result.chunks == 2 && result.scoredTokens == 510)
        for (flint, llama) in zip(result.runningPerplexity, reference.running_ppl_after_chunk) {
            #expect(abs(flint / llama - 1) < 0.01, "running perplexity \(flint) vs llama.cpp \(llama)")
        }
        #expect(throws: LanguageModel.PerplexityError.tooFewTokens(tokens: 1000, needed: 1024)) {
            try model.perplexity(tokens: Array(reference.token_ids.prefix(1000)), contextSize: 512)
        }
    }
}

@Suite struct TextGenerationPipelineTests {
    @Test func pipelineFromFileAndFolder() throws {
        let path = try TestModels.smolLM2.path
        let generator = try pipeline(.textGeneration, model: path)
        let text = try generator(GenerateCommandTests.catsPrompt, parameters: {
            var parameters = SamplingParameters.greedy
            parameters.maxTokens = 5
            return parameters
        }())
        #expect(text == "A cat is a majestic")
        // A folder with one .gguf file (a Hub snapshot of a GGUF repository) works too; none or two is an error.
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("flint-gguf-folder-\(getpid())")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        #expect(throws: TextGenerationPipeline.PipelineError.noGGUFFile(folder: folder.path, found: [])) {
            try pipeline(.textGeneration, model: folder.path)
        }
        try FileManager.default.createSymbolicLink(at: folder.appendingPathComponent("model.gguf"), withDestinationURL: URL(fileURLWithPath: path))
        #expect(try pipeline(.textGeneration, model: folder.path).model.model.configuration.layerCount == 30)
    }
}
