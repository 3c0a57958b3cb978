import Foundation
import Yams

/// Everything `flint serve` needs, as read from `serve.yaml` (keys in snake_case) or built from flags.
///
/// ```yaml
/// server:   { host: 127.0.0.1, port: 8080, max_body_bytes: 1048576, shutdown_grace_seconds: 25 }
/// limits:   { max_texts: 64, max_text_bytes: 16384 }
/// batching: { max_batch_size: 32, max_queue_delay_us: 1000, max_batch_tokens: 8192, max_queue_length: 256 }
/// auth:     { api_keys_file: /etc/flint/api-keys, api_keys_env: FLINT_API_KEYS,
///             public_routes: [/health, /ready, /metrics, /openapi.json], allow_unauthenticated: false }
/// logging:  { format: json, level: info }
/// routing:  { sticky_header: X-User-Id, feedback_window: 1000 }
/// registry: /var/lib/flint/registry
/// models:
///   - name: sentiment
///     task: text-classification
///     source: sentiment-zh@production        # a registry reference, or a folder path
///   - name: minilm
///     task: sentence-embedding
///     source: /models/all-MiniLM-L6-v2
///   - name: sentiment-ab                      # A/B: weights are relative
///     task: text-classification
///     variants:
///       - { source: sentiment-zh@1, weight: 90 }
///       - { source: sentiment-zh@2, weight: 10 }
/// ```
/// Every section and key is optional; missing ones take the defaults shown. Every number is checked against
/// ``ServeConfiguration/Bounds`` (finite, in range); an error names the file and the field.
public struct ServeConfiguration: Sendable, Equatable, Codable {
    /// Listening socket and HTTP limits.
    public var server = Server()
    /// Per-request input limits.
    public var limits = Limits()
    /// Dynamic batching of concurrent requests.
    public var batching = Batching()
    /// API keys.
    public var auth = Authentication()
    /// Log format and level.
    public var logging = Logging()
    /// A/B routing and feedback.
    public var routing = Routing()
    /// The registry folder for references like `name@production` (default: `$FLINT_HOME/registry` or
    /// `~/.flint/registry`).
    public var registry: String?
    /// Where the Batch API keeps its files and batches (default `$FLINT_HOME/data` or `~/.flint/data`).
    public var dataDirectory: String?
    /// The models to serve.
    public var models: [ModelSpecification] = []
    /// The chat (GGUF language) models to serve.
    public var chatModels: [ChatModelSpecification] = []
    /// Continuous batching of the chat models.
    public var generation = GenerationSettings()

    /// The defaults.
    public init() {}

    /// The Batch API's folder: `data_dir`, else `$FLINT_HOME/data`, else `~/.flint/data`.
    public func dataFolder(environment: [String: String] = ProcessInfo.processInfo.environment) -> URL {
        if let dataDirectory { return URL(fileURLWithPath: (dataDirectory as NSString).expandingTildeInPath, isDirectory: true) }
        return ModelRegistry.defaultRoot(environment: environment).deletingLastPathComponent().appendingPathComponent("data", isDirectory: true)
    }

    /// Listening socket and HTTP limits.
    public struct Server: Sendable, Equatable, Codable {
        /// Address to bind; loopback unless told otherwise.
        public var host = "127.0.0.1"
        /// TCP port; 0 binds a free port chosen by the system (logged as `listening`).
        public var port = 8080
        /// Largest request body accepted (413 above).
        public var maxBodyBytes = 1 << 20
        /// How long SIGTERM waits for in-flight requests before exiting anyway.
        public var shutdownGraceSeconds = 25.0
        /// The defaults.
        public init() {}
        enum CodingKeys: String, CodingKey {
            case host
            case port
            case maxBodyBytes = "max_body_bytes"
            case shutdownGraceSeconds = "shutdown_grace_seconds"
        }
        /// Decodes with every key optional.
        public init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            host = try c.decodeIfPresent(String.self, forKey: .host) ?? host
            port = try c.decodeIfPresent(Int.self, forKey: .port) ?? port
            maxBodyBytes = try c.decodeIfPresent(Int.self, forKey: .maxBodyBytes) ?? maxBodyBytes
            shutdownGraceSeconds = try c.decodeIfPresent(Double.self, forKey: .shutdownGraceSeconds) ?? shutdownGraceSeconds
        }
    }

    /// Per-request input limits.
    public struct Limits: Sendable, Equatable, Codable {
        /// Most texts in one request (`texts`, `input` or `instances`).
        public var maxTexts = 64
        /// Longest text in UTF-8 bytes.
        public var maxTextBytes = 16_384
        /// Largest file uploaded to `POST /v1/files` (a Batch API input), in bytes.
        public var maxFileBytes = 100 << 20
        /// The defaults.
        public init() {}
        enum CodingKeys: String, CodingKey {
            case maxTexts = "max_texts"
            case maxTextBytes = "max_text_bytes"
            case maxFileBytes = "max_file_bytes"
        }
        /// Decodes with every key optional.
        public init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            maxTexts = try c.decodeIfPresent(Int.self, forKey: .maxTexts) ?? maxTexts
            maxTextBytes = try c.decodeIfPresent(Int.self, forKey: .maxTextBytes) ?? maxTextBytes
            maxFileBytes = try c.decodeIfPresent(Int.self, forKey: .maxFileBytes) ?? maxFileBytes
        }
    }

    /// Dynamic batching: concurrent requests for one model version are coalesced into one forward pass.
    public struct Batching: Sendable, Equatable, Codable {
        /// Most texts in one forward pass (a single larger request still runs, alone).
        public var maxBatchSize = 32
        /// How long the oldest waiting request may wait for others to join its batch, in microseconds.
        public var maxQueueDelayUs = 1_000
        /// Most tokens in one forward pass (a single larger request still runs, alone).
        public var maxBatchTokens = 8_192
        /// Most requests waiting per model version; more are refused with 503 and Retry-After.
        public var maxQueueLength = 256
        /// The defaults.
        public init() {}
        enum CodingKeys: String, CodingKey {
            case maxBatchSize = "max_batch_size"
            case maxQueueDelayUs = "max_queue_delay_us"
            case maxBatchTokens = "max_batch_tokens"
            case maxQueueLength = "max_queue_length"
        }
        /// Decodes with every key optional.
        public init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            maxBatchSize = try c.decodeIfPresent(Int.self, forKey: .maxBatchSize) ?? maxBatchSize
            maxQueueDelayUs = try c.decodeIfPresent(Int.self, forKey: .maxQueueDelayUs) ?? maxQueueDelayUs
            maxBatchTokens = try c.decodeIfPresent(Int.self, forKey: .maxBatchTokens) ?? maxBatchTokens
            maxQueueLength = try c.decodeIfPresent(Int.self, forKey: .maxQueueLength) ?? maxQueueLength
        }
    }

    /// Optional bearer-token authentication.
    public struct Authentication: Sendable, Equatable, Codable {
        /// A file with one API key per line (blank lines and `#` comments ignored).
        public var apiKeysFile: String?
        /// An environment variable holding comma-separated API keys.
        public var apiKeysEnv: String?
        /// Routes (as written in ``ServeRoutes``, e.g. `/v1/models/{name}`) served without a key when keys are
        /// configured. ``ServeRoutes/sensitive`` (`/admin/reload`, `/feedback`) are never in the default and are
        /// public only when listed here explicitly, with a warning at start.
        public var publicRoutes = Authentication.defaultPublicRoutes
        /// Serve without API keys on an address other than loopback. Off by default: such a server refuses
        /// to start (`--allow-unauthenticated` turns this on, and the start is logged as critical).
        public var allowUnauthenticated = false
        /// `/health`, `/ready`, `/metrics` and `/openapi.json`.
        public static let defaultPublicRoutes = ["/health", "/ready", "/metrics", "/openapi.json"]
        /// The defaults.
        public init() {}
        enum CodingKeys: String, CodingKey {
            case apiKeysFile = "api_keys_file"
            case apiKeysEnv = "api_keys_env"
            case publicRoutes = "public_routes"
            case allowUnauthenticated = "allow_unauthenticated"
        }
        /// Decodes with every key optional.
        public init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            apiKeysFile = try c.decodeIfPresent(String.self, forKey: .apiKeysFile)
            apiKeysEnv = try c.decodeIfPresent(String.self, forKey: .apiKeysEnv)
            publicRoutes = try c.decodeIfPresent([String].self, forKey: .publicRoutes) ?? publicRoutes
            allowUnauthenticated = try c.decodeIfPresent(Bool.self, forKey: .allowUnauthenticated) ?? allowUnauthenticated
        }
    }

    /// Logging options.
    public struct Logging: Sendable, Equatable, Codable {
        /// `text` or `json` (one JSON object per line).
        public var format = "text"
        /// swift-log level name: trace, debug, info, notice, warning, error, critical.
        public var level = "info"
        /// The defaults.
        public init() {}
        enum CodingKeys: String, CodingKey {
            case format
            case level
        }
        /// Decodes with every key optional.
        public init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            format = try c.decodeIfPresent(String.self, forKey: .format) ?? format
            level = try c.decodeIfPresent(String.self, forKey: .level) ?? level
        }
    }

    /// A/B routing and feedback.
    public struct Routing: Sendable, Equatable, Codable {
        /// Header whose value pins a user to one variant.
        public var stickyHeader = "X-User-Id"
        /// How many recent feedback records per version the accuracy gauge covers.
        public var feedbackWindow = 1_000
        /// How many recent predictions are remembered for `POST /feedback` (oldest forgotten first; about
        /// 200 bytes each, so the default holds memory flat at about 2 MB).
        public var predictionMemory = 10_000
        /// The defaults.
        public init() {}
        enum CodingKeys: String, CodingKey {
            case stickyHeader = "sticky_header"
            case feedbackWindow = "feedback_window"
            case predictionMemory = "prediction_memory"
        }
        /// Decodes with every key optional.
        public init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            stickyHeader = try c.decodeIfPresent(String.self, forKey: .stickyHeader) ?? stickyHeader
            feedbackWindow = try c.decodeIfPresent(Int.self, forKey: .feedbackWindow) ?? feedbackWindow
            predictionMemory = try c.decodeIfPresent(Int.self, forKey: .predictionMemory) ?? predictionMemory
        }
    }

    enum CodingKeys: String, CodingKey {
        case server, limits, batching, auth, logging, routing, registry, models
        case chatModels = "chat_models"
        case generation
        case dataDirectory = "data_dir"
    }

    /// Decodes with every key optional.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        server = try c.decodeIfPresent(Server.self, forKey: .server) ?? Server()
        limits = try c.decodeIfPresent(Limits.self, forKey: .limits) ?? Limits()
        batching = try c.decodeIfPresent(Batching.self, forKey: .batching) ?? Batching()
        auth = try c.decodeIfPresent(Authentication.self, forKey: .auth) ?? Authentication()
        logging = try c.decodeIfPresent(Logging.self, forKey: .logging) ?? Logging()
        routing = try c.decodeIfPresent(Routing.self, forKey: .routing) ?? Routing()
        registry = try c.decodeIfPresent(String.self, forKey: .registry)
        dataDirectory = try c.decodeIfPresent(String.self, forKey: .dataDirectory)
        models = try c.decodeIfPresent([ModelSpecification].self, forKey: .models) ?? []
        chatModels = try c.decodeIfPresent([ChatModelSpecification].self, forKey: .chatModels) ?? []
        generation = try c.decodeIfPresent(GenerationSettings.self, forKey: .generation) ?? GenerationSettings()
    }

    /// Reads and validates a YAML (or JSON) file.
    public static func load(from url: URL) throws -> ServeConfiguration {
        let text: String
        do {
            text = try String(contentsOf: url, encoding: .utf8)
        } catch {
            throw ServeConfigurationError(path: url.path, message: "cannot read the file: \(error.localizedDescription)")
        }
        return try parse(text, path: url.path)
    }

    /// Parses and validates YAML text; `path` names the source in errors.
    public static func parse(_ text: String, path: String = "serve.yaml") throws -> ServeConfiguration {
        let configuration: ServeConfiguration
        do {
            let decoder = YAMLDecoder()
            configuration = try decoder.decode(ServeConfiguration.self, from: text)
        } catch let error as DecodingError {
            throw ServeConfigurationError(path: path, message: ServeConfigurationError.describe(error))
        } catch {
            throw ServeConfigurationError(path: path, message: "not valid YAML: \(error)")
        }
        try configuration.validate(path: path)
        return configuration
    }

    /// The accepted range of every number in serve.yaml (and of the flags that set them). Durations and
    /// sizes are positive and bounded so that no value can overflow a conversion or exhaust memory;
    /// `batching.max_queue_delay_us` may be 0 (never wait for others) and `server.port` 0 (a free port).
    public enum Bounds {
        /// `server.port`.
        public static let port = 0...65_535
        /// `server.max_body_bytes`: at most 256 MiB.
        public static let maxBodyBytes = 1...(256 << 20)
        /// `server.shutdown_grace_seconds`: more than 0, at most one hour.
        public static let shutdownGraceSeconds = 0.0...3_600.0
        /// `limits.max_texts`.
        public static let maxTexts = 1...10_000
        /// `limits.max_text_bytes`: at most 16 MiB.
        public static let maxTextBytes = 1...(16 << 20)
        /// `limits.max_file_bytes`: at most 1 GiB.
        public static let maxFileBytes = 1...(1 << 30)
        /// `batching.max_batch_size`.
        public static let maxBatchSize = 1...4_096
        /// `batching.max_queue_delay_us`: at most 10 s.
        public static let maxQueueDelayUs = 0...10_000_000
        /// `batching.max_batch_tokens`.
        public static let maxBatchTokens = 1...1_048_576
        /// `batching.max_queue_length`.
        public static let maxQueueLength = 1...1_000_000
        /// `routing.feedback_window`.
        public static let feedbackWindow = 1...1_000_000
        /// `routing.prediction_memory` (about 200 bytes each).
        public static let predictionMemory = 1...1_000_000
        /// `models[].variants[].weight`: more than 0, at most a million (relative weights).
        public static let weight = 0.0...1_000_000.0
        /// `generation.max_sequences`.
        public static let maxSequences = 1...256
        /// `generation.max_queue_length`.
        public static let generationQueueLength = 0...100_000
        /// `generation.prompt_budget`.
        public static let promptBudget = 1...65_536
        /// `generation.prefix_cache_mib`: at most 64 GiB.
        public static let prefixCacheMiB = 0...65_536
        /// `chat_models[].context_size`.
        public static let contextSize = 16...1_048_576
    }

    /// Checks ranges and model entries; throws naming the field.
    public func validate(path: String = "serve.yaml") throws {
        func fail(_ field: String, _ expected: String, _ found: Any) throws -> Never {
            throw ServeConfigurationError(path: path, message: "\(field): expected \(expected), found \(found)")
        }
        func check(_ field: String, _ value: Int, _ range: ClosedRange<Int>) throws {
            if !range.contains(value) { try fail(field, "an integer in \(range.lowerBound)…\(range.upperBound)", value) }
        }
        /// Finite, above the lower bound (exclusive), at most the upper one.
        func check(_ field: String, _ value: Double, _ range: ClosedRange<Double>) throws {
            if !(value.isFinite && value > range.lowerBound && value <= range.upperBound) {
                try fail(field, "a finite number > \(Int(range.lowerBound)) and ≤ \(Int(range.upperBound))", value)
            }
        }
        try check("server.port", server.port, Bounds.port)
        if server.host.isEmpty { try fail("server.host", "an address", "\"\"") }
        try check("server.max_body_bytes", server.maxBodyBytes, Bounds.maxBodyBytes)
        try check("server.shutdown_grace_seconds", server.shutdownGraceSeconds, Bounds.shutdownGraceSeconds)
        try check("limits.max_texts", limits.maxTexts, Bounds.maxTexts)
        try check("limits.max_text_bytes", limits.maxTextBytes, Bounds.maxTextBytes)
        try check("limits.max_file_bytes", limits.maxFileBytes, Bounds.maxFileBytes)
        if let dataDirectory, dataDirectory.isEmpty { try fail("data_dir", "a folder path", "\"\"") }
        try check("batching.max_batch_size", batching.maxBatchSize, Bounds.maxBatchSize)
        try check("batching.max_queue_delay_us", batching.maxQueueDelayUs, Bounds.maxQueueDelayUs)
        try check("batching.max_batch_tokens", batching.maxBatchTokens, Bounds.maxBatchTokens)
        try check("batching.max_queue_length", batching.maxQueueLength, Bounds.maxQueueLength)
        if let name = auth.apiKeysEnv, name.isEmpty || name.contains("=") || name.contains("\u{0}") {
            try fail("auth.api_keys_env", "an environment variable name", "\"\(name)\"")
        }
        if let file = auth.apiKeysFile, file.isEmpty { try fail("auth.api_keys_file", "a file path", "\"\"") }
        for (index, route) in auth.publicRoutes.enumerated() where !ServeRoutes.paths.contains(route) {
            try fail("auth.public_routes[\(index)]", "one of the server's routes \(ServeRoutes.paths.sorted())", "\"\(route)\"")
        }
        if !["text", "json"].contains(logging.format) { try fail("logging.format", "text or json", logging.format) }
        if LogLevelName(logging.level) == nil {
            try fail("logging.level", "trace, debug, info, notice, warning, error or critical", logging.level)
        }
        if routing.stickyHeader.isEmpty || HTTPFieldNameSyntax.isValid(routing.stickyHeader) == false {
            try fail("routing.sticky_header", "an HTTP header name", "\"\(routing.stickyHeader)\"")
        }
        try check("routing.feedback_window", routing.feedbackWindow, Bounds.feedbackWindow)
        try check("routing.prediction_memory", routing.predictionMemory, Bounds.predictionMemory)
        var names = Set<String>()
        for (index, model) in models.enumerated() {
            let field = "models[\(index)]"
            if !ModelSpecification.isValidName(model.name) {
                try fail("\(field).name", "letters, digits, '.', '_' or '-' (at most 64)", "\"\(model.name)\"")
            }
            if !names.insert(model.name).inserted { try fail("\(field).name", "a name used once", "\"\(model.name)\" again") }
            if model.variants.isEmpty { try fail(field, "a source or variants", "neither") }
            for (v, variant) in model.variants.enumerated() {
                if variant.source.isEmpty { try fail("\(field).variants[\(v)].source", "a folder or registry reference", "\"\"") }
                try check("\(field).variants[\(v)].weight", variant.weight, Bounds.weight)
            }
        }
        for (index, model) in chatModels.enumerated() {
            let field = "chat_models[\(index)]"
            if !ModelSpecification.isValidName(model.name) {
                try fail("\(field).name", "letters, digits, '.', '_' or '-' (at most 64)", "\"\(model.name)\"")
            }
            if !names.insert(model.name).inserted { try fail("\(field).name", "a name used once (models and chat_models)", "\"\(model.name)\" again") }
            if model.source.isEmpty { try fail("\(field).source", "a .gguf file or registry reference", "\"\"") }
            if let size = model.contextSize { try check("\(field).context_size", size, Bounds.contextSize) }
            if let template = model.chatTemplate, template.isEmpty { try fail("\(field).chat_template", "chatml or a Jinja file", "\"\"") }
        }
        try check("generation.max_sequences", generation.maxSequences, Bounds.maxSequences)
        try check("generation.max_queue_length", generation.maxQueueLength, Bounds.generationQueueLength)
        try check("generation.prompt_budget", generation.promptBudget, Bounds.promptBudget)
        try check("generation.prefix_cache_mib", generation.prefixCacheMiB, Bounds.prefixCacheMiB)
        if !["f16", "f32"].contains(generation.cacheType) { try fail("generation.cache_type", "f16 or f32", generation.cacheType) }
    }
}

/// A `serve.yaml` that cannot be used: names the file and the field.
public struct ServeConfigurationError: Error, CustomStringConvertible, Equatable {
    /// The configuration file.
    public var path: String
    /// What is wrong, naming the field.
    public var message: String
    /// "path: message".
    public var description: String { "\(path): \(message)" }

    /// An error about `path` (a file, a field or a flag).
    public init(path: String, message: String) {
        self.path = path
        self.message = message
    }

    static func describe(_ error: DecodingError) -> String {
        func field(_ path: [any CodingKey]) -> String {
            path.map { $0.intValue.map { "[\($0)]" } ?? ".\($0.stringValue)" }.joined()
                .trimmingCharacters(in: CharacterSet(charactersIn: "."))
        }
        switch error {
        case .typeMismatch(let type, let context):
            return "\(field(context.codingPath)): expected \(type)"
        case .valueNotFound(let type, let context):
            return "\(field(context.codingPath)): expected \(type), found null"
        case .keyNotFound(let key, let context):
            return "\(field(context.codingPath + [key])): required"
        case .dataCorrupted(let context):
            return "\(field(context.codingPath)): \(context.debugDescription)"
        @unknown default:
            return "\(error)"
        }
    }
}

/// swift-log level names accepted in `logging.level`.
struct LogLevelName {
    static let all = ["trace", "debug", "info", "notice", "warning", "error", "critical"]
    let name: String
    init?(_ name: String) {
        guard Self.all.contains(name.lowercased()) else { return nil }
        self.name = name.lowercased()
    }
}

/// HTTP field-name syntax (RFC 9110 `token`): visible ASCII letters, digits and ``!#$%&'*+-.^_`|~``.
enum HTTPFieldNameSyntax {
    static func isValid(_ name: String) -> Bool {
        !name.isEmpty && name.utf8.allSatisfy { byte in
            (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A)
                || "!#$%&'*+-.^_`|~".utf8.contains(byte)
        }
    }
}
