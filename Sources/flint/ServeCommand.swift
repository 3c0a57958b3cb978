import ArgumentParser
import Foundation
import FlintServe
import FlintModels
import Logging

/// `flint serve`: the model server.
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Serve models over HTTP: /predict, /batch_predict, /v1/embeddings, /v1/chat/completions, /v1/completions, /v1/models, /metrics, /health, /ready.",
        discussion: """
        Models come from --config (serve.yaml) and/or --model NAME=SOURCE, where SOURCE is a model folder \
        (it contains '/') or a registry reference (name, name@3, name@production). Chat models come from \
        --chat-model NAME=SOURCE (a .gguf file or a registry reference) or a chat_models section: they answer \
        OpenAI's /v1/chat/completions and /v1/completions (streaming included) and Azure OpenAI's \
        /openai/deployments/NAME/... paths, with continuous batching and a prefix cache. Flags override the file. \
        SIGTERM / SIGINT finish in-flight requests and exit 0; SIGHUP re-resolves registry aliases and swaps models. \
        Without API keys the server binds only loopback addresses unless --allow-unauthenticated is given; a \
        named --api-keys-env variable that is not set stops the start. GET /openapi.json describes every route.
        """)

    @Option(name: .long, help: "A serve.yaml file.")
    var config: String?

    @Option(name: .long, parsing: .singleValue, help: "NAME=SOURCE (repeatable): a folder path or a registry reference.")
    var model: [String] = []

    @Option(name: .customLong("chat-model"), parsing: .singleValue, help: "NAME=SOURCE (repeatable): a chat model, a .gguf file or a registry reference of a GGUF version.")
    var chatModel: [String] = []

    @Option(name: .customLong("chat-template"), help: "For the --chat-model entries: chatml or a Jinja file (default: each model's own template).")
    var chatTemplate: String?

    @Option(name: .customLong("ctx-size"), help: "Positions per sequence of the --chat-model entries (default 4096, at most the model's).")
    var contextSize: Int?

    @Option(name: .customLong("data-dir"), help: "Where the Batch API keeps files and batches (default $FLINT_HOME/data or ~/.flint/data).")
    var dataDirectory: String?

    @Option(name: .customLong("max-sequences"), help: "Chat sequences decoded together per model (continuous batching; default 4).")
    var maxSequences: Int?

    @Option(name: .long, help: "Task of the --model entries: text-classification or sentence-embedding (default: from the folder).")
    var task: String?

    @Option(name: .long, help: "Address to bind (default 127.0.0.1).")
    var host: String?

    @Option(name: .long, help: "Port (default 8080; 0: a free port, logged as 'listening').")
    var port: Int?

    @Option(name: .long, help: "A file with one API key per line: clients then send Authorization: Bearer <key>.")
    var apiKeysFile: String?

    @Option(name: .long, help: "An environment variable with comma-separated API keys (the server refuses to start if it is not set).")
    var apiKeysEnv: String?

    @Flag(name: .long, help: "Serve without API keys on a non-loopback --host (refused otherwise); logged as critical at start.")
    var allowUnauthenticated = false

    @Option(name: .long, help: "Most texts per forward pass.")
    var maxBatchSize: Int?

    @Option(name: .long, help: "Longest wait of a request for others to join its batch, in microseconds.")
    var maxQueueDelayUs: Int?

    @Option(name: .long, help: "The model registry folder (default $FLINT_HOME/registry or ~/.flint/registry).")
    var registry: String?

    @Option(name: .long, help: "Log format: text or json (one JSON object per line).")
    var logFormat: String?

    @Option(name: .long, help: "Log level: trace, debug, info, notice, warning, error, critical.")
    var logLevel: String?

    /// Numeric flags outside ``ServeConfiguration/Bounds``, as an error naming the flag.
    func checkFlags() throws {
        func check(_ flag: String, _ value: Int?, _ range: ClosedRange<Int>) throws {
            guard let value, !range.contains(value) else { return }
            throw ServeConfigurationError(path: flag, message: "expected an integer in \(range.lowerBound)…\(range.upperBound), found \(value)")
        }
        try check("--port", port, ServeConfiguration.Bounds.port)
        try check("--max-batch-size", maxBatchSize, ServeConfiguration.Bounds.maxBatchSize)
        try check("--max-queue-delay-us", maxQueueDelayUs, ServeConfiguration.Bounds.maxQueueDelayUs)
        try check("--max-sequences", maxSequences, ServeConfiguration.Bounds.maxSequences)
        try check("--ctx-size", contextSize, ServeConfiguration.Bounds.contextSize)
        if let apiKeysEnv, apiKeysEnv.isEmpty {
            throw ServeConfigurationError(path: "--api-keys-env", message: "expected an environment variable name, found \"\"")
        }
    }

    func run() async throws {
        try checkFlags()
        var configuration = ServeConfiguration()
        if let config { configuration = try ServeConfiguration.load(from: URL(fileURLWithPath: config)) }
        if let host { configuration.server.host = host }
        if let port { configuration.server.port = port }
        if let apiKeysFile { configuration.auth.apiKeysFile = apiKeysFile }
        if let apiKeysEnv { configuration.auth.apiKeysEnv = apiKeysEnv }
        if allowUnauthenticated { configuration.auth.allowUnauthenticated = true }
        if let maxBatchSize { configuration.batching.maxBatchSize = maxBatchSize }
        if let maxQueueDelayUs { configuration.batching.maxQueueDelayUs = maxQueueDelayUs }
        if let registry { configuration.registry = registry }
        if let logFormat { configuration.logging.format = logFormat }
        if let logLevel { configuration.logging.level = logLevel }
        let servedTask: ServedTask?
        if let task {
            guard let parsed = ServedTask(rawValue: task) else {
                throw ServeConfigurationError(path: "--task", message: "expected one of \(ServedTask.allCases.map(\.rawValue).joined(separator: ", ")), found \"\(task)\"")
            }
            servedTask = parsed
        } else {
            servedTask = nil
        }
        for entry in model {
            guard let equals = entry.firstIndex(of: "="), equals != entry.startIndex, entry.index(after: equals) != entry.endIndex else {
                throw ServeConfigurationError(path: "--model", message: "expected NAME=SOURCE, found '\(entry)'")
            }
            let name = String(entry[..<equals])
            let specification = ModelSpecification(name: name, task: servedTask, source: String(entry[entry.index(after: equals)...]))
            configuration.models.removeAll { $0.name == name }
            configuration.models.append(specification)
        }
        for entry in chatModel {
            guard let equals = entry.firstIndex(of: "="), equals != entry.startIndex, entry.index(after: equals) != entry.endIndex else {
                throw ServeConfigurationError(path: "--chat-model", message: "expected NAME=SOURCE, found '\(entry)'")
            }
            let name = String(entry[..<equals])
            configuration.chatModels.removeAll { $0.name == name }
            configuration.chatModels.append(ChatModelSpecification(name: name, source: String(entry[entry.index(after: equals)...]),
                                                                   chatTemplate: chatTemplate, contextSize: contextSize))
        }
        if let maxSequences { configuration.generation.maxSequences = maxSequences }
        if let dataDirectory { configuration.dataDirectory = dataDirectory }
        // A ServeConfigurationError (not a ValidationError) ends the command with its message and exit code 1.
        try configuration.validate(path: config ?? "flags")
        let format = configuration.logging.format
        let level = Logger.Level(rawValue: configuration.logging.level.lowercased()) ?? .info
        LoggingSystem.bootstrap { label in
            if format == "json" { return JSONLogHandler(label: label, level: level) }
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        let resolver = RegistryResolution.resolver(for: configuration)
        let chatResolver = GGUFModelResolver.registry(root: configuration.registry.map { URL(fileURLWithPath: ($0 as NSString).expandingTildeInPath, isDirectory: true) })
        let server = try FlintServer(configuration: configuration, resolver: resolver, chatResolver: chatResolver)
        // Every source is resolved once before the port is opened (after the server's own checks, such as
        // the API keys), so a source that cannot be served (a missing folder, an unknown reference, a GGUF
        // language model) stops start-up with its error, naming it.
        for specification in configuration.models {
            for variant in specification.variants {
                do {
                    _ = try resolver.resolve(variant.source)
                } catch let error as RegistryError where specification.optional && error.isNotFound {
                    continue   // served once a reload finds it
                }
            }
        }
        for specification in configuration.chatModels {
            let path = try ChatModelHost.resolve(specification, resolver: chatResolver).path
            guard FileManager.default.fileExists(atPath: path) else {
                throw ServeConfigurationError(path: specification.source, message: "chat model \(specification.name): no such file \(path)")
            }
        }
        try await server.run()
    }
}
