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
        try TokenizerBenchmark.timeEncoding(corpusPath: corpusPath,
                                            tokenizer: Tokenizer(contentsOf: URL(fileURLWithPath: tokenizerPath)))
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
        return tokenizerComparisonRows(
            name: "tokenize_10k_bpe", label: "byte-level BPE, 10k sentences", workerCase: "tokenize-bpe-flint",
            environment: ["FLINT_BENCH_TOKENIZER": tokenizer.path], peerScript: "bench_tokenize_bpe.py",
            peerArguments: [tokenizer.path], peerName: "HF tokenizers encode_batch (Rust, parallel)"
        ) { result in
            (result["tokenizers"] as? String).map { "HF tokenizers \($0) encode_batch (Rust, parallel)" }
        }
    }
}
