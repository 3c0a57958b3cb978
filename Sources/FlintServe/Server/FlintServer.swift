import Foundation
#if canImport(Glibc)
import Glibc
#endif
import Hummingbird
import Logging
import NIOCore
import ServiceLifecycle
import FlintModels

/// Flint's model server: Hummingbird 2 routes over dynamically batched models.
///
/// ```swift
/// var configuration = ServeConfiguration()
/// configuration.models = [ModelSpecification(name: "sentiment", source: "runs/sentiment-zh")]
/// let server = try FlintServer(configuration: configuration)
/// try await server.run()          // until SIGTERM / SIGINT: then finishes in-flight requests, returns
/// ```
public struct FlintServer: Sendable {
    /// The configuration served.
    public let configuration: ServeConfiguration
    /// Request routing (A/B splits included).
    public let router: ModelRouter
    /// Model loading and reloading.
    public let host: ModelHost
    /// The chat models and their generation engines.
    public let chatHost: ChatModelHost
    /// The server's metrics.
    public let metrics: ServeMetrics
    /// Predictions awaiting feedback.
    public let feedback: FeedbackTracker
    /// What every route shares.
    let state: ServeState
    /// The Batch API's files, batches and background runner.
    let files: OpenAIFileStore
    let batches: OpenAIBatchStore
    let batchRunner: OpenAIBatchRunner
    let logger: Logger
    let apiKeys: [[UInt8]]

    /// Validates the configuration and reads the API keys; models load when the server runs.
    public init(configuration: ServeConfiguration, resolver: ModelSourceResolver = ModelSourceResolver(),
                chatResolver: GGUFModelResolver? = nil,
                logger: Logger = Logger(label: "flint.serve"),
                environment: [String: String] = ProcessInfo.processInfo.environment) throws {
        try configuration.validate()
        if configuration.models.isEmpty && configuration.chatModels.isEmpty {
            throw ServeConfigurationError(path: "models", message: "no models to serve: give --model / --chat-model or a models / chat_models section")
        }
        let keys = try APIKeyMiddleware.loadKeys(configuration.auth, environment: environment)
        if keys.isEmpty && !Self.isLoopback(configuration.server.host) && !configuration.auth.allowUnauthenticated {
            throw ServeConfigurationError(path: "server.host",
                message: "refusing to serve \(configuration.server.host) (not a loopback address) without API keys: set auth.api_keys_file / --api-keys-file or auth.api_keys_env / --api-keys-env, or pass --allow-unauthenticated (auth.allow_unauthenticated: true) to serve every route, /admin/reload included, to anyone who can reach it")
        }
        self.configuration = configuration
        self.apiKeys = keys
        self.logger = logger
        router = ModelRouter()
        metrics = ServeMetrics()
        feedback = FeedbackTracker(window: configuration.routing.feedbackWindow, memory: configuration.routing.predictionMemory)
        host = ModelHost(configuration: configuration, resolver: resolver, router: router, metrics: metrics, logger: logger)
        chatHost = ChatModelHost(specifications: configuration.chatModels, settings: configuration.generation, resolver: chatResolver,
                                 logger: logger)
        state = ServeState(configuration: configuration, router: router, host: host, chatHost: chatHost, metrics: metrics,
                           feedback: feedback, logger: logger)
        let data = configuration.dataFolder(environment: environment)
        do {
            files = try OpenAIFileStore(folder: data.appendingPathComponent("files", isDirectory: true))
            batches = try OpenAIBatchStore(folder: data.appendingPathComponent("batches", isDirectory: true))
        } catch {
            throw ServeConfigurationError(path: "data_dir", message: "cannot create \(data.path): \(error)")
        }
        batchRunner = OpenAIBatchRunner(files: files, batches: batches, state: state, logger: logger)
    }

    /// Whether API keys are required.
    public var requiresAPIKeys: Bool { !apiKeys.isEmpty }

    /// Whether `host` names the loopback interface: `localhost`, 127.0.0.0/8, `::1` (also bracketed) or
    /// an IPv4-mapped loopback address. Any other name or address may be reachable from elsewhere.
    public static func isLoopback(_ host: String) -> Bool {
        var name = host
        if name.hasPrefix("["), name.hasSuffix("]") { name = String(name.dropFirst().dropLast()) }
        if name.lowercased() == "localhost" { return true }
        var v4 = in_addr()
        if inet_pton(AF_INET, name, &v4) == 1 {
            return UInt32(bigEndian: v4.s_addr) >> 24 == 127
        }
        var v6 = in6_addr()
        if inet_pton(AF_INET6, name, &v6) == 1 {
            let bytes = withUnsafeBytes(of: &v6) { Array($0) }
            if bytes[0..<15].allSatisfy({ $0 == 0 }) && bytes[15] == 1 { return true }              // ::1
            if bytes[0..<10].allSatisfy({ $0 == 0 }) && bytes[10] == 0xFF && bytes[11] == 0xFF {  // ::ffff:a.b.c.d
                return bytes[12] == 127
            }
        }
        return false
    }

    /// The warnings the start of a server logs about its authentication: an unauthenticated server on
    /// a non-loopback address (critical), and sensitive routes made public by `auth.public_routes`.
    public var securityWarnings: [(level: Logger.Level, message: String)] {
        var warnings: [(level: Logger.Level, message: String)] = []
        if apiKeys.isEmpty && !Self.isLoopback(configuration.server.host) {
            warnings.append((.critical, "UNAUTHENTICATED: no API keys and --allow-unauthenticated: every route, /admin/reload and /feedback included, is open to anyone who can reach \(configuration.server.host):\(configuration.server.port)"))
        }
        if !apiKeys.isEmpty {
            for route in configuration.auth.publicRoutes.filter(ServeRoutes.sensitive.contains).sorted() {
                warnings.append((.warning, "auth.public_routes lists \(route): it is served without an API key to anyone who can reach the server"))
            }
        }
        return warnings
    }

    /// The Hummingbird router with every route and middleware.
    public func makeRouter() -> Router<ServeRequestContext> {
        let router = Router(context: ServeRequestContext.self, options: .autoGenerateHeadEndpoints)
        router.add(middleware: RequestAccountingMiddleware(metrics: metrics, logger: logger))
        router.add(middleware: APIKeyMiddleware(keys: apiKeys, publicRoutes: Set(configuration.auth.publicRoutes)))
        HealthRoutes(state: state).add(to: router)
        OpenAPIRoutes(state: state).add(to: router)
        PredictionRoutes(state: state).add(to: router)
        EmbeddingRoutes(state: state).add(to: router)
        ChatRoutes(state: state).add(to: router)
        BatchAPIRoutes(state: state, files: files, batches: batches).add(to: router)
        ModelRoutes(state: state).add(to: router)
        FeedbackRoutes(state: state).add(to: router)
        AdminRoutes(state: state).add(to: router)
        MethodNotAllowedRoutes().add(to: router)
        return router
    }

    /// The application (server + model host service), for `run()` or for tests.
    public func makeApplication() -> some ApplicationProtocol {
        var application = Application(
            router: makeRouter(),
            configuration: .init(address: .hostname(configuration.server.host, port: configuration.server.port),
                                 serverName: "flint/\(ServeVersion.current)"),
            onServerRunning: { [logger, host = configuration.server.host] channel in
                let port = channel.localAddress?.port ?? -1
                logger.info("listening", metadata: ["address": "\(host):\(port)", "port": "\(port)"])
            },
            logger: logger)
        application.addServices(host, chatHost, batchRunner)
        return application
    }

    /// Serves until SIGTERM or SIGINT, then stops accepting connections, finishes in-flight requests
    /// (at most `server.shutdown_grace_seconds`) and returns.
    public func run() async throws {
        let application = makeApplication()
        var groupConfiguration = ServiceGroupConfiguration(
            services: [.init(service: application)],
            gracefulShutdownSignals: [.sigterm, .sigint],
            logger: logger)
        groupConfiguration.maximumGracefulShutdownDuration = .milliseconds(Int64(configuration.server.shutdownGraceSeconds * 1000))
        groupConfiguration.maximumCancellationDuration = .seconds(5)
        let group = ServiceGroup(configuration: groupConfiguration)
        logger.info("flint serve", metadata: ["address": "\(configuration.server.host):\(configuration.server.port)",
                                              "models": "\(configuration.models.map(\.name))",
                                              "api_keys": "\(requiresAPIKeys ? "required" : "off")"])
        for warning in securityWarnings { logger.log(level: warning.level, "\(warning.message)") }
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            try await tasks.next()
            tasks.cancelAll()
        }
    }
}
