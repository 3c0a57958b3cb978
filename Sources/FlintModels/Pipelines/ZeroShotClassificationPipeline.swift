import Foundation
import Flint
import FlintText

/// Zero-shot classification with a sentence-embedding model: each candidate label becomes a hypothesis
/// sentence (Hugging Face's `hypothesis_template`, default "This example is {}."), and a text's scores are
/// a softmax over its cosine similarities to the hypotheses, sharpened by a temperature τ:
///
///     score_i = exp(cos(text, hypothesis_i) / τ) / Σ_j exp(cos(text, hypothesis_j) / τ)
///
/// Hugging Face's `pipeline("zero-shot-classification")` scores hypotheses with an NLI cross-encoder; this
/// pipeline uses the bi-encoder similarity instead (the sentence-transformers recipe), so it works with
/// any embedding model such as all-MiniLM-L6-v2. The scores rank labels; they are not calibrated
/// probabilities (τ = 0.05, CLIP's value, by default).
///
/// ```swift
/// let classifier = try pipeline(.zeroShotClassification, model: miniLMFolder)
/// let result = try classifier(["The striker scored twice."], candidateLabels: ["sport", "politics", "business"])
/// ```
public struct ZeroShotClassificationPipeline: TextPipeline {
    /// The embedding pipeline underneath.
    public let embedder: SentenceEmbeddingPipeline

    /// Loads a sentence-embedding model folder.
    public init(model: ModelFolder, options: PipelineOptions = PipelineOptions()) throws {
        embedder = try SentenceEmbeddingPipeline(model: model, options: options)
    }

    /// Scores every text against `candidateLabels`, in input order.
    ///
    /// - Parameters:
    ///   - candidateLabels: the labels (at least one, no duplicates).
    ///   - hypothesisTemplate: a sentence with `{}` where the label goes.
    ///   - temperature: τ of the softmax over cosine similarities (> 0).
    public func callAsFunction(_ texts: [String], candidateLabels: [String],
                               hypothesisTemplate: String = "This example is {}.",
                               temperature: Float = 0.05) throws -> [ClassificationResult] {
        guard !candidateLabels.isEmpty, Set(candidateLabels).count == candidateLabels.count else {
            throw FlintError.invalidArgument(operation: "zero-shot classification",
                                             message: "candidate labels must be non-empty and distinct, got \(candidateLabels)")
        }
        guard hypothesisTemplate.contains("{}") else {
            throw FlintError.invalidArgument(operation: "zero-shot classification",
                                             message: "hypothesis template must contain {} (got \"\(hypothesisTemplate)\")")
        }
        guard temperature > 0, temperature.isFinite else {
            throw FlintError.invalidArgument(operation: "zero-shot classification", message: "temperature must be positive, got \(temperature)")
        }
        let hypotheses = try embedder(candidateLabels.map { hypothesisTemplate.replacingOccurrences(of: "{}", with: $0) })
        return try embedder(texts).map { vector in
            let logits = hypotheses.map { SentenceEmbeddingPipeline.cosineSimilarity(vector, $0) / temperature }
            let top = logits.max()!
            let exps = logits.map { Foundation.exp(Double($0 - top)) }
            let total = exps.reduce(0, +)
            let scores = exps.map { Float($0 / total) }
            var best = 0
            for i in scores.indices where scores[i] > scores[best] { best = i }
            return ClassificationResult(
                label: candidateLabels[best], score: scores[best],
                probabilities: zip(candidateLabels, scores).map { ClassificationResult.LabelScore(label: $0, score: $1) })
        }
    }

    /// Scores one text.
    public func callAsFunction(_ text: String, candidateLabels: [String],
                               hypothesisTemplate: String = "This example is {}.",
                               temperature: Float = 0.05) throws -> ClassificationResult {
        try self([text], candidateLabels: candidateLabels, hypothesisTemplate: hypothesisTemplate, temperature: temperature)[0]
    }
}
