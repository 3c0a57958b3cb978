import Foundation
import Flint
import FlintText

/// `tokenize_10k_bpe`: the 10,000 sentences of `TokenizerBenchmark.corpus` through a byte-level BPE tokenizer
/// shaped like Llama-3's (NFC, Split with the Llama-3 pattern, ByteLevel, `ignore_merges`, a Sequence
/// post-processor), Flint's `encodeBatch` against Hugging Face `tokenizers`' `encode_batch` (Rust, parallel)
/// on the same tokenizer.json: `bench/data/bpe_llama3_full.json` (a copy of the test fixture of that name:
/// benchmarks never read files under `Tests/`).
public enum BPETokenizerBenchmark {
    /// The tokenizer.json's file name in the benchmark data directory.
    public static let tokenizerFileName = "bpe_llama3_full.json"

    /// The tokenizer.json both sides load, in the benchmark data directory (`bench/data`).
    public static func tokenizerFile(dataDirectory: String) -> URL {
        URL(fileURLWithPath: dataDirectory).absoluteURL.appendingPathComponent(tokenizerFileName).standardized
    }

    /// The worker: `{"sentences_per_s", "tokens", "seconds", "runs"}` for `encodeBatch` of the corpus at
    /// `corpusPath` with the tokenizer at `tokenizerPath` (best of several timed runs after a warm-up).
    public static func runFlint(corpusPath: String, tokenizerPath: String) throws -> [String: Any] {
        try TokenizerBenchmark.timeEncoding(corpusPath: corpusPath,
                                            tokenizer: Tokenizer(contentsOf: URL(fileURLWithPath: tokenizerPath)))
    }
}

extension BenchmarkSuite {
    /// `tokenize_10k_bpe`: sentences/s of Flint and of Hugging Face `tokenizers` with the same byte-level BPE
    /// tokenizer.json on the same 10,000 sentences; the two alternate twice and each keeps its best run.
    public func bpeTokenizerRows() throws -> [BenchmarkRow] {
        let tokenizer = BPETokenizerBenchmark.tokenizerFile(dataDirectory: dataDirectory)
        guard FileManager.default.fileExists(atPath: tokenizer.path) else { throw BenchmarkError.missingFile(tokenizer.path) }
        return try tokenizerComparisonRows(
            label: "tokenize 10k sentences (byte-level BPE)", workerCase: "tokenize-bpe-flint",
            environment: ["FLINT_BENCH_TOKENIZER": tokenizer.path], peers: [
                TokenizerPeer(rowName: "tokenize_10k_bpe", script: "bench_tokenize_bpe.py", arguments: [tokenizer.path], goal: 1.0) { result in
                    "HF tokenizers \(result["tokenizers"] as? String ?? "?") encode_batch (Rust, parallel)"
                },
            ])
    }
}
