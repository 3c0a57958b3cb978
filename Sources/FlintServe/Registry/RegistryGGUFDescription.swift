import FlintModels

/// What the registry records about a pushed GGUF file: the parts of its header (``FlintModels/GGUFSummary``,
/// what `flint inspect` prints) a user picks a model by.
public struct RegistryGGUFDescription: Codable, Sendable, Equatable {
    /// One tensor type's share of the weights.
    public struct TensorType: Codable, Sendable, Equatable {
        /// The ggml type name (`Q4_1`, `Q6_K`, `F32`…).
        public let type: String
        /// How many tensors have this type.
        public let tensors: Int
        /// Their elements.
        public let parameters: Int
        /// Their bytes in the file.
        public let bytes: Int

        /// A share.
        public init(type: String, tensors: Int, parameters: Int, bytes: Int) {
            self.type = type
            self.tensors = tensors
            self.parameters = parameters
            self.bytes = bytes
        }
    }

    /// The file's name inside the version folder.
    public let file: String
    /// The GGUF version of the file (2 or 3).
    public let ggufVersion: Int
    /// `general.architecture` (`llama`, `qwen2`…).
    public let architecture: String?
    /// `general.name`.
    public let modelName: String?
    /// Elements of all tensors.
    public let parameterCount: Int
    /// `general.file_type` as llama.cpp names it (`MOSTLY_Q4_1`, `MOSTLY_Q4_K_M`…), when the file says.
    public let fileType: String?
    /// Tensor types by bytes, largest first.
    public let tensorTypes: [TensorType]
    /// `<architecture>.context_length`.
    public let contextLength: Int?
    /// `tokenizer.ggml.model` (`gpt2`, `llama`).
    public let tokenizer: String?
    /// `tokenizer.ggml.pre`.
    public let preTokenizer: String?
    /// Tokens in `tokenizer.ggml.tokens`.
    public let vocabularySize: Int?
    /// Whether the file has a `tokenizer.chat_template`.
    public let hasChatTemplate: Bool

    /// The description of a parsed file stored as `file`.
    public init(summary: GGUFSummary, file: String) {
        self.file = file
        ggufVersion = Int(summary.version)
        architecture = summary.architecture
        modelName = summary.name
        parameterCount = summary.parameterCount
        fileType = summary.fileType?.name
        tensorTypes = summary.types.map {
            TensorType(type: $0.type.name, tensors: $0.tensorCount, parameters: $0.parameterCount, bytes: $0.byteCount)
        }
        contextLength = summary.architecture.flatMap { architecture in
            summary.hyperparameters.first { $0.key == "\(architecture).context_length" }.flatMap { Int($0.value) }
        }
        tokenizer = summary.tokenizerModel
        preTokenizer = summary.preTokenizer
        vocabularySize = summary.vocabularySize
        hasChatTemplate = summary.chatTemplateLength != nil
    }

    /// The quantization in one phrase: the file type when the file names it, then the tensor types
    /// (`MOSTLY_Q4_1: Q4_1 ×211, Q8_0 ×1, F32 ×61`).
    public var quantization: String {
        let types = tensorTypes.map { "\($0.type) ×\($0.tensors)" }.joined(separator: ", ")
        return fileType.map { "\($0): \(types)" } ?? types
    }

    enum CodingKeys: String, CodingKey {
        case file, ggufVersion = "gguf_version", architecture, modelName = "model_name", parameterCount = "parameter_count"
        case fileType = "file_type", tensorTypes = "tensor_types", contextLength = "context_length", tokenizer
        case preTokenizer = "pre_tokenizer", vocabularySize = "vocabulary_size", hasChatTemplate = "chat_template"
    }

    /// Encodes every key, absent values as null (the JSON of `flint registry show --json`).
    public func encode(to encoder: Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(file, forKey: .file)
        try container.encode(ggufVersion, forKey: .ggufVersion)
        try container.encode(architecture, forKey: .architecture)
        try container.encode(modelName, forKey: .modelName)
        try container.encode(parameterCount, forKey: .parameterCount)
        try container.encode(fileType, forKey: .fileType)
        try container.encode(tensorTypes, forKey: .tensorTypes)
        try container.encode(contextLength, forKey: .contextLength)
        try container.encode(tokenizer, forKey: .tokenizer)
        try container.encode(preTokenizer, forKey: .preTokenizer)
        try container.encode(vocabularySize, forKey: .vocabularySize)
        try container.encode(hasChatTemplate, forKey: .hasChatTemplate)
    }
}
