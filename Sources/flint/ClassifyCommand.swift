import ArgumentParser
import Foundation
import FlintModels
import FlintSupport

/// `flint classify`: text classification with a sequence-classification model folder.
struct ClassifyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "classify",
        abstract: "Classify texts with a …ForSequenceClassification model, or zero-shot with --labels and an embedding model.",
        discussion: """
            Prints one JSON object per text: {"label": …, "score": …, "probabilities": {label: score, …}}; scores are
            softmax probabilities (sigmoid for multi-label models). Reads one text per line from standard input when
            no TEXT is given. MODEL is a folder or an ORG/NAME id in the Hugging Face cache (flint download).
            With --labels, MODEL is a sentence-embedding model (e.g. all-MiniLM-L6-v2): each label becomes the sentence
            --template with {} replaced by the label, and the scores are a softmax over the cosine similarities divided
            by --temperature (they rank the labels; they are not calibrated probabilities).
            """)

    @Option(help: "Model folder, or ORG/NAME in the Hugging Face cache.")
    var model: String

    @Option(help: "Hub revision when --model is an id.")
    var revision: String?

    @Option(help: "Truncate inputs to this many tokens (default: the tokenizer's model_max_length).")
    var maxLength: Int?

    @Option(help: "Texts per forward pass.")
    var batchSize: Int = 32

    @Option(help: "Comma-separated candidate labels: zero-shot classification by embedding similarity.")
    var labels: String?

    @Option(help: "Hypothesis sentence for --labels; {} is replaced by the label.")
    var template: String = "This example is {}."

    @Option(help: "Softmax temperature for --labels.")
    var temperature: Float = 0.05

    @Flag(help: "Print each text's raw logits, {\"label\": …, \"logits\": [...]}, instead of scores (transformers' function_to_apply=\"none\").")
    var logits = false

    @Argument(help: "Texts to classify (default: lines of standard input).")
    var texts: [String] = []

    func run() throws {
        let options = PipelineOptions(batchSize: batchSize, maximumLength: maxLength)
        let inputs = texts.isEmpty ? StandardInput.lines() : texts
        let results: [ClassificationResult]
        if logits {
            guard labels == nil else { throw ValidationError("--logits needs a classification model, not --labels") }
            let classifier = try pipeline(.textClassification, model: model, revision: revision, options: options)
            var output = OutputBuffer()
            for row in try classifier.logits(inputs) {
                let best = row.indices.max { row[$0] < row[$1] } ?? 0
                output.append(JSONText.object([("label", JSONText.quoted(classifier.labels[best])),
                                               ("logits", JSONText.numbers(row))]) + "\n")
            }
            output.flush()
            return
        } else if let labels {
            let candidates = labels.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
            let classifier = try pipeline(.zeroShotClassification, model: model, revision: revision, options: options)
            results = try classifier(inputs, candidateLabels: candidates, hypothesisTemplate: template, temperature: temperature)
        } else {
            let classifier = try pipeline(.textClassification, model: model, revision: revision, options: options)
            results = try classifier(inputs)
        }
        var output = OutputBuffer()
        for result in results {
            output.append(ClassifyCommand.jsonLine(result) + "\n")
        }
        output.flush()
    }

    /// `{"label": "…", "score": s, "probabilities": {"a": p, …}}`, labels in the model's order.
    static func jsonLine(_ result: ClassificationResult) -> String {
        let probabilities = JSONText.object(result.probabilities.map { ($0.label, JSONText.number($0.score)) })
        return JSONText.object([("label", JSONText.quoted(result.label)), ("score", JSONText.number(result.score)),
                                ("probabilities", probabilities)])
    }
}
