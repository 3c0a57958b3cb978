import Foundation
import Flint
import FlintText

/// `tokenize_10k_bpe`: the 10,000 sentences of `TokenizerBenchmark.corpus` through a byte-level BPE tokenizer
/// shaped like Llama-3's (NFC, Split with the Llama-3 pattern, ByteLevel, `ignore_merges`, a Sequence
/// post-processor), Flint's `encodeBatch` against Hugging Face `tokenizers`' `encode_batch` (Rust, parallel)
/// on the same tokenizer.json: the test fixture `bpe_llama3_full.json`.
public enum BPETokenizerBenchmark {
    /// The tokenizer.json both sides load, found from the peer-script directory (`bench/peers`).
    public static func tokenizerFile(peerScripts: String) -> URL {
        URL(fileURLWithPath: peerScripts).absoluteURL.appendingPathComponent("../../Tests/FlintTextTests/Fixtures/bpe_llama3_full.json")
            .standardized
    }

    /// The worker: `{"sentences_per_s", "tokens", "seconds", "runs"}` for `encodeBatch` of the corpus at
    /// `corpusPath` with the tokenizer at `tokenizerPath` (best of several timed runs after a warm-up).
    public static func runFlint(corpusPath: String, tokenizerPath: String) throws -> String {
        let texts = try TokenizerBenchmark.readCorpus(corpusPath)
        let tokenizer = try Tokenizer(contentsOf: URL(fileURLWithPath: tokenizerPath))
        var tokens = 0
        for encoding in tokenizer.encodeBatch(texts) { tokens += encoding.count }
        var best = Double.infinity
        let start = BenchmarkTiming.now()
        var runs = 0
        while runs < 5 || (BenchmarkTiming.now() - start < 3 && runs < 30) {
            let t0 = BenchmarkTiming.now()
            let encodings = tokenizer.encodeBatch(texts)
            best = min(best, BenchmarkTiming.now() - t0)
            precondition(encodings.count == texts.count)
            runs += 1
        }
        return "{\"sentences_per_s\": \(Double(texts.count) / best), \"tokens\": \(tokens), \"seconds\": \(best), \"runs\": \(runs)}"
    }
}

extension BenchmarkSuite {
    /// `tokenize_10k_bpe`: sentences/s of Flint and of Hugging Face `tokenizers` with the same byte-level BPE
    /// tokenizer.json on the same 10,000 sentences; the two alternate twice and each keeps its best run.
    public func bpeTokenizerRows() -> [BenchmarkRow] {
        let tokenizer = BPETokenizerBenchmark.tokenizerFile(peerScripts: peerScripts)
        guard FileManager.default.fileExists(atPath: tokenizer.path) else {
            progress("bench: no BPE tokenizer at \(tokenizer.path)")
            return []
        }
        let corpus = FileManager.default.temporaryDirectory.appendingPathComponent("flint-tokenize-bpe-corpus-\(getpid()).txt")
        defer { try? FileManager.default.removeItem(at: corpus) }
        do {
            try TokenizerBenchmark.writeCorpus(to: corpus)
        } catch {
            progress("bench: cannot write the tokenizer corpus: \(error)")
            return []
        }
        let environment = ["FLINT_BENCH_CORPUS": corpus.path, "FLINT_BENCH_TOKENIZER": tokenizer.path]
        var flint: [Double] = [], peer: [Double] = []
        var flintTokens: Int? = nil, peerTokens: Int? = nil
        var peerName = "HF tokenizers encode_batch (Rust, parallel)"
        for round in 0..<2 {
            progress("bench: byte-level BPE, 10k sentences, Flint (round \(round + 1))")
            if let result = BenchmarkSubprocess.lastJSONObject(BenchmarkSubprocess.run(
                BenchmarkSubprocess.currentExecutable, ["bench-worker", "tokenize-bpe-flint"], environment: environment)) {
                if let value = result["sentences_per_s"] as? Double { flint.append(value) }
                flintTokens = result["tokens"] as? Int
            }
            if let python = BenchmarkSubprocess.peerPython {
                progress("bench: byte-level BPE, 10k sentences, Hugging Face (round \(round + 1))")
                if let result = BenchmarkSubprocess.lastJSONObject(BenchmarkSubprocess.run(
                    python, ["\(peerScripts)/bench_tokenize_bpe.py", corpus.path, tokenizer.path])) {
                    if let value = result["sentences_per_s"] as? Double { peer.append(value) }
                    peerTokens = result["tokens"] as? Int
                    if let version = result["tokenizers"] as? String { peerName = "HF tokenizers \(version) encode_batch (Rust, parallel)" }
                }
            }
        }
        if let flintTokens, let peerTokens, flintTokens != peerTokens {
            progress("bench: BPE token counts differ: Flint \(flintTokens), Hugging Face \(peerTokens)")
        }
        return [BenchmarkRow(name: "tokenize_10k_bpe", unit: "sentences/s", flint: flint.max() ?? .nan, peer: peer.max(),
                             goal: 1.0, peerName: peerName)]
    }
}
