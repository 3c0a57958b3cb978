import ArgumentParser
import Foundation
import FlintModels
import FlintSupport

/// `flint generate`: a continuation of a raw-text prompt from a local GGUF model, streamed to stdout.
struct GenerateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "generate",
        abstract: "Continue a prompt with a local GGUF language model (llama, qwen2), streaming the text to stdout.",
        discussion: """
            The prompt is used as given: raw text (no chat template), special tokens written in it such as \
            <|im_start|> parsed, BOS added when the file's metadata says so. Pass - to read the prompt from \
            standard input. With --json one object is printed at the end: text, token_ids, prompt_tokens, \
            completion_tokens, finish_reason ("stop": an end-of-generation token or a --stop string; "length": \
            --max-tokens or the context size), and with --top-logprobs K, per generated token the K most \
            likely ids with their log-probabilities. --response-format json_object or --json-schema FILE \
            constrain sampling so that the output is valid JSON (an object, or a value the schema accepts) and \
            generation stops once it is complete; --max-tokens must leave room for it.
            """)

    @Option(help: "The .gguf model file, or a registry reference NAME[@VERSION|@ALIAS] of a GGUF version.")
    var model: String

    @OptionGroup var registry: ModelRegistryOption

    @OptionGroup var sampling: SamplingOptions

    @Option(name: .customLong("top-logprobs"), help: "With --json: the K most likely ids per generated token (0–20).")
    var topLogprobs: Int = 0

    @Flag(help: "Print one JSON object at the end instead of streaming text.")
    var json = false

    @Option(name: .customLong("response-format"), help: "text (default) or json_object: the output is one valid JSON object (tokens that cannot continue it are masked).")
    var responseFormat: String = "text"

    @Option(name: .customLong("json-schema"), help: ArgumentHelp("The output is JSON that validates against this JSON schema (a file with the schema, or with OpenAI's {\"name\", \"schema\", \"strict\"}); the supported subset is in the README.", valueName: "file"))
    var jsonSchema: String?

    @Argument(help: "The prompt (raw text), or - for standard input.")
    var prompt: String

    func validate() throws {
        if topLogprobs < 0 || topLogprobs > 20 { throw ValidationError("--top-logprobs: must be in 0...20 (got \(topLogprobs))") }
        if topLogprobs > 0 && !json { throw ValidationError("--top-logprobs: needs --json") }
        if !["text", "json_object"].contains(responseFormat) { throw ValidationError("--response-format: must be text or json_object (got '\(responseFormat)'); use --json-schema FILE for a schema") }
        if jsonSchema != nil && responseFormat != "text" { throw ValidationError("--json-schema: cannot be combined with --response-format \(responseFormat)") }
    }

    /// The `response_format` the flags ask for; errors name the schema file.
    func format() throws -> ResponseFormat {
        guard let file = jsonSchema else { return responseFormat == "json_object" ? .jsonObject : .text }
        let data: Data
        do { data = try Data(contentsOf: URL(fileURLWithPath: file)) } catch {
            throw ValidationError("--json-schema \(file): cannot read the file (\(error.localizedDescription))")
        }
        let decoded: Any
        do { decoded = try JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed]) } catch {
            throw ValidationError("--json-schema \(file): not valid JSON (\(error.localizedDescription))")
        }
        do {
            // OpenAI's json_schema object ({"name", "schema", ...}) or a bare schema.
            if let object = decoded as? [String: Any], object["schema"] != nil, object["name"] is String {
                return .jsonSchema(try JSONSchemaFormat(json: object, path: "json_schema"))
            }
            let name = URL(fileURLWithPath: file).deletingPathExtension().lastPathComponent
            return .jsonSchema(JSONSchemaFormat(name: name, schema: try JSONSchemaSubset(schema: decoded, path: "schema")))
        } catch let error as ResponseFormatError {
            throw ValidationError("--json-schema \(file): \(error)")
        }
    }

    func run() throws {
        let text: String
        if prompt == "-" {
            text = String(decoding: FileHandle.standardInput.readDataToEndOfFile(), as: UTF8.self)
        } else {
            text = prompt
        }
        var parameters = try sampling.parameters()
        parameters.responseFormat = try format()
        let languageModel = try LanguageModel.load(model, contextSize: sampling.contextSize, cachePrecision: sampling.cacheType, resolver: registry.ggufResolver)
        let output = FileHandle.standardOutput
        let json = self.json
        let result = try languageModel.complete(prompt: text, parameters: parameters, topLogprobs: topLogprobs) { token in
            if !json && !token.text.isEmpty { output.write(Data(token.text.utf8)) }
            return true
        }
        if json {
            print(GenerateCommand.json(result, model: languageModel, topLogprobs: topLogprobs))
        } else {
            output.write(Data("\n".utf8))
        }
    }

    /// `{"text", "token_ids", "prompt_tokens", "completion_tokens", "finish_reason", "top_logprobs"?}`;
    /// `top_logprobs` has, per generated token, `{"id", "token", "logprob", "top": [{"id", "token", "logprob"}…]}`.
    static func json(_ result: GenerationResult, model: LanguageModel, topLogprobs: Int) -> String {
        func tokenText(_ id: Int) -> String { JSONText.quoted((try? model.tokenizer.piece(for: id, special: true)).map { String(decoding: $0, as: UTF8.self) } ?? "") }
        var fields: [(String, String)] = [
            ("text", JSONText.quoted(result.text)),
            ("token_ids", JSONText.array(result.tokenIds.map { JSONText.number($0) })),
            ("prompt_tokens", JSONText.number(result.promptTokens)),
            ("completion_tokens", JSONText.number(result.completionTokens)),
            ("finish_reason", JSONText.quoted(result.finishReason.rawValue)),
        ]
        if topLogprobs > 0 {
            fields.append(("top_logprobs", JSONText.array(result.tokens.map { token in
                JSONText.object([
                    ("id", JSONText.number(token.id)), ("token", tokenText(token.id)), ("logprob", JSONText.number(token.logprob)),
                    ("top", JSONText.array(token.topLogprobs.map { candidate in
                        JSONText.object([("id", JSONText.number(candidate.id)), ("token", tokenText(candidate.id)),
                                         ("logprob", JSONText.number(candidate.logprob))])
                    })),
                ])
            })))
        }
        return JSONText.object(fields)
    }
}
