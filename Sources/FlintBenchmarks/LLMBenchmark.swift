import Foundation
import Flint
import FlintModels
import FlintSupport

/// Issue 12's LLM rows: prompt processing (pp512) and generation (tg128) in tokens/s on a GGUF file, Flint's
/// engine against llama.cpp's `llama-bench` on the same file and thread count, measured the way `llama-bench`
/// measures them:
///
/// - `pp N`: one forward pass over `N` token ids into an empty cache (logits of the last position only).
/// - `tg N`: `N` forward passes of one token each into an empty cache (logits every step), as a decode loop.
///
/// Each test runs once as warm-up, then `repetitions` times; the row gives the mean of tokens/s over the
/// repetitions (`llama-bench`'s `avg_ts`). Token ids are random (speed does not depend on them).
public enum LLMBenchmark {
    /// The GGUF files the rows run on, when present in the cache: SmolLM2 Q4_1 (fetched by
    /// scripts/fetch-models.sh), its requantized Q4_0 / Q8_0 / Q4_K_M copies and the synthetic TinyLlama-shape
    /// files (scripts/make-synthetic-llm.sh; speed only).
    public static var candidateModels: [(label: String, path: String)] {
        let models = FlintCache.models
        let smol = models.appendingPathComponent("smollm2-135m-instruct")
        let tiny = models.appendingPathComponent("synthetic-tinyllama")
        return [("smollm2-135m Q4_1", smol.appendingPathComponent("SmolLM2-135M-Instruct.Q4_1.gguf").path),
                ("smollm2-135m Q4_0", smol.appendingPathComponent("SmolLM2-135M-Instruct.Q4_0.gguf").path),
                ("smollm2-135m Q8_0", smol.appendingPathComponent("SmolLM2-135M-Instruct.Q8_0.gguf").path),
                ("smollm2-135m Q4_K_M", smol.appendingPathComponent("SmolLM2-135M-Instruct.Q4_K_M.gguf").path),
                ("tinyllama-shape Q4_0", tiny.appendingPathComponent("synthetic-tinyllama-1.1b.Q4_0.gguf").path),
                ("tinyllama-shape Q4_K_M", tiny.appendingPathComponent("synthetic-tinyllama-1.1b.Q4_K_M.gguf").path)]
    }

    /// `llama-bench` of scripts/build-llama-cpp.sh, when built.
    public static var llamaBench: String? {
        let path = FlintCache.directory.appendingPathComponent("llama.cpp/0.3.36/bin/llama-bench").path
        return FileManager.default.isExecutableFile(atPath: path) ? path : nil
    }

    /// Flint's side, in this process: load seconds, pp and tg tokens/s, peak resident MiB.
    public static func runFlint(modelPath: String, prompt: Int, generate: Int, repetitions: Int) throws -> [String: Any] {
        guard FileManager.default.fileExists(atPath: modelPath) else { throw BenchmarkError.missingFile(modelPath) }
        let loadStart = DispatchTime.now()
        let model = try LlamaModel(path: modelPath)
        let loadSeconds = seconds(since: loadStart)
        let vocabulary = model.configuration.vocabularySize
        // llama-bench's KV cache is f16 by default: the same here unless FLINT_BENCH_CACHE_TYPE=f32.
        let precision = LlamaKVCache.Precision(rawValue: ProcessInfo.processInfo.environment["FLINT_BENCH_CACHE_TYPE"] ?? "f16") ?? .float16
        var random = SystemRandomNumberGenerator()
        func randomTokens(_ count: Int) -> [Int] { (0..<count).map { _ in Int.random(in: 0..<vocabulary, using: &random) } }

        func promptRate() throws -> Double {
            let cache = model.makeCache(capacity: prompt, precision: precision)
            let tokens = randomTokens(prompt)
            let start = DispatchTime.now()
            _ = try model.forward([.init(cache: cache, tokens: tokens, logits: .last)])
            return Double(prompt) / seconds(since: start)
        }
        func generationRate() throws -> Double {
            let cache = model.makeCache(capacity: generate, precision: precision)
            let tokens = randomTokens(generate)
            let start = DispatchTime.now()
            for token in tokens { _ = try model.forward([.init(cache: cache, tokens: [token], logits: .last)]) }
            return Double(generate) / seconds(since: start)
        }
        var pp = [Double](), tg = [Double]()
        if prompt > 0 {
            _ = try promptRate()
            for _ in 0..<repetitions { pp.append(try promptRate()) }
        }
        if generate > 0 {
            _ = try generationRate()
            for _ in 0..<repetitions { tg.append(try generationRate()) }
        }
        var result: [String: Any] = ["load_seconds": loadSeconds, "peak_rss_mib": peakResidentMiB()]
        if !pp.isEmpty { result["pp"] = pp.reduce(0, +) / Double(pp.count) }
        if !tg.isEmpty { result["tg"] = tg.reduce(0, +) / Double(tg.count) }
        return result
    }

    /// llama.cpp's side: `llama-bench -m FILE -p prompt -n generate -t threads -r repetitions -o json`;
    /// returns `avg_ts` of the pp and tg tests.
    public static func runLlamaBench(_ executable: String, modelPath: String, prompt: Int, generate: Int,
                                     repetitions: Int, threads: Int) throws -> (pp: Double?, tg: Double?, threads: Int) {
        let command = [executable, "-m", modelPath, "-p", "\(prompt)", "-n", "\(generate)", "-t", "\(threads)",
                       "-r", "\(repetitions)", "-o", "json"]
        let output = try BenchmarkSubprocess.run(executable, Array(command.dropFirst()))
        guard let data = output.data(using: .utf8),
              let tests = try? JSONSerialization.jsonObject(with: data) as? [[String: Any]], !tests.isEmpty else {
            throw BenchmarkError.noResult(command: command.joined(separator: " "))
        }
        var pp: Double?, tg: Double?, reported = threads
        for test in tests {
            let side = "llama-bench"
            let rate = try number(test, "avg_ts", side)
            reported = Int(try number(test, "n_threads", side))
            if (test["n_gen"] as? Int ?? 0) > 0 { tg = rate } else { pp = rate }
        }
        return (pp, tg, reported)
    }

    /// The process's peak resident set (`VmHWM` of /proc/self/status), in MiB.
    static func peakResidentMiB() -> Double {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return 0 }
        for line in status.split(separator: "\n") where line.hasPrefix("VmHWM:") {
            let kilobytes = line.split(separator: " ").compactMap { Double($0) }.first ?? 0
            return kilobytes / 1024
        }
        return 0
    }

    static func seconds(since start: DispatchTime) -> Double {
        Double(DispatchTime.now().uptimeNanoseconds - start.uptimeNanoseconds) / 1e9
    }
}

extension BenchmarkSuite {
    /// pp512 and tg128 tokens/s on every GGUF file of ``LLMBenchmark/candidateModels`` present in the cache,
    /// Flint against llama.cpp's `llama-bench` (when built) on the same file and threads; plus Flint's load
    /// time and peak resident memory per file. `FLINT_BENCH_LLM` (comma-separated labels' types, e.g.
    /// `Q4_1,Q4_0`) restricts the files; `FLINT_BENCH_LLM_REPETITIONS` sets the repetitions (default 3).
    public func llmRows() throws -> [BenchmarkRow] {
        let environment = ProcessInfo.processInfo.environment
        let only = environment["FLINT_BENCH_LLM"].map { Set($0.split(separator: ",").map(String.init)) } ?? []
        let repetitions = Int(environment["FLINT_BENCH_LLM_REPETITIONS"] ?? "") ?? 3
        let prompt = 512, generate = 128
        var rows = [BenchmarkRow]()
        let peer = LLMBenchmark.llamaBench
        if peer == nil { progress("bench: llama-bench not built (run `make llama-cpp`); LLM peer columns left empty") }
        for (label, path) in LLMBenchmark.candidateModels where FileManager.default.fileExists(atPath: path) {
            if !only.isEmpty && !only.contains(where: { label.hasSuffix(" " + $0) || label == $0 }) { continue }
            progress("bench: \(label) pp\(prompt) tg\(generate) (Flint)")
            let flint = try worker("llm-flint", environment: [
                "FLINT_BENCH_MODEL": path, "FLINT_BENCH_PROMPT": "\(prompt)", "FLINT_BENCH_GENERATE": "\(generate)",
                "FLINT_BENCH_REPETITIONS": "\(repetitions)"])
            var llama: (pp: Double?, tg: Double?, threads: Int)?
            if let peer {
                progress("bench: \(label) pp\(prompt) tg\(generate) (llama-bench)")
                llama = try LLMBenchmark.runLlamaBench(peer, modelPath: path, prompt: prompt, generate: generate,
                                                       repetitions: repetitions, threads: threads)
                if let llama, llama.threads != threads {
                    throw BenchmarkError.threadMismatch(side: "llama-bench", expected: threads, actual: llama.threads)
                }
            }
            let ppGoal = label.hasSuffix("Q4_1") ? 1.5 : 1.0
            rows.append(BenchmarkRow(name: "\(label) pp\(prompt)", unit: "tok/s", flint: try number(flint, "pp", "llm-flint"),
                                     peer: llama?.pp, goal: ppGoal, peerName: "llama.cpp llama-bench",
                                     flintThreads: threads, peerThreads: llama?.threads))
            rows.append(BenchmarkRow(name: "\(label) tg\(generate)", unit: "tok/s", flint: try number(flint, "tg", "llm-flint"),
                                     peer: llama?.tg, goal: 1.0, peerName: "llama.cpp llama-bench",
                                     flintThreads: threads, peerThreads: llama?.threads))
            rows.append(BenchmarkRow(name: "\(label) load", unit: "s", flint: try number(flint, "load_seconds", "llm-flint"),
                                     flintThreads: threads))
            rows.append(BenchmarkRow(name: "\(label) peak RSS", unit: "MiB", flint: try number(flint, "peak_rss_mib", "llm-flint"),
                                     flintThreads: threads))
        }
        return rows
    }
}
