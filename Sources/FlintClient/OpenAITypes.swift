import Foundation

/// `POST /embeddings` request body.
public struct EmbeddingsRequest: Sendable, Codable, Equatable {
    /// The texts.
    public var input: [String]
    /// The model name (Flint: a served name; nil lets Flint pick its first embedding model).
    public var model: String?
    /// `float` (default) or `base64`.
    public var encodingFormat: String?

    /// A request.
    public init(input: [String], model: String? = nil, encodingFormat: String? = nil) {
        self.input = input
        self.model = model
        self.encodingFormat = encodingFormat
    }

    enum CodingKeys: String, CodingKey {
        case input, model
        case encodingFormat = "encoding_format"
    }
}

/// `POST /embeddings` response.
public struct EmbeddingsResponse: Sendable, Codable, Equatable {
    /// One embedding.
    public struct Item: Sendable, Codable, Equatable {
        /// Always "embedding".
        public var object: String
        /// Position in the input.
        public var index: Int
        /// The vector (decoded from base64 when the server sent it so).
        public var embedding: [Float]

        enum CodingKeys: String, CodingKey { case object, index, embedding }

        /// Accepts a float array or base64 little-endian float32 bytes.
        public init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            object = try c.decodeIfPresent(String.self, forKey: .object) ?? "embedding"
            index = try c.decode(Int.self, forKey: .index)
            if let floats = try? c.decode([Float].self, forKey: .embedding) {
                embedding = floats
            } else {
                let text = try c.decode(String.self, forKey: .embedding)
                guard let data = Data(base64Encoded: text), data.count % 4 == 0 else {
                    throw DecodingError.dataCorruptedError(forKey: .embedding, in: c, debugDescription: "not base64 float32 data")
                }
                embedding = data.withUnsafeBytes { raw in
                    (0..<data.count / 4).map { Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: $0 * 4, as: UInt32.self))) }
                }
            }
        }

        /// Encodes floats.
        public func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(object, forKey: .object)
            try c.encode(index, forKey: .index)
            try c.encode(embedding, forKey: .embedding)
        }
    }

    /// Token counts.
    public struct Usage: Sendable, Codable, Equatable {
        /// Tokens in the input.
        public var promptTokens: Int
        /// Tokens in all.
        public var totalTokens: Int
        enum CodingKeys: String, CodingKey {
            case promptTokens = "prompt_tokens"
            case totalTokens = "total_tokens"
        }
    }

    /// "list".
    public var object: String
    /// The embeddings.
    public var data: [Item]
    /// The model that answered.
    public var model: String
    /// Token counts, when the server reports them.
    public var usage: Usage?
}

/// One chat message.
public struct ChatMessage: Sendable, Codable, Equatable {
    /// `system`, `user`, `assistant` or `tool`.
    public var role: String
    /// The text.
    public var content: String

    /// A message.
    public init(role: String, content: String) {
        self.role = role
        self.content = content
    }
}

/// `POST /chat/completions` request body (the common fields).
public struct ChatCompletionRequest: Sendable, Codable, Equatable {
    /// The model name.
    public var model: String
    /// The conversation.
    public var messages: [ChatMessage]
    /// Sampling temperature.
    public var temperature: Double?
    /// Most tokens to generate.
    public var maxTokens: Int?
    /// Nucleus sampling mass.
    public var topP: Double?
    /// Stop sequences.
    public var stop: [String]?
    /// Sampling seed.
    public var seed: Int?
    /// Set by ``OpenAIClient/chatCompletionStream(_:)``: the answer comes as server-sent events.
    public var stream: Bool?
    /// `{"include_usage": true}` asks for a last chunk with the token counts (set by the streaming call).
    public var streamOptions: StreamOptions?

    /// `stream_options`.
    public struct StreamOptions: Sendable, Codable, Equatable {
        public var includeUsage: Bool
        public init(includeUsage: Bool) { self.includeUsage = includeUsage }
        enum CodingKeys: String, CodingKey { case includeUsage = "include_usage" }
    }

    /// A request.
    public init(model: String, messages: [ChatMessage], temperature: Double? = nil, maxTokens: Int? = nil,
                topP: Double? = nil, stop: [String]? = nil, seed: Int? = nil) {
        self.model = model
        self.messages = messages
        self.temperature = temperature
        self.maxTokens = maxTokens
        self.topP = topP
        self.stop = stop
        self.seed = seed
    }

    enum CodingKeys: String, CodingKey {
        case model, messages, temperature, stop, seed, stream
        case maxTokens = "max_tokens"
        case topP = "top_p"
        case streamOptions = "stream_options"
    }
}

/// `POST /chat/completions` response.
public struct ChatCompletionResponse: Sendable, Codable, Equatable {
    /// One completion.
    public struct Choice: Sendable, Codable, Equatable {
        /// Its position.
        public var index: Int
        /// The generated message.
        public var message: ChatMessage
        /// `stop`, `length`, …
        public var finishReason: String?
        enum CodingKeys: String, CodingKey {
            case index, message
            case finishReason = "finish_reason"
        }
        /// A choice.
        public init(index: Int, message: ChatMessage, finishReason: String?) {
            self.index = index
            self.message = message
            self.finishReason = finishReason
        }
    }

    /// Token counts.
    public struct Usage: Sendable, Codable, Equatable {
        /// Prompt tokens.
        public var promptTokens: Int
        /// Generated tokens.
        public var completionTokens: Int
        /// Both.
        public var totalTokens: Int
        enum CodingKeys: String, CodingKey {
            case promptTokens = "prompt_tokens"
            case completionTokens = "completion_tokens"
            case totalTokens = "total_tokens"
        }
        /// Token counts.
        public init(promptTokens: Int, completionTokens: Int, totalTokens: Int) {
            self.promptTokens = promptTokens
            self.completionTokens = completionTokens
            self.totalTokens = totalTokens
        }
    }

    /// The completion id.
    public var id: String
    /// "chat.completion".
    public var object: String
    /// Unix time.
    public var created: Int
    /// The model that answered.
    public var model: String
    /// The completions.
    public var choices: [Choice]
    /// Token counts.
    public var usage: Usage?

    /// A response.
    public init(id: String, object: String, created: Int, model: String, choices: [Choice], usage: Usage?) {
        self.id = id
        self.object = object
        self.created = created
        self.model = model
        self.choices = choices
        self.usage = usage
    }
}

/// One server-sent event of a streamed chat completion (`chat.completion.chunk`).
public struct ChatCompletionChunk: Sendable, Codable, Equatable {
    /// What a choice adds.
    public struct Delta: Sendable, Codable, Equatable {
        /// `assistant` in the first chunk of a choice.
        public var role: String?
        /// The next piece of text.
        public var content: String?
    }

    /// One choice's piece.
    public struct Choice: Sendable, Codable, Equatable {
        public var index: Int
        public var delta: Delta
        /// Set in the choice's last chunk.
        public var finishReason: String?
        enum CodingKeys: String, CodingKey {
            case index, delta
            case finishReason = "finish_reason"
        }
    }

    public var id: String
    public var object: String
    public var created: Int
    public var model: String
    /// Empty in the usage chunk.
    public var choices: [Choice]
    /// In the last chunk when `stream_options.include_usage` was asked.
    public var usage: ChatCompletionResponse.Usage?
}
