import ArgumentParser
import Foundation
import FlintModels

/// `flint chat`: an interactive terminal chat with a local GGUF model.
struct ChatCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "chat",
        abstract: "Chat with a local GGUF language model in the terminal, in the model's own chat template.",
        discussion: """
            Type a message and press Enter; the answer streams as it is generated, followed by its token count \
            and speed on standard error. The conversation is kept (the KV cache is reused between turns) until \
            /reset; /exit or end of input (Ctrl-D) quits. The prompt is the model's Jinja chat template \
            (tokenizer.chat_template) rendered as transformers renders it; a model without one needs \
            --chat-template. Without --system, the template decides (many insert a default system message). \
            Sampling flags as `flint generate`.
            """)

    @Option(help: "The .gguf model file, or a registry reference NAME[@VERSION|@ALIAS] of a GGUF version.")
    var model: String

    @OptionGroup var registry: ModelRegistryOption

    @Option(help: "The system message (default: none; the chat template may insert its own).")
    var system: String?

    @Option(name: .customLong("chat-template"), help: "chatml for the generic ChatML format, or a Jinja template file (default: the model's own).")
    var chatTemplate: String?

    @OptionGroup var sampling: SamplingOptions

    func run() throws {
        let parameters = try sampling.parameters()
        let languageModel = try LanguageModel.load(model, contextSize: sampling.contextSize, cachePrecision: sampling.cacheType, resolver: registry.ggufResolver)
        let session = try ChatSession(model: languageModel, system: system, chatTemplate: chatTemplate)
        let output = FileHandle.standardOutput, errors = FileHandle.standardError
        let interactive = isatty(STDIN_FILENO) != 0
        errors.write(Data("flint chat: \(URL(fileURLWithPath: model).lastPathComponent), context \(languageModel.contextSize) tokens; /reset starts over, /exit quits\n".utf8))
        while true {
            if interactive { output.write(Data("> ".utf8)) }
            guard let line = readLine(strippingNewline: true) else { break }
            let message = line.trimmingCharacters(in: .whitespaces)
            if message.isEmpty { continue }
            if message == "/exit" || message == "/quit" { break }
            if message == "/reset" {
                session.reset()
                errors.write(Data("(conversation reset)\n".utf8))
                continue
            }
            let start = DispatchTime.now()
            var firstToken: DispatchTime?
            do {
                let result = try session.send(message, parameters: parameters) { token in
                    if firstToken == nil { firstToken = DispatchTime.now() }
                    if !token.text.isEmpty { output.write(Data(token.text.utf8)) }
                    return true
                }
                output.write(Data("\n".utf8))
                let end = DispatchTime.now()
                let generation = Double(end.uptimeNanoseconds - (firstToken ?? start).uptimeNanoseconds) / 1e9
                let rate = result.completionTokens > 1 && generation > 0 ? Double(result.completionTokens - 1) / generation : 0
                let prompt = Double((firstToken ?? end).uptimeNanoseconds - start.uptimeNanoseconds) / 1e9
                errors.write(Data(String(format: "(%d tokens, %.1f tokens/s; prompt %d tokens in %.2f s; %@)\n", result.completionTokens, rate,
                                         result.promptTokens, prompt, result.finishReason.rawValue).utf8))
            } catch {
                errors.write(Data("flint chat: \(error)\n".utf8))
            }
        }
    }
}
