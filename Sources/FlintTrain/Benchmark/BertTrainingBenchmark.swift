import Foundation
import Flint
import FlintNN
import FlintModels

/// A fine-tuning step of a MiniLM-shaped BertForSequenceClassification (6 layers, hidden 384,
/// 12 heads, 3 labels; random weights, dropout on) at batch 16 × 128 tokens: forward, cross-entropy
/// loss and backward, in sequences per second; plus the same batch's evaluation forward. The same
/// work as `bench/peers/bench_bert_training.py` in PyTorch/transformers.
public enum BertTrainingBenchmark {
    /// Sequences per batch.
    public static let batchSize = 16
    /// Tokens per sequence.
    public static let length = 128

    /// all-MiniLM-L6-v2's shape.
    static let configuration = BertConfiguration(vocabularySize: 30522, hiddenSize: 384, hiddenLayerCount: 6,
                                                 attentionHeadCount: 12, intermediateSize: 1536, labelCount: 3)

    /// Measures Flint in this process; returns a JSON object line with `train_sequences_per_s`,
    /// `eval_sequences_per_s` and `peak_rss_mib`.
    public static func runFlint(rounds: Int = 5) throws -> String {
        RandomGenerator.manualSeed(0)
        let model = try BertForSequenceClassification(configuration: configuration)
        let ids = Tensor.randomIntegers([batchSize, length], low: 1000, high: 30000)
        let mask = Tensor.ones([batchSize, length], dtype: .int64)
        let labels = Tensor.randomIntegers([batchSize], low: 0, high: 3)
        func trainStep() {
            model.train()
            model.zeroGrad()
            let loss = model.loss(logits: model(inputIds: ids, attentionMask: mask), labels: labels)
            loss.backward()
        }
        func evaluate() {
            model.eval()
            withNoGrad { _ = model(inputIds: ids, attentionMask: mask) }
        }
        let times = BenchmarkTiming.interleaved([("train", trainStep), ("eval", evaluate)], warmup: 1, rounds: rounds,
                                                roundSeconds: 1.0)
        let fields: [String: Double] = [
            "train_sequences_per_s": Double(batchSize) / times["train"]!,
            "eval_sequences_per_s": Double(batchSize) / times["eval"]!,
            "train_step_ms": times["train"]! * 1000,
            "peak_rss_mib": BenchmarkTiming.peakResidentMiB(),
        ]
        let data = try JSONSerialization.data(withJSONObject: fields, options: [.sortedKeys])
        return String(data: data, encoding: .utf8)!
    }
}

extension BenchmarkSuite {
    /// BERT fine-tuning step and eval forward (MiniLM shape, 16 × 128), Flint vs PyTorch (2 threads).
    public func bertTrainingRows() -> [BenchmarkRow] {
        progress("bench: BERT training step (Flint)")
        let flint = worker("bert-training-flint")
        var peer: [String: Any]? = nil
        var peerName = "PyTorch + transformers (2 threads)"
        if let python = BenchmarkSubprocess.peerPython {
            progress("bench: BERT training step (PyTorch)")
            peer = BenchmarkSubprocess.lastJSONObject(BenchmarkSubprocess.run(
                python, ["\(peerScripts)/bench_bert_training.py", "2"], environment: ["OMP_NUM_THREADS": "2"]))
            if let version = peer?["torch"] as? String { peerName = "PyTorch \(version) + transformers (2 threads)" }
        } else {
            progress("bench: no peer environment (run `make peers`); PyTorch columns left empty")
        }
        func value(_ object: [String: Any]?, _ key: String) -> Double? { object?[key] as? Double }
        return [
            BenchmarkRow(name: "BERT (MiniLM shape) train fwd+bwd 16×128", unit: "seq/s",
                         flint: value(flint, "train_sequences_per_s") ?? .nan, peer: value(peer, "train_sequences_per_s"),
                         goal: 1.0, peerName: peerName),
            BenchmarkRow(name: "BERT (MiniLM shape) Module eval forward 16×128", unit: "seq/s",
                         flint: value(flint, "eval_sequences_per_s") ?? .nan, peer: value(peer, "eval_sequences_per_s"),
                         goal: 1.0, peerName: peerName),
        ]
    }
}
