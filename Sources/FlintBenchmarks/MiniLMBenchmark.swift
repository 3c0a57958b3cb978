import Foundation
import Flint
import FlintSupport
import FlintModels

/// all-MiniLM-L6-v2 sentence embeddings (encoder + mean pooling + L2 normalisation) on fixed token
/// ids: Flint's ``BertEncoder`` against PyTorch and onnxruntime (`bench/peers/bench_minilm.py`), same threads.
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
    public static var modelFolder: URL { FlintCache.model(named: "all-MiniLM-L6-v2") }

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
    public static func runFlint(rounds: Int = 5, only: Set<String> = []) throws -> [String: Any] {
        let folder = modelFolder
        let residentBeforeLoad = BenchmarkTiming.residentMiB()
        let start = BenchmarkTiming.now()
        let encoder = try BertEncoder(contentsOf: folder)
        let loadSeconds = BenchmarkTiming.now() - start
        let weightsBytes = try FileManager.default.attributesOfItem(
            atPath: folder.appendingPathComponent("model.safetensors").path)[.size] as? Int ?? 0
        // First call touches the mmap'd pages a forward pass reads; memory is read after it.
        _ = try encoder.sentenceEmbeddings(inputIds: [tokenIds(length: 16, count: 1)[0]])
        let residentAfterLoad = BenchmarkTiming.residentMiB()
        encoder.releaseWorkspaces()
        var cases: [(String, () throws -> Void)] = []
        var results: [String: Double] = [:]
        for length in lengths {
            let ids = tokenIds(length: length)
            for batch in batchSizes {
                let name = key(length: length, batch: batch)
                if !only.isEmpty && !only.contains(name) { continue }
                let input = Array(ids.prefix(batch))
                cases.append((name, { _ = try encoder.sentenceEmbeddings(inputIds: input, pooling: .mean, normalize: true) }))
            }
        }
        if ProcessInfo.processInfo.environment["FLINT_BENCH_CPU_TIME"] == "1" {
            // Development aid on a busy machine: process CPU seconds per call (robust to time-sharing
            // with one thread; with two it includes the workers' spinning).
            for (name, body) in cases {
                for _ in 0..<2 { try body() }
                var samples: [Double] = []
                for _ in 0..<rounds {
                    let start = processCPUSeconds(), wallStart = BenchmarkTiming.now()
                    var calls = 0
                    while BenchmarkTiming.now() - wallStart < 0.3 || calls < 2 { try body(); calls += 1 }
                    samples.append((processCPUSeconds() - start) / Double(calls))
                }
                results["cpu_" + name] = samples.min()!
            }
        } else {
            for (name, seconds) in try BenchmarkTiming.interleaved(cases, warmup: 2, rounds: rounds, roundSeconds: 0.4) {
                results[name] = seconds
            }
        }
        results["load_seconds"] = loadSeconds
        results["rss_before_load_mib"] = residentBeforeLoad
        results["rss_after_load_mib"] = residentAfterLoad
        results["weights_mib"] = Double(weightsBytes) / (1024 * 1024)
        results["peak_rss_mib"] = BenchmarkTiming.peakResidentMiB()
        return results
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
    /// load time and resident memory after load. Flint and the peers alternate three times (A-B, B-A,
    /// A-B, so that a slow stretch of the shared machine hits both sides alike); each keeps its best
    /// run (machine noise only slows).
    public func miniLMRows() throws -> [BenchmarkRow] {
        let idsFile = FileManager.default.temporaryDirectory.appendingPathComponent("flint-minilm-ids-\(getpid()).json")
        defer { try? FileManager.default.removeItem(at: idsFile) }
        try MiniLMBenchmark.writeTokenIds(to: idsFile)
        // FLINT_BENCH_ONLY=t16_b1,t128_b32 restricts the cases on both sides (for quick runs).
        let only = ProcessInfo.processInfo.environment["FLINT_BENCH_ONLY"].map { Set($0.split(separator: ",").map(String.init)) } ?? []
        var flintRuns: [[String: Any]] = [], peerRuns: [[String: Any]] = []
        if BenchmarkSubprocess.peerPython == nil { notePeerMissing("MiniLM") }
        func runFlint(_ round: Int) throws {
            progress("bench: MiniLM (Flint) round \(round + 1)")
            flintRuns.append(try worker("minilm-flint"))
        }
        func runPeer(_ round: Int) throws {
            guard BenchmarkSubprocess.peerPython != nil else { return }
            progress("bench: MiniLM (PyTorch, onnxruntime) round \(round + 1)")
            let restrict = only.isEmpty ? [] : ["--only", only.sorted().joined(separator: ",")]
            if let run = try peer("bench_minilm.py", ["--ids", idsFile.path, "--rounds", "5"] + restrict) { peerRuns.append(run) }
        }
        for round in 0..<3 {
            if round % 2 == 0 { try runFlint(round); try runPeer(round) } else { try runPeer(round); try runFlint(round) }
        }
        /// The best (lowest) seconds of `key` over the runs; throws when a run lacks it.
        func best(_ runs: [[String: Any]], _ key: String, _ side: String) throws -> Double? {
            try runs.map { try number($0, key, side) }.min()
        }
        let torchVersion = peerRuns.first?["torch"] as? String ?? "?"
        let ortVersion = peerRuns.first?["onnxruntime"] as? String ?? "?"
        let ortName = "onnxruntime \(ortVersion) (best of plain/fused graph)"
        let torchName = "PyTorch \(torchVersion)"
        let peerThreads = peerRuns.first?["threads"] as? Int
        var rows: [BenchmarkRow] = []
        for length in MiniLMBenchmark.lengths {
            for batch in MiniLMBenchmark.batchSizes {
                let key = MiniLMBenchmark.key(length: length, batch: batch)
                if !only.isEmpty && !only.contains(key) { continue }
                guard let flint = try best(flintRuns, key, "minilm-flint") else { continue }
                let ort = try best(peerRuns, "onnxruntime_" + key, "bench_minilm.py")
                let torch = try best(peerRuns, "torch_" + key, "bench_minilm.py")
                let name = "minilm_b\(batch)_t\(length)"
                if batch == 1 {
                    rows.append(BenchmarkRow(name: name + " latency", unit: "ms", flint: flint * 1e3, peer: ort.map { $0 * 1e3 },
                                             higherIsBetter: false, goal: 1.0, peerName: ortName,
                                             flintThreads: threads, peerThreads: peerThreads))
                    rows.append(BenchmarkRow(name: name + " latency", unit: "ms", flint: flint * 1e3, peer: torch.map { $0 * 1e3 },
                                             higherIsBetter: false, peerName: torchName, flintThreads: threads, peerThreads: peerThreads))
                } else {
                    let perSecond = { (seconds: Double) in Double(batch) / seconds }
                    rows.append(BenchmarkRow(name: name, unit: "sent/s", flint: perSecond(flint), peer: ort.map(perSecond),
                                             goal: 1.0, peerName: ortName, flintThreads: threads, peerThreads: peerThreads))
                    rows.append(BenchmarkRow(name: name, unit: "sent/s", flint: perSecond(flint), peer: torch.map(perSecond),
                                             peerName: torchName, flintThreads: threads, peerThreads: peerThreads))
                }
            }
        }
        if let load = try best(flintRuns, "load_seconds", "minilm-flint") {
            rows.append(BenchmarkRow(name: "minilm load from folder", unit: "s", flint: load,
                                     peer: try best(peerRuns, "torch_load_seconds", "bench_minilm.py"), higherIsBetter: false,
                                     peerName: "transformers AutoModel.from_pretrained", flintThreads: threads, peerThreads: peerThreads))
        }
        if let resident = try best(flintRuns, "rss_after_load_mib", "minilm-flint"),
           let weights = try best(flintRuns, "weights_mib", "minilm-flint") {
            let before = try best(flintRuns, "rss_before_load_mib", "minilm-flint") ?? 0
            rows.append(BenchmarkRow(name: "minilm resident after load (× weights \(String(format: "%.0f", weights)) MiB)",
                                     unit: "×", flint: (resident - before) / weights, flintThreads: threads))
            rows.append(BenchmarkRow(name: "minilm process resident after load", unit: "MiB", flint: resident, flintThreads: threads))
        }
        return rows
    }
}
