import Foundation

/// A chat (text-generation) model the server answers to with `/v1/chat/completions`, `/v1/completions` and
/// the Azure OpenAI deployment paths.
///
/// ```yaml
/// chat_models:
///   - name: smollm2
///     source: smollm2@production          # a registry reference, or a .gguf file path
///     chat_template: chatml               # optional: chatml or a Jinja file (default: the file's own)
///     context_size: 4096                  # positions per sequence (default 4096, at most the model's)
/// ```
public struct ChatModelSpecification: Sendable, Equatable, Codable {
    /// The name clients use (`"model"`, the Azure deployment name).
    public var name: String
    /// A `.gguf` file path (it contains `/` or ends with `.gguf`) or a registry reference to a GGUF version.
    public var source: String
    /// `chatml` or a Jinja template file; nil uses the model's own `tokenizer.chat_template`.
    public var chatTemplate: String?
    /// Positions per sequence (prompt and answer); nil: 4096 or the model's context length if smaller.
    public var contextSize: Int?

    /// A chat model.
    public init(name: String, source: String, chatTemplate: String? = nil, contextSize: Int? = nil) {
        self.name = name
        self.source = source
        self.chatTemplate = chatTemplate
        self.contextSize = contextSize
    }

    enum CodingKeys: String, CodingKey {
        case name, source
        case chatTemplate = "chat_template"
        case contextSize = "context_size"
    }

    /// The context size used when none is configured.
    public static let defaultContextSize = 4096
}

/// How chat models generate under concurrent load (continuous batching, see FlintModels' `GenerationEngine`).
public struct GenerationSettings: Sendable, Equatable, Codable {
    /// Sequences decoded together per model (llama-server's `-np`).
    public var maxSequences = 4
    /// Requests waiting for a sequence slot per model; more are refused with 429 and Retry-After.
    public var maxQueueLength = 64
    /// Prompt tokens prefilled per step over all sequences (llama.cpp's `n_batch`).
    public var promptBudget = 512
    /// Memory kept for the KV caches of finished sequences, reused when a prompt starts with their tokens.
    public var prefixCacheMiB = 256
    /// How KV caches store keys and values: `f16` (llama.cpp's default, half the memory) or `f32`.
    public var cacheType = "f16"

    /// The defaults.
    public init() {}

    enum CodingKeys: String, CodingKey {
        case maxSequences = "max_sequences"
        case maxQueueLength = "max_queue_length"
        case promptBudget = "prompt_budget"
        case prefixCacheMiB = "prefix_cache_mib"
        case cacheType = "cache_type"
    }

    /// Decodes with every key optional.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        maxSequences = try c.decodeIfPresent(Int.self, forKey: .maxSequences) ?? maxSequences
        maxQueueLength = try c.decodeIfPresent(Int.self, forKey: .maxQueueLength) ?? maxQueueLength
        promptBudget = try c.decodeIfPresent(Int.self, forKey: .promptBudget) ?? promptBudget
        prefixCacheMiB = try c.decodeIfPresent(Int.self, forKey: .prefixCacheMiB) ?? prefixCacheMiB
        cacheType = try c.decodeIfPresent(String.self, forKey: .cacheType) ?? cacheType
    }
}
