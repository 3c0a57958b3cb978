import Foundation

/// What a ``BatchJob`` reads, writes and how.
public struct BatchJobOptions: Sendable, Equatable {
    /// The input: one JSON record per line — an object with a text field, or a plain JSON string.
    public var input: URL
    /// The output: one JSON object per good input line, in input order.
    public var output: URL
    /// The field of an input object that holds the text.
    public var textField = "text"
    /// Input lines per forward pass (and per checkpoint).
    public var batchSize = 32
    /// Longest text in UTF-8 bytes (as the server's `limits.max_text_bytes`); longer ones are bad lines.
    public var maximumTextBytes = 16_384
    /// Longest input line in bytes; longer ones are bad lines (and are never held whole in memory).
    public var maximumLineBytes = 1 << 20
    /// Start from scratch: ignore a progress file and overwrite the output and errors files.
    public var restart = false

    /// Options with the defaults above.
    public init(input: URL, output: URL, textField: String = "text", batchSize: Int = 32,
                maximumTextBytes: Int = 16_384, maximumLineBytes: Int = 1 << 20, restart: Bool = false) {
        self.input = input
        self.output = output
        self.textField = textField
        self.batchSize = batchSize
        self.maximumTextBytes = maximumTextBytes
        self.maximumLineBytes = maximumLineBytes
        self.restart = restart
    }

    /// `<output>.errors.jsonl`: one `{"line": N, "error": "…", "input": "…"}` per bad input line.
    public var errorsFile: URL { URL(fileURLWithPath: output.path + ".errors.jsonl") }

    /// `<output>.progress.json`: the checkpoint of an unfinished job.
    public var progressFile: URL { URL(fileURLWithPath: output.path + ".progress.json") }
}
