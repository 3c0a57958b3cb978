/// A tokenizer vocabulary as GGUF files store it (the `tokenizer.ggml.*` metadata keys), independent of the
/// file format: FlintModels' `GGUFVocabulary` reads one from a GGUF header, and `GGMLTokenizer` tokenizes with
/// it exactly as llama.cpp does.
///
/// Optional fields are nil when the file lacks the key; llama.cpp's defaults then apply (see `GGMLTokenizer`):
/// for `llama` vocabularies BOS 1, EOS 2, unknown 0, BOS added, a space prefix; for `gpt2` BOS = EOS = 11 and no
/// BOS added (except for the Llama-3 family of pre-tokenizers).
public struct GGMLVocabulary: Sendable, Equatable {
    /// `tokenizer.ggml.model`: the tokenization algorithm.
    public enum Model: String, Sendable, Equatable, CaseIterable {
        /// Byte-level BPE with ranked merges and a regex pre-tokenizer (GPT-2, Llama 3, Qwen2, SmolLM).
        case gpt2
        /// SentencePiece BPE with scores and `<0xXX>` byte fallback (Llama 1/2, Mistral, TinyLlama).
        case llama
    }

    /// `tokenizer.ggml.token_type`: llama.cpp's `llama_token_type` of each token.
    public enum TokenType: Int32, Sendable, Equatable, CaseIterable {
        case undefined = 0
        case normal = 1
        case unknown = 2
        case control = 3
        case userDefined = 4
        case unused = 5
        case byte = 6
    }

    /// Where the vocabulary came from (a file path), for error messages.
    public var source: String
    /// `tokenizer.ggml.model`.
    public var model: Model
    /// `tokenizer.ggml.pre`: the pre-tokenizer's name (`smollm`, `llama-bpe`, `qwen2`, `gpt-2`, `default`, …);
    /// nil when absent (llama.cpp then uses `default` for `gpt2` vocabularies).
    public var preTokenizer: String?
    /// `tokenizer.ggml.tokens`: the token texts, by id.
    public var tokens: [String]
    /// `tokenizer.ggml.token_type`, by id (nil: every token is normal).
    public var tokenTypes: [TokenType]?
    /// `tokenizer.ggml.scores`, by id (nil: all 0). SentencePiece merges the pair whose token scores highest.
    public var scores: [Float]?
    /// `tokenizer.ggml.merges`: `"left right"` strings in rank order (`gpt2` only).
    public var merges: [String]
    /// `tokenizer.ggml.bos_token_id`.
    public var bosId: Int?
    /// `tokenizer.ggml.eos_token_id`.
    public var eosId: Int?
    /// `tokenizer.ggml.unknown_token_id`.
    public var unknownId: Int?
    /// `tokenizer.ggml.padding_token_id`.
    public var paddingId: Int?
    /// `tokenizer.ggml.eot_token_id` (end of turn).
    public var eotId: Int?
    /// `tokenizer.ggml.eom_id` (end of message).
    public var eomId: Int?
    /// `tokenizer.ggml.fim_pre_token_id`, `fim_suf`, `fim_mid`, `fim_pad`, `fim_rep`, `fim_sep` (fill-in-the-middle;
    /// the last three end generation).
    public var fillInMiddleIds: FillInMiddleIds
    /// `tokenizer.ggml.add_bos_token`.
    public var addBOS: Bool?
    /// `tokenizer.ggml.add_eos_token`.
    public var addEOS: Bool?
    /// `tokenizer.ggml.add_space_prefix`.
    public var addSpacePrefix: Bool?
    /// `general.name`: llama.cpp gives Phi-3's and ModernBERT's special tokens whitespace stripping by this name.
    public var modelName: String?
    /// `general.architecture`: llama.cpp gives `<mask>` whitespace stripping for `nomic-bert-moe` and `jina-bert-v3`.
    public var architecture: String?

    /// The fill-in-the-middle token ids of the metadata.
    public struct FillInMiddleIds: Sendable, Equatable {
        public var prefix: Int?
        public var suffix: Int?
        public var middle: Int?
        public var padding: Int?
        public var repository: Int?
        public var separator: Int?

        public init(prefix: Int? = nil, suffix: Int? = nil, middle: Int? = nil, padding: Int? = nil,
                    repository: Int? = nil, separator: Int? = nil) {
            self.prefix = prefix
            self.suffix = suffix
            self.middle = middle
            self.padding = padding
            self.repository = repository
            self.separator = separator
        }
    }

    /// Makes a vocabulary. Nothing is checked here: `GGMLTokenizer.init` validates it.
    public init(source: String = "GGUF metadata", model: Model, preTokenizer: String? = nil, tokens: [String],
                tokenTypes: [TokenType]? = nil, scores: [Float]? = nil, merges: [String] = [],
                bosId: Int? = nil, eosId: Int? = nil, unknownId: Int? = nil, paddingId: Int? = nil,
                eotId: Int? = nil, eomId: Int? = nil, fillInMiddleIds: FillInMiddleIds = FillInMiddleIds(),
                addBOS: Bool? = nil, addEOS: Bool? = nil, addSpacePrefix: Bool? = nil, modelName: String? = nil,
                architecture: String? = nil) {
        self.source = source
        self.model = model
        self.preTokenizer = preTokenizer
        self.tokens = tokens
        self.tokenTypes = tokenTypes
        self.scores = scores
        self.merges = merges
        self.bosId = bosId
        self.eosId = eosId
        self.unknownId = unknownId
        self.paddingId = paddingId
        self.eotId = eotId
        self.eomId = eomId
        self.fillInMiddleIds = fillInMiddleIds
        self.addBOS = addBOS
        self.addEOS = addEOS
        self.addSpacePrefix = addSpacePrefix
        self.modelName = modelName
        self.architecture = architecture
    }

    /// The metadata keys, as GGUF files spell them.
    public enum Key {
        public static let model = "tokenizer.ggml.model"
        public static let preTokenizer = "tokenizer.ggml.pre"
        public static let tokens = "tokenizer.ggml.tokens"
        public static let tokenTypes = "tokenizer.ggml.token_type"
        public static let scores = "tokenizer.ggml.scores"
        public static let merges = "tokenizer.ggml.merges"
        public static let bosId = "tokenizer.ggml.bos_token_id"
        public static let eosId = "tokenizer.ggml.eos_token_id"
        public static let unknownId = "tokenizer.ggml.unknown_token_id"
        public static let paddingId = "tokenizer.ggml.padding_token_id"
        public static let eotId = "tokenizer.ggml.eot_token_id"
        public static let eomId = "tokenizer.ggml.eom_token_id"
        public static let fillInMiddlePrefixId = "tokenizer.ggml.fim_pre_token_id"
        public static let fillInMiddleSuffixId = "tokenizer.ggml.fim_suf_token_id"
        public static let fillInMiddleMiddleId = "tokenizer.ggml.fim_mid_token_id"
        public static let fillInMiddlePaddingId = "tokenizer.ggml.fim_pad_token_id"
        public static let fillInMiddleRepositoryId = "tokenizer.ggml.fim_rep_token_id"
        public static let fillInMiddleSeparatorId = "tokenizer.ggml.fim_sep_token_id"
        public static let addBOS = "tokenizer.ggml.add_bos_token"
        public static let addEOS = "tokenizer.ggml.add_eos_token"
        public static let addSpacePrefix = "tokenizer.ggml.add_space_prefix"
        public static let modelName = "general.name"
        public static let architecture = "general.architecture"
    }
}
