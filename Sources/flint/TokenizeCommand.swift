import ArgumentParser
import Foundation
import Flint
import FlintText
import FlintSupport

/// `flint tokenize`: tokenizes texts with a model folder's tokenizer and prints one JSON object per text.
struct TokenizeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tokenize",
        abstract: "Tokenize texts with a Hugging Face tokenizer (tokenizer.json, or vocab.txt + tokenizer_config.json).",
        discussion: """
            Prints one JSON object per text: {"input_ids": […], "tokens": […], "attention_mask": […]}.
            Reads one text per line from standard input when no TEXT is given. Like transformers' AutoTokenizer,
            nothing is truncated or padded unless --max-length is given.
            """)

    @Option(help: "Model folder (or a tokenizer.json file).")
    var model: String

    @Option(help: "Truncate to this many tokens, special tokens included (longest first for pairs).")
    var maxLength: Int?

    @Option(help: "Second text of a pair, used with every TEXT.")
    var pair: String?

    @Flag(help: "Do not add special tokens ([CLS], [SEP], …).")
    var noSpecialTokens = false

    @Argument(help: "Texts to tokenize (default: lines of standard input).")
    var texts: [String] = []

    func run() throws {
        let url = URL(fileURLWithPath: model)
        var isDirectory: ObjCBool = false
        _ = FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory)
        var tokenizer = isDirectory.boolValue ? try Tokenizer.fromPretrained(url) : try Tokenizer(contentsOf: url)
        tokenizer.padding = nil
        tokenizer.truncation = nil
        if let maxLength {
            guard maxLength > 0 else { throw ValidationError("--max-length must be positive (got \(maxLength))") }
            tokenizer.truncation = Truncation(maximumLength: maxLength)
        }
        var inputs = texts
        if inputs.isEmpty {
            while let line = readLine(strippingNewline: true) { inputs.append(line) }
        }
        let pairs = pair.map { Array(repeating: $0, count: inputs.count) }
        let encodings = tokenizer.encodeBatch(inputs, pairs: pairs, addSpecialTokens: !noSpecialTokens)
        var output = ""
        for encoding in encodings {
            output += TokenizeCommand.jsonLine(encoding)
            output += "\n"
            if output.utf8.count > 1 << 16 {
                FileHandle.standardOutput.write(Data(output.utf8))
                output = ""
            }
        }
        FileHandle.standardOutput.write(Data(output.utf8))
    }

    /// `{"input_ids": […], "tokens": […], "attention_mask": […]}` for one encoding.
    static func jsonLine(_ encoding: Encoding) -> String {
        let ids = encoding.ids.map(String.init).joined(separator: ", ")
        let tokens = encoding.tokens.map(jsonString).joined(separator: ", ")
        let mask = encoding.attentionMask.map(String.init).joined(separator: ", ")
        return "{\"input_ids\": [\(ids)], \"tokens\": [\(tokens)], \"attention_mask\": [\(mask)]}"
    }

    /// A JSON string literal (UTF-8 kept, quotes, backslashes and control characters escaped).
    static func jsonString(_ text: String) -> String { JSONText.quoted(text) }
}
