import Foundation
import Flint
import FlintNN
import FlintModels

/// A fine-tuning step of a MiniLM-shaped BertForSequenceClassification (6 layers, hidden 384,
/// 12 heads, 3 labels; random weights, dropout on) at batch 16 × 128 tokens, as Hugging Face's
/// `Trainer` takes it with default arguments: zero the gradients, forward in train mode,
/// cross-entropy loss, backward, clip the gradient norm to 1.0, an AdamW step (lr 5·10⁻⁵, weight
/// decay 0.01 on matrices and 0 on biases and LayerNorm parameters) and a linear-decay scheduler
/// step; in sequences per second. Plus the same batch's evaluation forward. The same work as
/// `bench/peers/bench_bert_training.py` in PyTorch/transformers.
public enum BertTrainingBenchmark {
    /// Sequences per batch.
    public static let batchSize = 16
    /// Tokens per sequence.
    public static let length = 128

    /// The peak learning rate (Hugging Face `TrainingArguments` default).
    static let learningRate: Float = 5e-5
    /// The linear schedule's length: long enough that the rate never reaches 0 during a run.
    static let scheduleSteps = 1_000_000

    /// all-MiniLM-L6-v2's shape.
    static let configuration = BertConfiguration(vocabularySize: 30522, hiddenSize: 384, hiddenLayerCount: 6,
                                                 attentionHeadCount: 12, intermediateSize: 1536, labelCount: 3)

    /// Measures Flint in this process; returns a JSON object line with `train_sequences_per_s`,
    /// `eval_sequences_per_s`, `train_step_ms` (median), the mean milliseconds of the step's parts
    /// (`train_forward_ms`: zeroing, forward and loss; `train_backward_ms`; `train_update_ms`:
    /// clipping, AdamW and scheduler) and `peak_rss_mib`.
    public static func runFlint(rounds: Int = 5) throws -> [String: Any] {
        RandomGenerator.manualSeed(0)
        let model = try BertForSequenceClassification(configuration: configuration)
        let ids = Tensor.randomIntegers([batchSize, length], low: 1000, high: 30000)
        let mask = Tensor.ones([batchSize, length], dtype: .int64)
        let labels = Tensor.randomIntegers([batchSize], low: 0, high: 3)
        let parameters = model.parameters()
        let (decayed, notDecayed) = model.parametersSplitForWeightDecay()
        let optimizer = AdamW(groups: [
            ParameterGroup(decayed, options: .init(learningRate: learningRate, weightDecay: 0.01)),
            ParameterGroup(notDecayed, options: .init(learningRate: learningRate, weightDecay: 0)),
        ])
        let scheduler = LearningRateScheduler(
            optimizer: optimizer, schedule: LinearWarmupDecay(initial: learningRate, warmupSteps: 0, totalSteps: scheduleSteps))
        // Seconds spent in each part of the step, summed over every call (for the breakdown).
        var sections = StepSections()
        func trainStep() throws {
            let t0 = BenchmarkTiming.now()
            optimizer.zeroGrad()
            model.train()
            let loss = try model.loss(logits: model(inputIds: ids, attentionMask: mask), labels: labels)
            let t1 = BenchmarkTiming.now()
            loss.backward()
            let t2 = BenchmarkTiming.now()
            clipGradientNorm(parameters: parameters, maxNorm: 1.0)
            optimizer.step()
            scheduler.step()
            sections.add(forward: t1 - t0, backward: t2 - t1, update: BenchmarkTiming.now() - t2)
        }
        func evaluate() {
            model.eval()
            withNoGrad { _ = model(inputIds: ids, attentionMask: mask) }
        }
        let times = try BenchmarkTiming.interleaved([("train", trainStep), ("eval", evaluate)], warmup: 1, rounds: rounds,
                                                roundSeconds: 1.0)
        let fields: [String: Any] = [
            "train_sequences_per_s": Double(batchSize) / times["train"]!,
            "eval_sequences_per_s": Double(batchSize) / times["eval"]!,
            "train_step_ms": times["train"]! * 1000,
            "train_forward_ms": sections.meanMilliseconds(sections.forward),
            "train_backward_ms": sections.meanMilliseconds(sections.backward),
            "train_update_ms": sections.meanMilliseconds(sections.update),
            "peak_rss_mib": BenchmarkTiming.peakResidentMiB(),
        ]
        return fields
    }
}

/// Running totals of the fine-tuning step's parts.
struct StepSections {
    var forward = 0.0, backward = 0.0, update = 0.0
    var calls = 0

    mutating func add(forward: Double, backward: Double, update: Double) {
        self.forward += forward
        self.backward += backward
        self.update += update
        calls += 1
    }

    func meanMilliseconds(_ total: Double) -> Double { calls == 0 ? .nan : total / Double(calls) * 1000 }
}

extension BenchmarkSuite {
    /// BERT fine-tuning step (forward, backward, gradient clipping, AdamW, scheduler) and eval forward
    /// (MiniLM shape, 16 × 128), Flint vs PyTorch + transformers.
    public func bertTrainingRows() throws -> [BenchmarkRow] {
        progress("bench: BERT training step (Flint)")
        let flint = try worker("bert-training-flint")
        progress("bench: BERT training step (PyTorch)")
        let peer = try self.peer("bench_bert_training.py", [])
        if peer == nil { notePeerMissing("BERT training") }
        let peerName = (peer?["torch"] as? String).map { "PyTorch \($0) + transformers" } ?? "PyTorch + transformers"
        func breakdown(_ object: [String: Any]?) -> String {
            func ms(_ key: String) -> String { (object?[key] as? Double).map { String(format: "%.0f", $0) } ?? "–" }
            return "\(ms("train_step_ms")) ms (forward \(ms("train_forward_ms")), backward \(ms("train_backward_ms")), "
                + "clip+AdamW+schedule \(ms("train_update_ms")))"
        }
        progress("bench: fine-tune step Flint \(breakdown(flint)); PyTorch \(breakdown(peer))")
        func row(_ name: String, _ key: String) throws -> BenchmarkRow {
            BenchmarkRow(name: name, unit: "seq/s", flint: try number(flint, key, "bert-training-flint"),
                         peer: try optionalNumber(peer, key, "bench_bert_training.py"), goal: 1.0, peerName: peerName,
                         flintThreads: threads, peerThreads: peer?["threads"] as? Int)
        }
        return [
            try row("BERT (MiniLM shape) fine-tune step fwd+bwd+AdamW 16×128", "train_sequences_per_s"),
            try row("BERT (MiniLM shape) Module eval forward 16×128", "eval_sequences_per_s"),
        ]
    }
}
