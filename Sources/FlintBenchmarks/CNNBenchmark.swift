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
    public static func runFlint(rounds: Int = 7) throws -> [String: Any] {
        RandomGenerator.manualSeed(0)
        let model = ReferenceCNN(inputChannels: 3, classes: 10)
        let optimizer = Adam(parameters: model.parameters(), learningRate: 1e-3)
        let x = Tensor.normal([batchSize, 3, 32, 32])
        let y = Tensor.randomIntegers([batchSize], low: 0, high: 10)
        func trainStep() throws {
            model.train()
            optimizer.zeroGrad()
            let loss = try crossEntropy(logits: model(x), targets: y)
            loss.backward()
            optimizer.step()
        }
        func evaluate() {
            model.eval()
            withNoGrad { _ = model(x) }
        }
        for _ in 0..<3 { try trainStep(); evaluate() }
        let residentBefore = BenchmarkTiming.residentMiB()
        let times = try BenchmarkTiming.interleaved([("train", trainStep), ("eval", evaluate)], rounds: rounds, roundSeconds: 1.0)
        let residentAfter = BenchmarkTiming.residentMiB()
        let fields: [String: Any] = [
            "train_images_per_s": Double(batchSize) / times["train"]!,
            "eval_images_per_s": Double(batchSize) / times["eval"]!,
            "peak_rss_mib": BenchmarkTiming.peakResidentMiB(),
            "rss_before_mib": residentBefore,
            "rss_after_mib": residentAfter,
        ]
        return fields
    }
}

extension BenchmarkSuite {
    /// CNN training and eval throughput, Flint vs PyTorch, and peak memory.
    public func cnnRows() throws -> [BenchmarkRow] {
        progress("bench: reference CNN (Flint)")
        let flint = try worker("cnn-flint")
        progress("bench: reference CNN (PyTorch)")
        let peer = try self.peer("bench_cnn.py", [])
        if peer == nil { notePeerMissing("CNN") }
        let peerName = (peer?["torch"] as? String).map { "PyTorch \($0)" } ?? "PyTorch"
        let peerThreads = peer?["threads"] as? Int
        func row(_ name: String, _ unit: String, _ key: String, higherIsBetter: Bool = true, goal: Double? = nil) throws -> BenchmarkRow {
            BenchmarkRow(name: name, unit: unit, flint: try number(flint, key, "cnn-flint"),
                         peer: try optionalNumber(peer, key, "bench_cnn.py"), higherIsBetter: higherIsBetter, goal: goal,
                         peerName: peerName, flintThreads: threads, peerThreads: peerThreads)
        }
        return [
            try row("CNN train step 3×32×32 b64", "img/s", "train_images_per_s", goal: 1.0),
            try row("CNN eval 3×32×32 b64", "img/s", "eval_images_per_s", goal: 1.0),
            try row("CNN peak resident memory", "MiB", "peak_rss_mib", higherIsBetter: false),
            BenchmarkRow(name: "CNN resident growth over timed steps", unit: "MiB",
                         flint: try number(flint, "rss_after_mib", "cnn-flint") - number(flint, "rss_before_mib", "cnn-flint"),
                         flintThreads: threads),
        ]
    }
}
