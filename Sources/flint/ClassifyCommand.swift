import ArgumentParser
import Foundation
import FlintModels

/// `flint classify`: text classification with a sequence-classification model folder.
struct ClassifyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "classify",
        abstract: "Classify texts with a BERT-family …ForSequenceClassification model folder.",
        discussion: """
            Prints one JSON object per text: {"label": …, "score": …, "probabilities": {label: score, …}}; scores are
            softmax probabilities (sigmoid for multi-label models). Reads one text per line from standard input when
            no TEXT is given. MODEL is a folder or an ORG/NAME id in the Hugging Face cache (flint download).
            """)

    @Option(help: "Model folder, or ORG/NAME in the Hugging Face cache.")
    var model: String

    @Option(help: "Hub revision when --model is an id.")
    var revision: String?

    @Option(help: "Truncate inputs to this many tokens (default: the tokenizer's model_max_length).")
    var maxLength: Int?

    @Option(help: "Texts per forward pass.")
    var batchSize: Int = 32

    @Argument(help: "Texts to classify (default: lines of standard input).")
    var texts: [String] = []

    func run() throws {
        let classifier = try pipeline(.textClassification, model: model, revision: revision,
                                      options: PipelineOptions(batchSize: batchSize, maximumLength: maxLength))
        let inputs = texts.isEmpty ? StandardInput.lines() : texts
        var output = OutputBuffer()
        for result in try classifier(inputs) {
            output.append(ClassifyCommand.jsonLine(result) + "\n")
        }
        output.flush()
    }

    /// `{"label": "…", "score": s, "probabilities": {"a": p, …}}`, labels in the model's order.
    static func jsonLine(_ result: ClassificationResult) -> String {
        let probabilities = result.probabilities
            .map { "\(TokenizeCommand.jsonString($0.label)): \($0.score)" }
            .joined(separator: ", ")
        return "{\"label\": \(TokenizeCommand.jsonString(result.label)), \"score\": \(result.score), \"probabilities\": {\(probabilities)}}"
    }
}
