import Flint
import Foundation

/// Chooses tokens from logits by ``SamplingParameters`` (see there for the order of the steps).
///
/// Top-k uses a partial selection (a bounded min-heap, O(n log k)) instead of sorting the whole vocabulary;
/// only the k survivors are sorted. Without top-k, candidates are sorted once.
public struct Sampler: Sendable {
    public let parameters: SamplingParameters
    private var generator: RandomGenerator
    /// Recent tokens for the penalties (prompt and output), at most `penaltyWindow`.
    private var recent: [Int] = []

    public init(parameters: SamplingParameters) {
        self.parameters = parameters
        generator = RandomGenerator(seed: parameters.seed)
    }

    /// Records tokens the penalties should see (the prompt, then each chosen token — ``sample(_:)`` records
    /// its own choices).
    public mutating func observe(_ tokens: some Sequence<Int>) {
        guard parameters.penaltyWindow > 0 else { return }
        recent.append(contentsOf: tokens)
        if recent.count > parameters.penaltyWindow { recent.removeFirst(recent.count - parameters.penaltyWindow) }
    }

    /// A candidate token and its (transformed) logit.
    struct Candidate { var id: Int; var logit: Float }

    /// The next token for `logits` (one row of `vocabularySize` floats).
    public mutating func sample(_ logits: [Float]) -> Int {
        var adjusted = logits
        for (token, bias) in parameters.logitBias where token >= 0 && token < adjusted.count { adjusted[token] += bias }
        applyPenalties(&adjusted)
        let choice: Int
        if parameters.temperature == 0 {
            choice = Sampler.argmax(adjusted)
        } else {
            var candidates = Sampler.topCandidates(adjusted, k: parameters.topK)
            Sampler.truncate(&candidates, topP: parameters.topP, minP: parameters.minP)
            choice = draw(candidates, temperature: parameters.temperature)
        }
        observe(CollectionOfOne(choice))
        return choice
    }

    private func applyPenalties(_ logits: inout [Float]) {
        let p = parameters
        guard !recent.isEmpty, p.repetitionPenalty != 1 || p.frequencyPenalty != 0 || p.presencePenalty != 0 else { return }
        var counts = [Int: Int]()
        for token in recent { counts[token, default: 0] += 1 }
        for (token, count) in counts where token >= 0 && token < logits.count {
            var value = logits[token]
            if p.repetitionPenalty != 1 { value = value > 0 ? value / p.repetitionPenalty : value * p.repetitionPenalty }
            value -= Float(count) * p.frequencyPenalty + p.presencePenalty
            logits[token] = value
        }
    }

    /// The index of the largest value (the lowest index among equals).
    public static func argmax(_ values: [Float]) -> Int {
        var best = 0
        for i in values.indices where values[i] > values[best] { best = i }
        return best
    }

    /// The `k` largest logits, sorted descending (ties: lower id first); all of them sorted when `k` is 0.
    static func topCandidates(_ logits: [Float], k: Int) -> [Candidate] {
        func before(_ a: Candidate, _ b: Candidate) -> Bool { a.logit > b.logit || (a.logit == b.logit && a.id < b.id) }
        if k <= 0 || k >= logits.count {
            return logits.enumerated().filter { $0.element > -.infinity }.map { Candidate(id: $0.offset, logit: $0.element) }.sorted(by: before)
        }
        // A min-heap of the best k seen so far: the root is the worst of them.
        var heap = [Candidate]()
        heap.reserveCapacity(k)
        func siftDown(_ start: Int) {
            var i = start
            while true {
                let left = 2 * i + 1, right = left + 1
                var worst = i
                if left < heap.count && before(heap[worst], heap[left]) { worst = left }
                if right < heap.count && before(heap[worst], heap[right]) { worst = right }
                if worst == i { return }
                heap.swapAt(i, worst)
                i = worst
            }
        }
        for (id, logit) in logits.enumerated() where logit > -.infinity {
            let candidate = Candidate(id: id, logit: logit)
            if heap.count < k {
                heap.append(candidate)
                var i = heap.count - 1
                while i > 0, before(heap[(i - 1) / 2], heap[i]) { heap.swapAt(i, (i - 1) / 2); i = (i - 1) / 2 }
            } else if before(candidate, heap[0]) {
                heap[0] = candidate
                siftDown(0)
            }
        }
        return heap.sorted(by: before)
    }

    /// Top-p then min-p on sorted candidates, with probabilities from the softmax of their logits
    /// (llama.cpp applies both before temperature). At least one candidate is kept.
    static func truncate(_ candidates: inout [Candidate], topP: Float, minP: Float) {
        guard candidates.count > 1 else { return }
        let maximum = candidates[0].logit
        var weights = candidates.map { Foundation.exp(Double($0.logit - maximum)) }
        var total = weights.reduce(0, +)
        if topP < 1 {
            var cumulative = 0.0
            var keep = candidates.count
            for (i, weight) in weights.enumerated() {
                cumulative += weight / total
                if cumulative >= Double(topP) { keep = i + 1; break }
            }
            candidates.removeLast(candidates.count - keep)
            weights.removeLast(weights.count - keep)
            total = weights.reduce(0, +)
        }
        if minP > 0 {
            // p_i ≥ minP · p_max  ⇔  weight_i ≥ minP (the largest weight is 1).
            let keep = max(1, weights.firstIndex { $0 < Double(minP) } ?? weights.count)
            candidates.removeLast(candidates.count - keep)
        }
    }

    /// Draws one candidate from softmax(logit / temperature).
    private mutating func draw(_ candidates: [Candidate], temperature: Float) -> Int {
        guard let first = candidates.first else { return 0 }
        if candidates.count == 1 { return first.id }
        let maximum = first.logit
        let weights = candidates.map { Foundation.exp(Double(($0.logit - maximum) / temperature)) }
        let total = weights.reduce(0, +)
        var target = generator.nextDouble() * total
        for (candidate, weight) in zip(candidates, weights) {
            target -= weight
            if target < 0 { return candidate.id }
        }
        return candidates[candidates.count - 1].id
    }
}
