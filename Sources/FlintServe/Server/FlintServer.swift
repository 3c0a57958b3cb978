import Foundation
import Hummingbird
import Logging
import ServiceLifecycle

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
    /// The server's metrics.
    public let metrics: ServeMetrics
    /// Predictions awaiting feedback.
    public let feedback: FeedbackTracker
    let logger: Logger
    let apiKeys: [[UInt8]]

    /// Validates the configuration and reads the API keys; models load when the server runs.
    public init(configuration: ServeConfiguration, resolver: ModelSourceResolver = ModelSourceResolver(),
                logger: Logger = Logger(label: "flint.serve"),
                environment: [String: String] = ProcessInfo.processInfo.environment) throws {
        try configuration.validate()
        if configuration.models.isEmpty {
            throw ServeConfigurationError(path: "models", message: "no models to serve: give --model or a models section")
        }
        let keys = try APIKeyMiddleware.loadKeys(configuration.auth, environment: environment)
        if keys.isEmpty && (configuration.auth.apiKeysFile != nil
                            || (configuration.auth.apiKeysEnv.map { environment[$0] != nil } ?? false)) {
            throw ServeConfigurationError(path: configuration.auth.apiKeysFile ?? configuration.auth.apiKeysEnv ?? "auth",
                                          message: "auth: API keys are configured but none was found")
        }
        self.configuration = configuration
        self.apiKeys = keys
        self.logger = logger
        router = ModelRouter()
        metrics = ServeMetrics()
        feedback = FeedbackTracker(window: configuration.routing.feedbackWindow, memory: configuration.routing.predictionMemory)
        host = ModelHost(configuration: configuration, resolver: resolver, router: router, metrics: metrics, logger: logger)
    }

    /// Whether API keys are required.
    public var requiresAPIKeys: Bool { !apiKeys.isEmpty }

    /// The Hummingbird router with every route and middleware.
    public func makeRouter() -> Router<ServeRequestContext> {
        let state = ServeState(configuration: configuration, router: router, host: host, metrics: metrics,
                               feedback: feedback, logger: logger)
        let router = Router(context: ServeRequestContext.self)
        router.add(middleware: RequestAccountingMiddleware(metrics: metrics, logger: logger))
        router.add(middleware: APIKeyMiddleware(keys: apiKeys, publicRoutes: Set(configuration.auth.publicRoutes)))
        HealthRoutes(state: state).add(to: router)
        PredictionRoutes(state: state).add(to: router)
        EmbeddingRoutes(state: state).add(to: router)
        ModelRoutes(state: state).add(to: router)
        FeedbackRoutes(state: state).add(to: router)
        AdminRoutes(state: state).add(to: router)
        return router
    }

    /// The application (server + model host service), for `run()` or for tests.
    public func makeApplication() -> some ApplicationProtocol {
        var application = Application(
            router: makeRouter(),
            configuration: .init(address: .hostname(configuration.server.host, port: configuration.server.port),
                                 serverName: "flint/\(ServeVersion.current)"),
            logger: logger)
        application.addServices(host)
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
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            try await tasks.next()
            tasks.cancelAll()
        }
    }
}
