import Foundation
import Logging
import ServiceLifecycle
import Synchronization
import FlintModels

/// A chat model being served: the language model, its chat format and its continuous-batching engine.
public final class ServedChatModel: Sendable {
    /// The name clients use (also the Azure deployment name).
    public let name: String
    /// The registry version, or the file's name for a file source.
    public let version: String
    public let model: LanguageModel
    public let format: ChatFormat
    public let engine: GenerationEngine
    /// When it was loaded (OpenAI's `created` of `/v1/models`).
    public let created: Int

    init(name: String, version: String, model: LanguageModel, format: ChatFormat, engine: GenerationEngine) {
        self.name = name
        self.version = version
        self.model = model
        self.format = format
        self.engine = engine
        created = Int(Date().timeIntervalSince1970)
    }
}

/// Loads the configured chat models (GGUF files or registry references) in the background after the server
/// starts listening, and shuts their engines down at the end. `/ready` waits for it.
public final class ChatModelHost: Service, Sendable {
    let specifications: [ChatModelSpecification]
    let settings: GenerationSettings
    let resolver: GGUFModelResolver?
    let logger: Logger
    private let models = Mutex<[ServedChatModel]>([])
    private let readyFlag = Atomic<Bool>(false)

    /// A host for `specifications`; `resolver` turns registry references into files.
    public init(specifications: [ChatModelSpecification], settings: GenerationSettings, resolver: GGUFModelResolver?, logger: Logger) {
        self.specifications = specifications
        self.settings = settings
        self.resolver = resolver
        self.logger = logger
        if specifications.isEmpty { readyFlag.store(true, ordering: .releasing) }
    }

    /// True once every chat model is loaded.
    public var isReady: Bool { readyFlag.load(ordering: .acquiring) }

    /// The served chat models, in configuration order (empty until loaded).
    public var served: [ServedChatModel] { models.withLock { $0 } }

    /// The chat model `name`; 503 while loading, 404 `model_not_found` for a name not served.
    func model(named name: String?) throws -> ServedChatModel {
        guard isReady else { throw APIError.notReady() }
        let served = self.served
        if let name {
            guard let model = served.first(where: { $0.name == name }) else {
                throw APIError.modelNotFound("The model '\(name)' does not exist or is not a chat model served here; GET /v1/models lists the models")
            }
            return model
        }
        guard let first = served.first else { throw APIError.modelNotFound("no chat model is served here") }
        return first
    }

    /// Loads every model and marks the host ready, without serving (offline jobs); ``shutdownEngines()`` ends them.
    public func loadWithoutServing() async throws {
        let loaded = try await Self.load(specifications, settings: settings, resolver: resolver)
        models.withLock { $0 = loaded }
        readyFlag.store(true, ordering: .releasing)
    }

    /// Stops every engine's thread.
    public func shutdownEngines() {
        for model in served { model.engine.shutdown() }
    }

    /// Loads every model (stopping the server with the error if one cannot be loaded), then waits for shutdown.
    public func run() async throws {
        if !specifications.isEmpty {
            let loaded = try await Self.load(specifications, settings: settings, resolver: resolver)
            models.withLock { $0 = loaded }
            readyFlag.store(true, ordering: .releasing)
            for model in loaded {
                logger.info("loaded chat model", metadata: ["model": "\(model.name)", "version": "\(model.version)",
                                                            "file": "\(model.model.path)", "context": "\(model.model.contextSize)",
                                                            "template": "\(model.format.origin)"])
            }
        }
        try? await gracefulShutdown()
        for model in served { model.engine.shutdown() }
    }

    /// The file a chat model's source names and the version reported for it.
    public static func resolve(_ specification: ChatModelSpecification, resolver: GGUFModelResolver?) throws -> (path: String, version: String) {
        let path = try GGUFModelResolver.path(of: specification.source, resolver: resolver)
        if GGUFModelResolver.isFilePath(specification.source) {
            return (path, URL(fileURLWithPath: path).deletingPathExtension().lastPathComponent)
        }
        // A registry file sits in its version's folder: …/NAME/VERSION/model.gguf.
        return (path, URL(fileURLWithPath: path).deletingLastPathComponent().lastPathComponent)
    }

    /// Loads the models on a thread of their own (mapping, tokenizer parsing and the chat template).
    static func load(_ specifications: [ChatModelSpecification], settings: GenerationSettings,
                     resolver: GGUFModelResolver?) async throws -> [ServedChatModel] {
        try await withCheckedThrowingContinuation { continuation in
            let thread = Thread {
                do {
                    var loaded = [ServedChatModel]()
                    for specification in specifications {
                        loaded.append(try loadOne(specification, settings: settings, resolver: resolver))
                    }
                    continuation.resume(returning: loaded)
                } catch {
                    continuation.resume(throwing: error)
                }
            }
            thread.stackSize = 8 << 20
            thread.start()
        }
    }

    /// Loads one chat model (also used before the port opens, to check the configuration).
    public static func loadOne(_ specification: ChatModelSpecification, settings: GenerationSettings,
                               resolver: GGUFModelResolver?) throws -> ServedChatModel {
        let (path, version) = try resolve(specification, resolver: resolver)
        let precision: LlamaKVCache.Precision = settings.cacheType == "f32" ? .float32 : .float16
        let model = try LanguageModel.load(path, contextSize: specification.contextSize ?? ChatModelSpecification.defaultContextSize,
                                           cachePrecision: precision)
        let format = try ChatFormat(model: model, override: specification.chatTemplate)
        var configuration = GenerationEngine.Configuration()
        configuration.maxSequences = settings.maxSequences
        configuration.maxQueueLength = settings.maxQueueLength
        configuration.promptBudget = settings.promptBudget
        configuration.prefixCacheBytes = settings.prefixCacheMiB << 20
        return ServedChatModel(name: specification.name, version: version, model: model, format: format,
                               engine: GenerationEngine(model: model, configuration: configuration))
    }
}
