import ArgumentParser
import Foundation
import FlintModels

/// `flint inspect`: what a GGUF model file contains.
struct InspectCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "inspect",
        abstract: "Describe a GGUF model file: architecture, parameters, tensor types, tokenizer, chat template, metadata.",
        discussion: """
            Reads only the header (the file is memory-mapped; tensor data is not read). A corrupt or truncated \
            file is reported with the field and byte offset at fault, and the command exits 1.
            """)

    @Argument(help: "The .gguf file, or a registry reference NAME[@VERSION|@ALIAS] of a GGUF version.")
    var file: String

    @OptionGroup var registry: ModelRegistryOption

    @Flag(help: "Print one JSON object instead of the text report.")
    var json = false

    func run() throws {
        let model = try GGUFFile(path: try registry.ggufPath(file))
        let summary = GGUFSummary(model.header)
        print(json ? summary.json : summary.text)
    }
}
