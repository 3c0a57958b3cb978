import Foundation
import FlintText

/// How a chat model turns a conversation into its prompt: the model's Jinja chat template (GGUF
/// `tokenizer.chat_template`), rendered as Hugging Face transformers' `apply_chat_template` renders it
/// (``ChatTemplate``), with the vocabulary's BOS and EOS text as `bos_token` and `eos_token`, then tokenized
/// as llama.cpp's server does: special tokens in the text parsed, BOS added when the vocabulary says so — and
/// a BOS text the template wrote at the start dropped first, so the prompt never starts with two BOS.
///
/// ```swift
/// let format = try ChatFormat(model: model)                       // the file's own template
/// let prompt = try format.promptTokens([.message(role: "user", content: "Hi")])
/// ```
public struct ChatFormat: Sendable {
    /// Where the template came from.
    public enum Origin: Sendable, Equatable, CustomStringConvertible {
        /// The model file's `tokenizer.chat_template`.
        case model(path: String)
        /// The generic ChatML template (`--chat-template chatml`).
        case chatML
        /// A Jinja file (`--chat-template FILE`).
        case file(path: String)

        public var description: String {
            switch self {
            case .model(let path): return "\(path): tokenizer.chat_template"
            case .chatML: return "the ChatML template"
            case .file(let path): return path
            }
        }
    }

    /// Errors finding, parsing or rendering a chat template.
    public enum FormatError: Error, CustomStringConvertible, Equatable {
        /// The model carries no template and none was given.
        case noTemplate(path: String)
        /// A `--chat-template FILE` that cannot be read.
        case unreadableFile(path: String, reason: String)
        /// The template does not parse (the Jinja error names the line and column), or rendering it failed.
        case template(origin: Origin, JinjaError)

        public var description: String {
            switch self {
            case .noTemplate(let path):
                return "\(path): the model has no chat template (tokenizer.chat_template); pass --chat-template chatml for the ChatML format, or --chat-template FILE with a Jinja template"
            case let .unreadableFile(path, reason):
                return "--chat-template: cannot read \(path): \(reason)"
            case let .template(origin, error):
                return "\(origin): \(error)"
            }
        }
    }

    /// The parsed template.
    public let template: ChatTemplate
    public let origin: Origin
    /// The text of the vocabulary's BOS and EOS tokens (empty when it has none), as the template sees them.
    public let bosToken: String
    public let eosToken: String
    private let model: LanguageModel

    /// The chat format of `model`.
    ///
    /// - Parameter override: nil uses the model's own template; `"chatml"` the generic ChatML template;
    ///   anything else is a Jinja file to read.
    /// - Throws: ``FormatError``: no template, an unreadable file, a template that does not parse.
    public init(model: LanguageModel, override: String? = nil) throws {
        let source: String
        switch override {
        case nil:
            guard let text = model.chatTemplateSource else { throw FormatError.noTemplate(path: model.path) }
            source = text
            origin = .model(path: model.path)
        case "chatml"?:
            source = ChatTemplate.chatMLSource
            origin = .chatML
        case let path?:
            do {
                source = try String(contentsOfFile: path, encoding: .utf8)
            } catch {
                let reason = FileManager.default.fileExists(atPath: path) ? "not UTF-8 text or not readable" : "no such file"
                throw FormatError.unreadableFile(path: path, reason: reason)
            }
            origin = .file(path: path)
        }
        do {
            template = try ChatTemplate(source: source)
        } catch let error as JinjaError {
            throw FormatError.template(origin: origin, error)
        }
        self.model = model
        let tokenizer = model.tokenizer
        bosToken = tokenizer.bos.flatMap { try? tokenizer.piece(for: $0, special: true) }.map { String(decoding: $0, as: UTF8.self) } ?? ""
        eosToken = tokenizer.eos.flatMap { try? tokenizer.piece(for: $0, special: true) }.map { String(decoding: $0, as: UTF8.self) } ?? ""
    }

    /// The prompt text for `messages` (dictionaries with `role`, `content` and whatever else the template
    /// reads, such as `tool_calls`), ending with the assistant's header when `addGenerationPrompt`.
    ///
    /// - Throws: ``FormatError/template(origin:_:)`` when the template raises (e.g. "Conversation roles must
    ///   alternate") or fails.
    public func prompt(_ messages: [JinjaValue], addGenerationPrompt: Bool = true, tools: [JinjaValue]? = nil,
                       extra: [String: JinjaValue] = [:]) throws -> String {
        var text: String
        do {
            text = try template.render(messages: messages, addGenerationPrompt: addGenerationPrompt, bosToken: bosToken,
                                       eosToken: eosToken, tools: tools, extra: extra)
        } catch let error as JinjaError {
            throw FormatError.template(origin: origin, error)
        }
        // llama.cpp's common_chat_templates_apply: the tokenizer adds BOS (and EOS) itself.
        if model.tokenizer.addsBOS, !bosToken.isEmpty, text.hasPrefix(bosToken) { text.removeFirst(bosToken.count) }
        if model.tokenizer.addsEOS, !eosToken.isEmpty, text.hasSuffix(eosToken) { text.removeLast(eosToken.count) }
        return text
    }

    /// The prompt's token ids (``prompt(_:addGenerationPrompt:tools:extra:)`` tokenized by ``LanguageModel/tokenize(_:)``).
    public func promptTokens(_ messages: [JinjaValue], addGenerationPrompt: Bool = true, tools: [JinjaValue]? = nil,
                             extra: [String: JinjaValue] = [:]) throws -> [Int] {
        model.tokenize(try prompt(messages, addGenerationPrompt: addGenerationPrompt, tools: tools, extra: extra))
    }
}

extension JinjaValue {
    /// A chat message `{"role": role, "content": content}` as templates read it.
    public static func message(role: String, content: String) -> JinjaValue {
        .dictionary(JinjaDictionary([("role", .string(role)), ("content", .string(content))]))
    }
}

extension LanguageModel {
    /// The model file's chat template (`tokenizer.chat_template`), nil when it has none.
    public var chatTemplateSource: String? {
        model.file.header.metadata["tokenizer.chat_template"]?.stringValue
    }
}
