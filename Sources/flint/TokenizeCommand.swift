import ArgumentParser
import Foundation
import Flint
import FlintText
import FlintModels
import FlintServe
import FlintSupport

/// `flint tokenize`: tokenizes texts with a model folder's tokenizer, or the vocabulary of a GGUF file, and prints
/// one JSON object per text.
struct TokenizeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tokenize",
        abstract: "Tokenize texts with a Hugging Face tokenizer (tokenizer.json, or vocab.txt + tokenizer_config.json) or a GGUF file's.",
        discussion: """
            Prints one JSON object per text: {"input_ids": […], "tokens": […], "attention_mask": […]}.
            Reads one text per line from standard input when no TEXT is given. Like transformers' AutoTokenizer,
            nothing is truncated or padded unless --max-length is given.
            With a .gguf file the ids are llama.cpp's (llama_tokenize): special tokens such as <|im_start|> are
            matched in the text unless --no-parse-special is given, and BOS/EOS are added as the file's
            add_bos_token/add_eos_token say unless --no-special-tokens is given.
            A MODEL that names nothing on disk and has no '/' is a registry reference NAME[@VERSION|@ALIAS] \
            (--registry): a GGUF version's vocabulary, or a folder version's tokenizer.
            """)

    @Option(help: "Model folder, a tokenizer.json file, a .gguf file, or a registry reference NAME[@VERSION|@ALIAS].")
    var model: String

    @OptionGroup var registry: ModelRegistryOption

    @Flag(inversion: .prefixedNo, help: "With a .gguf file: match control tokens (<|im_start|>, …) written in the text.")
    var parseSpecial = true

    @Option(help: "Truncate to this many tokens, special tokens included (longest first for pairs).")
    var maxLength: Int?

    @Option(help: "Second text of a pair, used with every TEXT.")
    var pair: String?

    @Flag(help: "Do not add special tokens ([CLS], [SEP], …).")
    var noSpecialTokens = false

    @Argument(help: "Texts to tokenize (default: lines of standard input).")
    var texts: [String] = []

    func run() throws {
        if model.lowercased().hasSuffix(".gguf") {
            try runGGUF(path: model)
            return
        }
        var url = URL(fileURLWithPath: model)
        if !FileManager.default.fileExists(atPath: model) && !ModelSpecification.isFolderPath(model) {
            // A registry reference: a GGUF version's file, or a folder version's tokenizer.
            let resolved = try registry.resolve(model)
            if let file = resolved.modelFile {
                try runGGUF(path: file.path)
                return
            }
            url = resolved.folder
        }
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

    /// Tokenizes with the vocabulary of the GGUF file at `path`.
    private func runGGUF(path: String) throws {
        if maxLength != nil { throw ValidationError("--max-length is not supported with a .gguf model") }
        if pair != nil { throw ValidationError("--pair is not supported with a .gguf model") }
        let file = try GGUFFile(path: path)
        let tokenizer = try GGUFVocabulary.tokenizer(file.header)
        var inputs = texts
        if inputs.isEmpty {
            while let line = readLine(strippingNewline: true) { inputs.append(line) }
        }
        var output = ""
        for text in inputs {
            let ids = tokenizer.encode(text, addSpecial: !noSpecialTokens, parseSpecial: parseSpecial)
            let tokens = try ids.map { try tokenizer.tokenText($0) }
            output += TokenizeCommand.jsonLine(ids: ids, tokens: tokens, attentionMask: Array(repeating: 1, count: ids.count))
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
        jsonLine(ids: encoding.ids, tokens: encoding.tokens, attentionMask: encoding.attentionMask)
    }

    /// `{"input_ids": […], "tokens": […], "attention_mask": […]}`.
    static func jsonLine(ids: [Int], tokens: [String], attentionMask: [Int]) -> String {
        let ids = ids.map(String.init).joined(separator: ", ")
        let tokens = tokens.map(jsonString).joined(separator: ", ")
        let mask = attentionMask.map(String.init).joined(separator: ", ")
        return "{\"input_ids\": [\(ids)], \"tokens\": [\(tokens)], \"attention_mask\": [\(mask)]}"
    }

    /// A JSON string literal (UTF-8 kept, quotes, backslashes and control characters escaped).
    static func jsonString(_ text: String) -> String { JSONText.quoted(text) }
}
