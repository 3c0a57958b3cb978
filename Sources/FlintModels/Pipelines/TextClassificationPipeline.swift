import Foundation
import Flint
import FlintText

/// One text's classification: the best label, its score, and every label's score.
public struct ClassificationResult: Sendable, Equatable, Codable {
    /// The label with the highest score (`id2label` of the model's config).
    public var label: String
    /// That label's score (a probability under softmax or sigmoid).
    public var score: Float
    /// Every label's score, in the model's label order (index i is `id2label[i]`).
    public var probabilities: [LabelScore]

    /// A label and its score.
    public struct LabelScore: Sendable, Equatable, Codable {
        /// The label name.
        public var label: String
        /// Its score.
        public var score: Float
    }
}

/// Sequence classification with a BERT-family `…ForSequenceClassification` checkpoint, like Hugging
/// Face's `pipeline("text-classification", top_k=None)`: logits = classifier(pooler(encoder(text))),
/// then the score function Hugging Face picks —
/// - softmax over the labels for single-label models (`problem_type` "single_label_classification", or
///   unset with more than one label),
/// - an element-wise sigmoid for multi-label models or a single output,
/// - the raw logits for "regression".
///
/// ```swift
/// let classifier = try pipeline(.textClassification, model: "runs/bbc-news")
/// let results = try classifier(["Shares rose 5% after the earnings call."])
/// print(results[0].label, results[0].score)
/// ```
public struct TextClassificationPipeline: TextPipeline {
    /// The score function applied to the logits.
    public enum ScoreFunction: String, Sendable {
        case softmax, sigmoid, none
    }

    let model: TextEncoderModel
    /// Label names by class index.
    public let labels: [String]
    /// How logits become scores.
    public let scoreFunction: ScoreFunction
    /// The tokenizer the pipeline uses.
    public var tokenizer: Tokenizer { model.tokenizer }
    /// The inference engine.
    public var encoder: BertEncoder { model.encoder }
    /// Longest input in tokens.
    public var maximumLength: Int { model.maximumLength }

    /// Loads a sequence-classification folder. Throws when the weights have no `classifier` head.
    public init(model: ModelFolder, options: PipelineOptions = PipelineOptions()) throws {
        let loaded = try TextEncoderModel(folder: model, options: options, defaultMaximumLength: nil)
        guard let count = loaded.encoder.classifierLabelCount else {
            throw BertEncoderError.missingHead(
                "\(model.url.path) has no sequence-classification head (classifier.weight / classifier.bias): "
                + "text classification needs a …ForSequenceClassification checkpoint")
        }
        let configuration = loaded.encoder.configuration
        self.model = loaded
        self.labels = (0..<count).map { configuration.idToLabel[$0] ?? "LABEL_\($0)" }
        switch configuration.problemType {
        case "multi_label_classification": scoreFunction = .sigmoid
        case "regression": scoreFunction = .none
        case "single_label_classification": scoreFunction = .softmax
        default: scoreFunction = count == 1 ? .sigmoid : .softmax
        }
    }

    /// Classifies every text (batched, in input order).
    public func callAsFunction(_ texts: [String]) throws -> [ClassificationResult] {
        try classify(texts, pairs: nil)
    }

    /// Classifies one text.
    public func callAsFunction(_ text: String) throws -> ClassificationResult {
        try self([text])[0]
    }

    /// Classifies text pairs (premise/hypothesis, question/passage): each pair is one input with token
    /// types 0 and 1, as the model was fine-tuned.
    public func callAsFunction(_ texts: [String], pairs: [String]) throws -> [ClassificationResult] {
        try classify(texts, pairs: pairs)
    }

    /// The raw logits `[texts, labels]`, in input order.
    public func logits(_ texts: [String], pairs: [String]? = nil) throws -> [[Float]] {
        let count = labels.count
        return try model.mapBatches(texts, pairs: pairs) { ids, typeIds in
            let values = try model.encoder.classificationLogits(inputIds: ids, tokenTypeIds: typeIds).toArray()
            return (0..<ids.count).map { Array(values[$0 * count..<($0 + 1) * count]) }
        }
    }

    func classify(_ texts: [String], pairs: [String]?) throws -> [ClassificationResult] {
        try logits(texts, pairs: pairs).map(result(logits:))
    }

    /// Applies the score function to one row of logits and names the labels (what the pipeline returns
    /// for that text). Servers that batch token ids themselves call this on ``BertEncoder`` outputs.
    public func result(logits: [Float]) -> ClassificationResult {
        let scores: [Float]
        switch scoreFunction {
        case .softmax:
            let top = logits.max() ?? 0
            let exps = logits.map { Foundation.exp(Double($0 - top)) }
            let total = exps.reduce(0, +)
            scores = exps.map { Float($0 / total) }
        case .sigmoid:
            scores = logits.map { Float(1 / (1 + Foundation.exp(-Double($0)))) }
        case .none:
            scores = logits
        }
        var best = 0
        for i in scores.indices where scores[i] > scores[best] { best = i }
        return ClassificationResult(
            label: labels[best], score: scores[best],
            probabilities: zip(labels, scores).map { ClassificationResult.LabelScore(label: $0, score: $1) })
    }
}
