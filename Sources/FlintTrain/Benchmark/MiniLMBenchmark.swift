import Foundation
import Flint
import FlintModels

/// all-MiniLM-L6-v2 sentence embeddings (encoder + mean pooling + L2 normalisation) on fixed token
/// ids: Flint's ``BertEncoder`` against PyTorch and onnxruntime (`bench/peers/bench_minilm.py`), 2 threads.
///
/// Flint writes the token ids to a JSON file that the peer reads, so both sides encode exactly the
/// same ids: for each length T, 32 sequences `[CLS] w₁ … w_{T−2} [SEP]` with word ids from a fixed
/// linear congruential sequence.
public enum MiniLMBenchmark {
    /// Sequence lengths (tokens, with [CLS] and [SEP]).
    public static let lengths = [16, 128]
    /// Batch sizes.
    public static let batchSizes = [1, 8, 32]

    /// The model folder: `$FLINT_CACHE/models/all-MiniLM-L6-v2` (default cache `~/.cache/flint`).
    public static var modelFolder: URL {
        let env = ProcessInfo.processInfo.environment
        let cache = env["FLINT_CACHE"].flatMap { $0.isEmpty ? nil : $0 } ?? (NSHomeDirectory() + "/.cache/flint")
        return URL(fileURLWithPath: cache).appendingPathComponent("models/all-MiniLM-L6-v2", isDirectory: true)
    }

    /// The deterministic inputs: 32 sequences per length.
    public static func tokenIds(length: Int, count: Int = 32) -> [[Int]] {
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15 &+ UInt64(length)
        return (0..<count).map { _ in
            var ids = [101]
            for _ in 0..<(length - 2) {
                state = state &* 6364136223846793005 &+ 1442695040888963407
                ids.append(1000 + Int((state >> 33) % 28000))
            }
            ids.append(102)
            return ids
        }
    }

    /// Writes `{"16": [[ids]…], "128": …}` for the peer and returns its path.
    public static func writeTokenIds(to url: URL) throws {
        var object: [String: [[Int]]] = [:]
        for length in lengths { object[String(length)] = tokenIds(length: length) }
        try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]).write(to: url)
    }

    /// The JSON key of one case, e.g. `t128_b32`.
    public static func key(length: Int, batch: Int) -> String { "t\(length)_b\(batch)" }

    /// Measures Flint in this process: load time, resident memory after load against the weights'
    /// size, and seconds per `sentenceEmbeddings` call for every case (interleaved rounds, medians).
    /// `only` restricts the cases (keys such as `t16_b1`); empty runs all.
    public static func runFlint(rounds: Int = 5, only: Set<String> = []) throws -> String {
        let folder = modelFolder
        let residentBeforeLoad = BenchmarkTiming.residentMiB()
        let start = BenchmarkTiming.now()
        let encoder = try BertEncoder(contentsOf: folder)
        let loadSeconds = BenchmarkTiming.now() - start
        let weightsBytes = (try? FileManager.default.attributesOfItem(
            atPath: folder.appendingPathComponent("model.safetensors").path)[.size] as? Int) ?? 0
        // First call touches the mmap'd pages a forward pass reads; memory is read after it.
        _ = try encoder.sentenceEmbeddings(inputIds: [tokenIds(length: 16, count: 1)[0]])
        let residentAfterLoad = BenchmarkTiming.residentMiB()
        encoder.releaseWorkspaces()
        var cases: [(String, () -> Void)] = []
        var results: [String: Double] = [:]
        for length in lengths {
            let ids = tokenIds(length: length)
            for batch in batchSizes {
                let name = key(length: length, batch: batch)
                if !only.isEmpty && !only.contains(name) { continue }
                let input = Array(ids.prefix(batch))
                cases.append((name, { _ = try? encoder.sentenceEmbeddings(inputIds: input, pooling: .mean, normalize: true) }))
            }
        }
        if ProcessInfo.processInfo.environment["FLINT_BENCH_CPU_TIME"] == "1" {
            // Development aid on a busy machine: process CPU seconds per call (robust to time-sharing
            // with one thread; with two it includes the workers' spinning).
            for (name, body) in cases {
                for _ in 0..<2 { body() }
                var samples: [Double] = []
                for _ in 0..<rounds {
                    let start = processCPUSeconds(), wallStart = BenchmarkTiming.now()
                    var calls = 0
                    while BenchmarkTiming.now() - wallStart < 0.3 || calls < 2 { body(); calls += 1 }
                    samples.append((processCPUSeconds() - start) / Double(calls))
                }
                results["cpu_" + name] = samples.min()!
            }
        } else {
            for (name, seconds) in BenchmarkTiming.interleaved(cases, warmup: 2, rounds: rounds, roundSeconds: 0.4) {
                results[name] = seconds
            }
        }
        results["load_seconds"] = loadSeconds
        results["rss_before_load_mib"] = residentBeforeLoad
        results["rss_after_load_mib"] = residentAfterLoad
        results["weights_mib"] = Double(weightsBytes) / (1024 * 1024)
        results["peak_rss_mib"] = BenchmarkTiming.peakResidentMiB()
        let data = try JSONSerialization.data(withJSONObject: results, options: [.sortedKeys])
        return String(data: data, encoding: .utf8)!
    }
}

/// CPU seconds used by this process so far.
func processCPUSeconds() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts)
    return Double(ts.tv_sec) + Double(ts.tv_nsec) * 1e-9
}

extension BenchmarkSuite {
    /// MiniLM throughput (sentences/s) and batch-1 latency (ms) against onnxruntime and PyTorch, plus
    /// load time and resident memory after load. Flint and the peers alternate three times; each
    /// keeps its best run (machine noise only slows).
    public func miniLMRows() -> [BenchmarkRow] {
        let idsFile = FileManager.default.temporaryDirectory.appendingPathComponent("flint-minilm-ids-\(getpid()).json")
        defer { try? FileManager.default.removeItem(at: idsFile) }
        do { try MiniLMBenchmark.writeTokenIds(to: idsFile) } catch {
            progress("bench: cannot write MiniLM token ids: \(error)")
            return []
        }
        var flintRuns: [[String: Any]] = [], peerRuns: [[String: Any]] = []
        let python = BenchmarkSubprocess.peerPython
        if python == nil { progress("bench: no peer environment (run `make peers`); MiniLM peer columns left empty") }
        // Three alternations in A-B, B-A, A-B order so that a slow stretch of the shared machine hits
        // both sides alike; each side keeps its best run (machine noise only slows).
        func runFlint(_ round: Int) {
            progress("bench: MiniLM (Flint) round \(round + 1)")
            if let run = worker("minilm-flint") { flintRuns.append(run) }
        }
        func runPeer(_ round: Int) {
            guard let python else { return }
            progress("bench: MiniLM (PyTorch, onnxruntime) round \(round + 1)")
            if let run = BenchmarkSubprocess.lastJSONObject(BenchmarkSubprocess.run(
                python, ["\(peerScripts)/bench_minilm.py", "--ids", idsFile.path, "--rounds", "5"],
                environment: ["OMP_NUM_THREADS": "2", "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"])) {
                peerRuns.append(run)
            }
        }
        for round in 0..<3 {
            if round % 2 == 0 { runFlint(round); runPeer(round) } else { runPeer(round); runFlint(round) }
        }
        /// The best (lowest) seconds of `key` over the runs.
        func best(_ runs: [[String: Any]], _ key: String) -> Double? {
            runs.compactMap { $0[key] as? Double }.min()
        }
        let torchVersion = peerRuns.first?["torch"] as? String ?? "?"
        let ortVersion = peerRuns.first?["onnxruntime"] as? String ?? "?"
        let ortName = "onnxruntime \(ortVersion) (2 threads, best of plain/fused graph)"
        let torchName = "PyTorch \(torchVersion) (2 threads)"
        var rows: [BenchmarkRow] = []
        for length in MiniLMBenchmark.lengths {
            for batch in MiniLMBenchmark.batchSizes {
                let key = MiniLMBenchmark.key(length: length, batch: batch)
                guard let flint = best(flintRuns, key) else { continue }
                let ort = best(peerRuns, "onnxruntime_" + key), torch = best(peerRuns, "torch_" + key)
                let name = "minilm_b\(batch)_t\(length)"
                if batch == 1 {
                    rows.append(BenchmarkRow(name: name + " latency", unit: "ms", flint: flint * 1e3, peer: ort.map { $0 * 1e3 },
                                             higherIsBetter: false, goal: 1.0, peerName: ortName))
                    rows.append(BenchmarkRow(name: name + " latency", unit: "ms", flint: flint * 1e3, peer: torch.map { $0 * 1e3 },
                                             higherIsBetter: false, peerName: torchName))
                } else {
                    let perSecond = { (seconds: Double) in Double(batch) / seconds }
                    rows.append(BenchmarkRow(name: name, unit: "sent/s", flint: perSecond(flint), peer: ort.map(perSecond),
                                             goal: 1.0, peerName: ortName))
                    rows.append(BenchmarkRow(name: name, unit: "sent/s", flint: perSecond(flint), peer: torch.map(perSecond),
                                             peerName: torchName))
                }
            }
        }
        if let load = best(flintRuns, "load_seconds") {
            rows.append(BenchmarkRow(name: "minilm load from folder", unit: "s", flint: load, peer: best(peerRuns, "torch_load_seconds"),
                                     higherIsBetter: false, peerName: "transformers AutoModel.from_pretrained"))
        }
        if let resident = best(flintRuns, "rss_after_load_mib"), let weights = best(flintRuns, "weights_mib") {
            let before = best(flintRuns, "rss_before_load_mib") ?? 0
            rows.append(BenchmarkRow(name: "minilm resident after load (× weights \(String(format: "%.0f", weights)) MiB)",
                                     unit: "×", flint: (resident - before) / weights))
            rows.append(BenchmarkRow(name: "minilm process resident after load", unit: "MiB", flint: resident))
        }
        return rows
    }
}
