import Foundation
import Flint

/// The measurements behind `flint bench`. Each case runs in its own process (Flint's pool and
/// OpenBLAS's threads never meet); peers run from the project's scripts in the peer venv. Every
/// process of a run gets the same thread count (``BenchmarkThreads/environment(_:)``) and reports the
/// count it ran with; the rows print both sides' counts.
public struct BenchmarkSuite: Sendable {
    /// Directory holding the peer scripts (`bench/peers`).
    public let peerScripts: String
    /// Directory holding the benchmarks' input files (`bench/data`).
    public let dataDirectory: String
    /// Threads for every side: Flint's pool, direct OpenBLAS, PyTorch, onnxruntime, tokenizers.
    public let threads: Int
    /// Receives progress messages.
    public let progress: @Sendable (String) -> Void

    public init(peerScripts: String, dataDirectory: String, threads: Int, progress: @escaping @Sendable (String) -> Void) {
        self.peerScripts = peerScripts
        self.dataDirectory = dataDirectory
        self.threads = threads
        self.progress = progress
    }

    /// The environment of every worker and peer process of this run.
    var environment: [String: String] { BenchmarkThreads.environment(threads) }

    /// Runs `flint bench-worker name` in a fresh process with this run's thread count and returns its
    /// JSON result; throws when it fails or ran with another thread count.
    func worker(_ name: String, size: Int = 0, environment extra: [String: String] = [:]) throws -> [String: Any] {
        let result = try BenchmarkSubprocess.runJSON(
            BenchmarkSubprocess.currentExecutable, ["bench-worker", name, "--size", "\(size)", "--threads", "\(threads)"],
            environment: environment.merging(extra) { $1 })
        try checkThreads(result, side: "Flint (\(name))")
        return result
    }

    /// Runs a peer script with the peer venv's Python, this run's thread environment and `--threads`;
    /// nil when there is no peer venv. Throws when the script fails or ran with another thread count.
    func peer(_ script: String, _ arguments: [String], environment extra: [String: String] = [:]) throws -> [String: Any]? {
        guard let python = BenchmarkSubprocess.peerPython else { return nil }
        let result = try BenchmarkSubprocess.runJSON(
            python, ["\(peerScripts)/\(script)"] + arguments + ["--threads", "\(threads)"],
            environment: environment.merging(["HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"]) { $1 }.merging(extra) { $1 })
        try checkThreads(result, side: script)
        return result
    }

    /// Checks the `threads` a process reported against this run's count.
    func checkThreads(_ result: [String: Any], side: String) throws {
        guard let reported = result["threads"] as? Int else { throw BenchmarkError.missingField("threads", in: side) }
        guard reported == threads else { throw BenchmarkError.threadMismatch(side: side, expected: threads, actual: reported) }
    }

    /// Says once per group that the peer columns stay empty.
    func notePeerMissing(_ group: String) {
        progress("bench: no peer environment (run `make peers`); \(group) peer columns left empty")
    }

    /// sgemm GFLOP/s at 256, 1024, 2048: `Tensor.matmul` vs `cblas_sgemm` with OpenBLAS's threads set to the run's count.
    public func gemmRows() throws -> [BenchmarkRow] {
        try GEMMBenchmark.sizes.map { n in
            progress("bench: sgemm n=\(n)")
            // Alternate the two processes twice and keep the better run of each (machine noise only slows).
            var flint: [Double] = [], direct: [Double] = []
            for _ in 0..<2 {
                direct.append(try number(worker("gemm-openblas", size: n), "gflops", "gemm-openblas"))
                flint.append(try number(worker("gemm-flint", size: n), "gflops", "gemm-flint"))
            }
            return BenchmarkRow(name: "sgemm n=\(n)", unit: "GFLOP/s", flint: flint.max()!, peer: direct.max(),
                                goal: 0.95, peerName: "OpenBLAS cblas_sgemm", flintThreads: threads, peerThreads: threads)
        }
    }

    /// Runs one worker case in this process and returns its JSON line, with `threads`: the threads
    /// Flint's pool runs with (`Parallel.threadCount`), or OpenBLAS's own for `gemm-openblas`.
    public static func runWorker(_ name: String, size: Int, threads: Int) throws -> String {
        var result: [String: Any]
        switch name {
        case "gemm-flint":
            result = ["gflops": try GEMMBenchmark.flintGFLOPS(size: size)]
        case "gemm-openblas":
            // Flint's pool stays untouched here: OpenBLAS's own threads are the only ones.
            let measured = try GEMMBenchmark.openBLASGFLOPS(size: size, threads: threads)
            return try jsonLine(["gflops": measured.gflops, "threads": measured.threads])
        case "cnn-flint":
            result = try CNNBenchmark.runFlint()
        case "bert-training-flint":
            result = try BertTrainingBenchmark.runFlint()
        case "minilm-flint":
            // FLINT_BENCH_ONLY=t16_b1,t128_b32 restricts the cases (for quick runs).
            let only = ProcessInfo.processInfo.environment["FLINT_BENCH_ONLY"].map { Set($0.split(separator: ",").map(String.init)) } ?? []
            result = try MiniLMBenchmark.runFlint(only: only)
        case "tokenize-flint", "tokenize-corpus":
            result = try TokenizerBenchmark.runWorker(name, corpusPath: ProcessInfo.processInfo.environment["FLINT_BENCH_CORPUS"] ?? "")
        case "tokenize-bpe-flint":
            let environment = ProcessInfo.processInfo.environment
            result = try BPETokenizerBenchmark.runFlint(corpusPath: environment["FLINT_BENCH_CORPUS"] ?? "",
                                                        tokenizerPath: environment["FLINT_BENCH_TOKENIZER"] ?? "")
        case "llm-flint":
            let environment = ProcessInfo.processInfo.environment
            func count(_ key: String, _ fallback: Int) -> Int { Int(environment[key] ?? "") ?? fallback }
            result = try LLMBenchmark.runFlint(modelPath: environment["FLINT_BENCH_MODEL"] ?? "",
                                               prompt: count("FLINT_BENCH_PROMPT", 512), generate: count("FLINT_BENCH_GENERATE", 128),
                                               repetitions: count("FLINT_BENCH_REPETITIONS", 3))
        case "json-mask-flint":
            result = try JSONMaskBenchmark.runFlint(modelPath: ProcessInfo.processInfo.environment["FLINT_BENCH_MODEL"] ?? "")
        default:
            throw BenchmarkError.unknownCase(name)
        }
        result["threads"] = Parallel.threadCount
        return try jsonLine(result)
    }

    /// One JSON object on one line, keys sorted.
    static func jsonLine(_ object: [String: Any]) throws -> String {
        String(decoding: try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]), as: UTF8.self)
    }
}

/// The numeric field `key` of a worker's or peer's result; throws naming `side` when it is absent.
func number(_ result: [String: Any], _ key: String, _ side: String) throws -> Double {
    if let value = result[key] as? Double { return value }
    if let value = result[key] as? Int { return Double(value) }
    throw BenchmarkError.missingField(key, in: side)
}

/// The numeric field `key` of an optional result (nil when the peer did not run); throws when the
/// result exists but lacks the field.
func optionalNumber(_ result: [String: Any]?, _ key: String, _ side: String) throws -> Double? {
    guard let result else { return nil }
    return try number(result, key, side)
}
