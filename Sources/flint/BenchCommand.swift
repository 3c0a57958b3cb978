import ArgumentParser
import Foundation
import FlintBenchmarks

/// `flint bench`: Flint against its peers on this machine, in one run, every side on the same threads.
struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Benchmark Flint against direct OpenBLAS, PyTorch, onnxruntime and Hugging Face tokenizers on this machine and print the ratios.",
        discussion: """
            Every side runs with the same thread count: --threads, else FLINT_NUM_THREADS, else all cores. Flint's \
            workers get FLINT_NUM_THREADS; OpenBLAS, PyTorch, onnxruntime and tokenizers get it through \
            openblas_set_num_threads, torch.set_num_threads, intra_op_num_threads and RAYON_NUM_THREADS \
            (plus OMP/MKL/OPENBLAS_NUM_THREADS). Each row prints the thread counts both sides reported. \
            A failing case fails the run (exit status 1).
            """)

    @Flag(help: "Print JSON lines {name, unit, flint, peer, ratio, goal, flint_threads, peer_threads} instead of a table.")
    var json = false

    @Option(help: "Comma-separated groups to run: gemm, cnn, tokenize, minilm, bert-training, llm (GGUF pp512/tg128 against llama-bench).")
    var only: String = "gemm,cnn,tokenize,minilm"

    @Option(help: "Threads for every side (default: FLINT_NUM_THREADS, else all cores).")
    var threads: Int?

    @Option(help: "Directory of the peer scripts.")
    var peers: String = "bench/peers"

    @Option(help: "Directory of the benchmarks' input files.")
    var data: String = "bench/data"

    static let groups = ["gemm", "cnn", "tokenize", "minilm", "bert-training", "llm"]

    func validate() throws {
        let requested = only.split(separator: ",").map { String($0).trimmingCharacters(in: .whitespaces) }
        for group in requested where !Self.groups.contains(group) {
            throw ValidationError("--only: unknown group '\(group)' (known: \(Self.groups.joined(separator: ", ")))")
        }
        if requested.isEmpty { throw ValidationError("--only: no group given") }
        do { _ = try BenchmarkThreads.resolve(option: threads) } catch { throw ValidationError("\(error)") }
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: peers, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw ValidationError("--peers: no directory at \(peers) (run from the repository root or pass --peers)")
        }
        guard FileManager.default.fileExists(atPath: data, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw ValidationError("--data: no directory at \(data) (run from the repository root or pass --data)")
        }
    }

    func run() throws {
        let groups = Set(only.split(separator: ",").map { String($0).trimmingCharacters(in: .whitespaces) })
        let count = try BenchmarkThreads.resolve(option: threads)
        let json = self.json
        let suite = BenchmarkSuite(peerScripts: peers, dataDirectory: data, threads: count) { message in
            if !json { FileHandle.standardError.write(Data((message + "\n").utf8)) }
        }
        if !json { FileHandle.standardError.write(Data("bench: \(count) threads on every side\n".utf8)) }
        var rows: [BenchmarkRow] = []
        if groups.contains("gemm") { rows += try suite.gemmRows() }
        if groups.contains("cnn") { rows += try suite.cnnRows() }
        if groups.contains("bert-training") { rows += try suite.bertTrainingRows() }
        if groups.contains("minilm") { rows += try suite.miniLMRows() }
        if groups.contains("tokenize") { rows += try suite.tokenizerRows() + suite.bpeTokenizerRows() }
        if groups.contains("llm") { rows += try suite.llmRows() }
        if json {
            for row in rows { print(row.jsonLine) }
        } else {
            print(BenchmarkRow.table(rows))
        }
    }
}

/// Internal: one measurement in a fresh process (so that thread pools of different runs never meet).
struct BenchWorkerCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench-worker", abstract: "Internal: runs one benchmark case and prints JSON.", shouldDisplay: false)

    @Argument(help: "The case: gemm-flint, gemm-openblas, cnn-flint, bert-training-flint, minilm-flint, tokenize-flint, tokenize-bpe-flint, tokenize-corpus, llm-flint, json-mask-flint (FLINT_BENCH_MODEL: JSON mode's token mask, ms per call).")
    var name: String

    @Option(help: "Matrix size for the gemm cases.")
    var size: Int = 1024

    @Option(help: "OpenBLAS threads for gemm-openblas (Flint's own cases use FLINT_NUM_THREADS).")
    var threads: Int = 2

    func run() throws {
        print(try BenchmarkSuite.runWorker(name, size: size, threads: threads))
    }
}
