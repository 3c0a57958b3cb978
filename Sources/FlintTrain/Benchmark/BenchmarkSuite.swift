import Foundation
import Flint

/// The measurements behind `flint bench`. Each case runs in its own process (Flint's pool and
/// OpenBLAS's threads never meet); peers run from the project's scripts in the peer venv.
public struct BenchmarkSuite: Sendable {
    /// Directory holding the peer scripts (`bench/peers`).
    public let peerScripts: String
    /// Receives progress messages.
    public let progress: @Sendable (String) -> Void

    public init(peerScripts: String, progress: @escaping @Sendable (String) -> Void) {
        self.peerScripts = peerScripts
        self.progress = progress
    }

    func worker(_ name: String, size: Int = 0, threads: Int = 2) -> [String: Any]? {
        BenchmarkSubprocess.lastJSONObject(BenchmarkSubprocess.run(
            BenchmarkSubprocess.currentExecutable, ["bench-worker", name, "--size", "\(size)", "--threads", "\(threads)"]))
    }

    /// sgemm GFLOP/s at 256, 1024, 2048: `Tensor.matmul` vs `cblas_sgemm` with OpenBLAS's 2 threads.
    public func gemmRows() -> [BenchmarkRow] {
        GEMMBenchmark.sizes.map { n in
            progress("bench: sgemm n=\(n)")
            // Alternate the two processes twice and keep the better run of each (machine noise only slows).
            var flint: [Double] = [], direct: [Double] = []
            for _ in 0..<2 {
                if let v = worker("gemm-openblas", size: n)?["gflops"] as? Double { direct.append(v) }
                if let v = worker("gemm-flint", size: n)?["gflops"] as? Double { flint.append(v) }
            }
            return BenchmarkRow(name: "sgemm n=\(n)", unit: "GFLOP/s", flint: flint.max() ?? .nan, peer: direct.max(),
                                goal: 0.95, peerName: "OpenBLAS cblas_sgemm, 2 threads")
        }
    }


    /// Runs one worker case in this process and returns its JSON line.
    public static func runWorker(_ name: String, size: Int, threads: Int) throws -> String {
        switch name {
        case "gemm-flint":
            return "{\"gflops\": \(GEMMBenchmark.flintGFLOPS(size: size))}"
        case "gemm-openblas":
            return "{\"gflops\": \(GEMMBenchmark.openBLASGFLOPS(size: size, threads: threads))}"
        case "cnn-flint":
            return CNNBenchmark.runFlint()
        case "bert-training-flint":
            return try BertTrainingBenchmark.runFlint()
        case "minilm-flint":
            // FLINT_BENCH_ONLY=t16_b1,t128_b32 restricts the cases (for quick runs).
            let only = ProcessInfo.processInfo.environment["FLINT_BENCH_ONLY"].map { Set($0.split(separator: ",").map(String.init)) } ?? []
            return try MiniLMBenchmark.runFlint(only: only)
        case "tokenize-flint", "tokenize-corpus":
            return try TokenizerBenchmark.runWorker(name, corpusPath: ProcessInfo.processInfo.environment["FLINT_BENCH_CORPUS"] ?? "")
        case "tokenize-bpe-flint":
            let environment = ProcessInfo.processInfo.environment
            return try BPETokenizerBenchmark.runFlint(corpusPath: environment["FLINT_BENCH_CORPUS"] ?? "",
                                                      tokenizerPath: environment["FLINT_BENCH_TOKENIZER"] ?? "")
        default:
            throw BenchmarkError.unknownCase(name)
        }
    }
}

/// Errors of the benchmark driver.
public enum BenchmarkError: Error, CustomStringConvertible {
    case unknownCase(String)
    public var description: String {
        switch self {
        case .unknownCase(let name): return "bench-worker: unknown case '\(name)'"
        }
    }
}
