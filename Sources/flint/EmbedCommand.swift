import ArgumentParser
import Foundation
import FlintModels
import FlintSupport

/// `flint embed`: sentence embeddings from a model folder, one JSON array per text.
struct EmbedCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "embed",
        abstract: "Sentence embeddings (sentence-transformers pooling and normalisation) from a model folder.",
        discussion: """
            Prints one JSON array of floats per text, in input order (a NaN or infinite value prints as null). Reads one text per line from standard input
            when no TEXT is given. MODEL is a folder or an ORG/NAME id in the Hugging Face cache (flint download).
            """)

    @Option(help: "Model folder, or ORG/NAME in the Hugging Face cache.")
    var model: String

    @Option(help: "Hub revision when --model is an id.")
    var revision: String?

    @Option(help: "Truncate inputs to this many tokens (default: the model's max_seq_length).")
    var maxLength: Int?

    @Option(help: "Texts per forward pass.")
    var batchSize: Int = 32

    @Argument(help: "Texts to embed (default: lines of standard input).")
    var texts: [String] = []

    func run() throws {
        let embedder = try pipeline(.sentenceEmbedding, model: model, revision: revision,
                                    options: PipelineOptions(batchSize: batchSize, maximumLength: maxLength))
        let inputs = texts.isEmpty ? StandardInput.lines() : texts
        var output = OutputBuffer()
        var start = 0
        // Embed in slices so that a long stdin stream prints as it goes.
        let slice = max(batchSize * 32, 1)
        while start < inputs.count {
            let part = Array(inputs[start..<min(start + slice, inputs.count)])
            for vector in try embedder(part) {
                output.append(JSONText.numbers(vector) + "\n")
            }
            start += slice
        }
        output.flush()
    }
}

/// Lines of standard input, without their newlines.
enum StandardInput {
    static func lines() -> [String] {
        var lines: [String] = []
        while let line = readLine(strippingNewline: true) { lines.append(line) }
        return lines
    }
}

/// Collects output and writes it to standard output in large blocks.
struct OutputBuffer {
    private var text = ""

    mutating func append(_ line: String) {
        text += line
        if text.utf8.count > 1 << 16 { flush() }
    }

    mutating func flush() {
        FileHandle.standardOutput.write(Data(text.utf8))
        text = ""
    }
}
