import ArgumentParser
import Foundation
import FlintModels

/// `flint perplexity`: a text's perplexity under a GGUF model, measured as llama.cpp's `llama-perplexity`.
struct PerplexityCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "perplexity",
        abstract: "Measure a text's perplexity under a GGUF language model, the way llama.cpp's llama-perplexity does.",
        discussion: """
            The text is tokenized (BOS as the file says, special tokens not parsed) and cut into chunks of --ctx-size \
            tokens; each chunk is evaluated alone and its second half scored. Prints llama-perplexity's running \
            values [k]PPL as the chunks finish (with the rate and time left on standard error), then the final \
            estimate with its ± (or one JSON object with --json).
            """)

    @Option(help: "The .gguf model file, or a registry reference NAME[@VERSION|@ALIAS] of a GGUF version.")
    var model: String

    @OptionGroup var registry: ModelRegistryOption

    @Option(name: .customLong("file"), help: "The text file.")
    var file: String

    @Option(name: .customLong("ctx-size"), help: "Chunk size in tokens (llama-perplexity's -c).")
    var contextSize: Int = 512

    @Option(name: .customLong("cache-type"), help: "KV cache storage: f32 (default) or f16 (llama.cpp's default).")
    var cacheType: LlamaKVCache.Precision = .float32

    @Flag(help: "Print one JSON object at the end.")
    var json = false

    func run() throws {
        let data: Data
        do { data = try Data(contentsOf: URL(fileURLWithPath: file)) } catch { throw ValidationError("--file: cannot read \(file): \(error.localizedDescription)") }
        guard let text = String(data: data, encoding: .utf8) else { throw ValidationError("--file: \(file) is not UTF-8 text") }
        let languageModel = try LanguageModel.load(model, cachePrecision: cacheType, resolver: registry.ggufResolver)
        let tokens = languageModel.tokenizer.encode(text, addSpecial: true, parseSpecial: false)
        let start = DispatchTime.now()
        let errors = FileHandle.standardError
        let json = self.json
        let contextSize = self.contextSize
        let result = try languageModel.perplexity(tokens: tokens, contextSize: contextSize) { chunk, chunks, running in
            let elapsed = Double(DispatchTime.now().uptimeNanoseconds - start.uptimeNanoseconds) / 1e9
            let rate = Double(chunk * contextSize) / elapsed
            let left = elapsed / Double(chunk) * Double(chunks - chunk)
            errors.write(Data(String(format: "chunk %d/%d, %.0f tokens/s, %.0f s left\n", chunk, chunks, rate, left).utf8))
            if !json {
                FileHandle.standardOutput.write(Data(String(format: "[%d]%.4f%@", chunk, running, chunk == chunks ? "\n" : ",").utf8))
            }
        }
        if json {
            print("{\"perplexity\": \(result.perplexity), \"uncertainty\": \(result.uncertainty), \"chunks\": \(result.chunks), \"scored_tokens\": \(result.scoredTokens), \"tokens\": \(tokens.count), \"ctx_size\": \(contextSize), \"running\": [\(result.runningPerplexity.map { String(format: "%.4f", $0) }.joined(separator: ", "))]}")
        } else {
            print(String(format: "Final estimate: PPL = %.4f +/- %.5f", result.perplexity, result.uncertainty))
        }
    }
}
