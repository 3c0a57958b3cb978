import Foundation

/// Text continuation with a local GGUF language model — Hugging Face's "text-generation" pipeline:
///
/// ```swift
/// let generator = try pipeline(.textGeneration, model: "SmolLM2-135M-Instruct.Q4_1.gguf")
/// print(try generator("Once upon a time", maxTokens: 30))
/// ```
///
/// The model is a `.gguf` file, or a folder (a Hub snapshot of a GGUF repository) holding exactly one `.gguf`
/// file. Returns the generated text only (Hugging Face's `return_full_text=False`); sampling as
/// ``SamplingParameters`` (llama.cpp's defaults; pass `.greedy` for deterministic output).
public struct TextGenerationPipeline: TextPipeline {
    public let model: LanguageModel

    public enum PipelineError: Error, CustomStringConvertible, Equatable {
        case noGGUFFile(folder: String, found: [String])

        public var description: String {
            switch self {
            case let .noGGUFFile(folder, found):
                return found.isEmpty ? "\(folder): no .gguf file in the folder"
                    : "\(folder): \(found.count) .gguf files (\(found.joined(separator: ", "))); pass the one to use"
            }
        }
    }

    /// The folder's one `.gguf` file.
    public init(model folder: ModelFolder, options: PipelineOptions) throws {
        let files = (try? FileManager.default.contentsOfDirectory(atPath: folder.url.path)) ?? []
        let gguf = files.filter { $0.hasSuffix(".gguf") }.sorted()
        guard gguf.count == 1 else { throw PipelineError.noGGUFFile(folder: folder.url.path, found: gguf) }
        try self.init(path: folder.url.appendingPathComponent(gguf[0]).path)
    }

    /// A `.gguf` file.
    public init(path: String) throws {
        model = try LanguageModel.load(path)
    }

    /// The continuation of `prompt` (raw text).
    public func callAsFunction(_ prompt: String, parameters: SamplingParameters = SamplingParameters()) throws -> String {
        try model.complete(prompt: prompt, parameters: parameters).text
    }

    /// The continuation of `prompt` with at most `maxTokens` tokens and otherwise default sampling.
    public func callAsFunction(_ prompt: String, maxTokens: Int) throws -> String {
        var parameters = SamplingParameters()
        parameters.maxTokens = maxTokens
        return try callAsFunction(prompt, parameters: parameters)
    }
}

extension PipelineTask where Pipeline == TextGenerationPipeline {
    /// Continuation of a prompt by a local GGUF language model: Hugging Face's "text-generation".
    public static var textGeneration: Self { .init(name: "text-generation") }
}

/// ``pipeline(_:model:revision:options:)`` for text generation: `model` may also be a `.gguf` file, or with
/// `resolver` a reference it resolves (a registry's `NAME[@VERSION|@ALIAS]`: `resolver: .registry(root: nil)`
/// from FlintServe; see ``GGUFModelResolver/isFilePath(_:)``).
public func pipeline(_ task: PipelineTask<TextGenerationPipeline>, model: String, revision: String? = nil,
                     options: PipelineOptions = PipelineOptions(), resolver: GGUFModelResolver? = nil) throws -> TextGenerationPipeline {
    if let resolver, !GGUFModelResolver.isFilePath(model) {
        return try TextGenerationPipeline(path: resolver.resolve(model).path)
    }
    let expanded = (model as NSString).expandingTildeInPath
    var isDirectory: ObjCBool = false
    if FileManager.default.fileExists(atPath: expanded, isDirectory: &isDirectory), !isDirectory.boolValue {
        return try TextGenerationPipeline(path: expanded)
    }
    return try TextGenerationPipeline(model: ModelFolder(model, revision: revision), options: options)
}
