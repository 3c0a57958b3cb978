import Foundation
import Testing
import FlintBenchmarks

/// The harness itself: one thread count for every side, failures that fail the benchmark, and inputs that
/// live under bench/, never under Tests/.
@Suite struct BenchmarkHarnessTests {
    @Test func threadCountComesFromTheOptionThenTheEnvironmentThenTheCores() throws {
        #expect(try BenchmarkThreads.resolve(option: 3, environment: ["FLINT_NUM_THREADS": "1"], processors: 8) == 3)
        #expect(try BenchmarkThreads.resolve(option: nil, environment: ["FLINT_NUM_THREADS": "1"], processors: 8) == 1)
        #expect(try BenchmarkThreads.resolve(option: nil, environment: [:], processors: 8) == 8)
    }

    @Test func badThreadCountsAreErrorsNamingTheirSource() {
        #expect(throws: BenchmarkError.invalidThreadCount(source: "FLINT_NUM_THREADS", value: "two")) {
            try BenchmarkThreads.resolve(option: nil, environment: ["FLINT_NUM_THREADS": "two"], processors: 2)
        }
        #expect(throws: BenchmarkError.invalidThreadCount(source: "FLINT_NUM_THREADS", value: "0")) {
            try BenchmarkThreads.resolve(option: nil, environment: ["FLINT_NUM_THREADS": "0"], processors: 2)
        }
        #expect(throws: BenchmarkError.invalidThreadCount(source: "--threads", value: "0")) {
            try BenchmarkThreads.resolve(option: 0, environment: [:], processors: 2)
        }
    }

    @Test func everyThreadKnobOfEveryPeerGetsTheSameCount() {
        let environment = BenchmarkThreads.environment(3)
        for key in ["FLINT_NUM_THREADS", "OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS", "RAYON_NUM_THREADS"] {
            #expect(environment[key] == "3", "\(key)")
        }
    }

    @Test func aFailingTimedCallFailsTheMeasurement() {
        struct Failure: Error {}
        var calls = 0
        #expect(throws: Failure.self) {
            _ = try BenchmarkTiming.interleaved([("fails on the third call", {
                calls += 1
                if calls == 3 { throw Failure() }
            })], warmup: 1, rounds: 3, roundSeconds: 0.001)
        }
    }

    @Test func aFailingProcessFailsTheBenchmark() {
        #expect(throws: BenchmarkError.processFailed(command: "/bin/sh -c exit 3", status: 3)) {
            _ = try BenchmarkSubprocess.run("/bin/sh", ["-c", "exit 3"])
        }
        #expect(throws: BenchmarkError.noResult(command: "/bin/echo no json here")) {
            _ = try BenchmarkSubprocess.runJSON("/bin/echo", ["no json here"])
        }
        #expect(throws: BenchmarkError.self) { _ = try BenchmarkSubprocess.run("/nonexistent/peer", []) }
        #expect(throws: BenchmarkError.unknownCase("no-such-case")) {
            _ = try BenchmarkSuite.runWorker("no-such-case", size: 0, threads: 1)
        }
    }

    @Test func theBPETokenizerFileIsUnderBenchData() {
        let file = BPETokenizerBenchmark.tokenizerFile(dataDirectory: "bench/data")
        #expect(file.path.hasSuffix("/bench/data/bpe_llama3_full.json"))
        #expect(!file.path.contains("/Tests/"))
    }

    /// The benchmark sources and peer scripts never reach into Tests/ (the fixtures they need are copied
    /// into bench/data).
    @Test func benchmarkCodeReadsNothingUnderTests() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        var offenders: [String] = []
        for folder in ["Sources/FlintBenchmarks", "bench", "Sources/flint/BenchCommand.swift", "scripts/bench-serve.sh"] {
            let url = root.appendingPathComponent(folder)
            var isDirectory: ObjCBool = false
            let exists = FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory)
            #expect(exists, "\(folder)")
            let files = isDirectory.boolValue
                ? (FileManager.default.enumerator(atPath: url.path)?.allObjects as? [String] ?? []).map { url.appendingPathComponent($0) }
                : [url]
            for file in files where ["swift", "py", "sh", "lua"].contains(file.pathExtension) {
                let text = try String(contentsOf: file, encoding: .utf8)
                for (number, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated()
                where line.contains("Tests/") && !line.trimmingCharacters(in: .whitespaces).hasPrefix("///") {
                    offenders.append("\(file.lastPathComponent):\(number + 1)")
                }
            }
        }
        #expect(offenders.isEmpty, "benchmark code refers to Tests/: \(offenders)")
        #expect(FileManager.default.fileExists(atPath: root.appendingPathComponent("bench/data/bpe_llama3_full.json").path))
    }
}
