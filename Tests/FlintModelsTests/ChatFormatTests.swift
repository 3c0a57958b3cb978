import Foundation
import Testing
import FlintModels
import FlintText

/// The chat format of a GGUF model: its own template, the ChatML and file overrides, the BOS handling of
/// llama.cpp's server, and errors that name where the template came from.
@Suite struct ChatFormatTests {
    /// A tiny SentencePiece model (adds BOS, `<s>`) with no chat template of its own.
    static func tinyModel() throws -> LanguageModel {
        try LanguageModel.load(GGUFTinyModelTokenizerTests.folder.appendingPathComponent("tiny-llama-untied-mha.gguf").path)
    }

    static func temporaryFile(_ text: String) throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("flint-chat-template-\(UUID().uuidString).jinja").path
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    @Test func aModelWithoutATemplateIsAClearError() throws {
        let model = try Self.tinyModel()
        #expect(model.chatTemplateSource == nil)
        #expect(throws: ChatFormat.FormatError.noTemplate(path: model.path)) { try ChatFormat(model: model) }
        #expect("\(ChatFormat.FormatError.noTemplate(path: model.path))".contains("--chat-template chatml"))
    }

    @Test func chatMLOverride() throws {
        let format = try ChatFormat(model: try Self.tinyModel(), override: "chatml")
        #expect(format.origin == .chatML)
        let prompt = try format.prompt([.message(role: "system", content: "Be brief."), .message(role: "user", content: "Hi")])
        #expect(prompt == "<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n")
        #expect(try format.prompt([.message(role: "user", content: "Hi")], addGenerationPrompt: false) == "<|im_start|>user\nHi<|im_end|>\n")
    }

    /// A template that writes `bos_token` itself: the model's tokenizer adds BOS too, so the text's BOS is
    /// dropped (llama.cpp's common_chat_templates_apply) and the ids start with exactly one BOS.
    @Test func templateBOSIsNotDoubled() throws {
        let model = try Self.tinyModel()
        let bos = try #require(model.tokenizer.bos)
        #expect(model.tokenizer.addsBOS)
        let path = try Self.temporaryFile("{{ bos_token }}{% for m in messages %}[{{ m['role'] }}] {{ m['content'] }}\n{% endfor %}")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let format = try ChatFormat(model: model, override: path)
        #expect(format.origin == .file(path: path))
        #expect(format.bosToken == "<s>")
        let text = try format.prompt([.message(role: "user", content: "hello")])
        #expect(text == "[user] hello\n")
        let ids = try format.promptTokens([.message(role: "user", content: "hello")])
        #expect(ids.first == bos)
        #expect(ids.dropFirst().first != bos)
        #expect(ids == model.tokenize("[user] hello\n"))
    }

    @Test func templateErrorsNameTheFileLineAndColumn() throws {
        let model = try Self.tinyModel()
        let broken = try Self.temporaryFile("{% for m in messages %}\n{{ m['content'] }\n{% endfor %}")
        defer { try? FileManager.default.removeItem(atPath: broken) }
        do {
            _ = try ChatFormat(model: model, override: broken)
            Issue.record("a template that does not parse was accepted")
        } catch let error as ChatFormat.FormatError {
            guard case .template(.file(broken), .syntax(_, let line, _)) = error else { Issue.record("unexpected \(error)"); return }
            #expect(line == 2)
            #expect("\(error)".hasPrefix(broken + ": "))
        }
        let missing = "/nonexistent/flint/template.jinja"
        #expect(throws: ChatFormat.FormatError.unreadableFile(path: missing, reason: "no such file")) { try ChatFormat(model: model, override: missing) }
        // raise_exception in a template is an error carrying the template's own message.
        let strict = try Self.temporaryFile("{% if messages[0]['role'] != 'user' %}{{ raise_exception('first must be user') }}{% endif %}ok")
        defer { try? FileManager.default.removeItem(atPath: strict) }
        let format = try ChatFormat(model: model, override: strict)
        #expect(throws: ChatFormat.FormatError.template(origin: .file(path: strict), .raised(message: "first must be user"))) {
            try format.prompt([.message(role: "assistant", content: "x")])
        }
        #expect(try format.prompt([.message(role: "user", content: "x")]) == "ok")
    }
}
