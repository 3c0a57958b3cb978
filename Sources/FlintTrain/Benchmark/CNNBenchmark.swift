import Foundation
import Flint
import FlintNN
import FlintModels

/// The reference CNN on 3×32×32 input, batch 64: a training step (forward, backward, Adam step)
/// and eval inference, in images per second; the same work as `bench/peers/bench_cnn.py` in PyTorch.
public enum CNNBenchmark {
    /// Images per batch.
    public static let batchSize = 64

    /// Measures Flint in this process; returns a JSON object line with `train_images_per_s`,
    /// `eval_images_per_s`, `peak_rss_mib` and the resident memory before and after the timed rounds.
    public static func runFlint(rounds: Int = 7) -> String {
        RandomGenerator.manualSeed(0)
        let model = ReferenceCNN(inputChannels: 3, classes: 10)
        let optimizer = Adam(parameters: model.parameters(), learningRate: 1e-3)
        let x = Tensor.normal([batchSize, 3, 32, 32])
        let y = Tensor.randomIntegers([batchSize], low: 0, high: 10)
        func trainStep() {
            model.train()
            optimizer.zeroGrad()
            let loss = try! crossEntropy(logits: model(x), targets: y)  // synthetic labels in 0..<10
            loss.backward()
            optimizer.step()
        }
        func evaluate() {
            model.eval()
            withNoGrad { _ = model(x) }
        }
        for _ in 0..<3 { trainStep(); evaluate() }
        let residentBefore = BenchmarkTiming.residentMiB()
        let times = BenchmarkTiming.interleaved([("train", trainStep), ("eval", evaluate)], rounds: rounds, roundSeconds: 1.0)
        let residentAfter = BenchmarkTiming.residentMiB()
        let fields: [String: Double] = [
            "train_images_per_s": Double(batchSize) / times["train"]!,
            "eval_images_per_s": Double(batchSize) / times["eval"]!,
            "peak_rss_mib": BenchmarkTiming.peakResidentMiB(),
            "rss_before_mib": residentBefore,
            "rss_after_mib": residentAfter,
        ]
        let data = try! JSONSerialization.data(withJSONObject: fields, options: [.sortedKeys])
        return String(data: data, encoding: .utf8)!
    }
}

extension BenchmarkSuite {
    /// CNN training and eval throughput, Flint vs PyTorch (2 threads), and peak memory.
    public func cnnRows() -> [BenchmarkRow] {
        progress("bench: reference CNN (Flint)")
        let flint = worker("cnn-flint")
        var peer: [String: Any]? = nil
        var peerName = "PyTorch (2 threads)"
        if let python = BenchmarkSubprocess.peerPython {
            progress("bench: reference CNN (PyTorch)")
            peer = BenchmarkSubprocess.lastJSONObject(BenchmarkSubprocess.run(
                python, ["\(peerScripts)/bench_cnn.py", "2"], environment: ["OMP_NUM_THREADS": "2"]))
            if let version = peer?["torch"] as? String { peerName = "PyTorch \(version) (2 threads)" }
        } else {
            progress("bench: no peer environment (run `make peers`); PyTorch columns left empty")
        }
        func value(_ object: [String: Any]?, _ key: String) -> Double? { object?[key] as? Double }
        var rows = [
            BenchmarkRow(name: "CNN train step 3×32×32 b64", unit: "img/s", flint: value(flint, "train_images_per_s") ?? .nan,
                         peer: value(peer, "train_images_per_s"), goal: 1.0, peerName: peerName),
            BenchmarkRow(name: "CNN eval 3×32×32 b64", unit: "img/s", flint: value(flint, "eval_images_per_s") ?? .nan,
                         peer: value(peer, "eval_images_per_s"), goal: 1.0, peerName: peerName),
            BenchmarkRow(name: "CNN peak resident memory", unit: "MiB", flint: value(flint, "peak_rss_mib") ?? .nan,
                         peer: value(peer, "peak_rss_mib"), higherIsBetter: false, peerName: peerName),
        ]
        if let before = value(flint, "rss_before_mib"), let after = value(flint, "rss_after_mib") {
            rows.append(BenchmarkRow(name: "CNN resident growth over timed steps", unit: "MiB", flint: after - before))
        }
        return rows
    }
}
