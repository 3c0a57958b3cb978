import ArgumentParser
import Foundation
import FlintServe
import Logging

/// `flint serve`: the model server.
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Serve models over HTTP: /predict, /batch_predict, /v1/embeddings, /v1/models, /metrics, /health, /ready.",
        discussion: """
        Models come from --config (serve.yaml) and/or --model NAME=SOURCE, where SOURCE is a model folder \
        (it contains '/') or a registry reference (name, name@3, name@production). Flags override the file. \
        SIGTERM / SIGINT finish in-flight requests and exit 0; SIGHUP re-resolves registry aliases and swaps models.
        """)

    @Option(name: .long, help: "A serve.yaml file.")
    var config: String?

    @Option(name: .long, parsing: .singleValue, help: "NAME=SOURCE (repeatable): a folder path or a registry reference.")
    var model: [String] = []

    @Option(name: .long, help: "Task of the --model entries: text-classification or sentence-embedding (default: from the folder).")
    var task: String?

    @Option(name: .long, help: "Address to bind (default 127.0.0.1).")
    var host: String?

    @Option(name: .long, help: "Port (default 8080).")
    var port: Int?

    @Option(name: .long, help: "A file with one API key per line: clients then send Authorization: Bearer <key>.")
    var apiKeysFile: String?

    @Option(name: .long, help: "An environment variable with comma-separated API keys.")
    var apiKeysEnv: String?

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

    func run() async throws {
        var configuration = ServeConfiguration()
        if let config { configuration = try ServeConfiguration.load(from: URL(fileURLWithPath: config)) }
        if let host { configuration.server.host = host }
        if let port { configuration.server.port = port }
        if let apiKeysFile { configuration.auth.apiKeysFile = apiKeysFile }
        if let apiKeysEnv { configuration.auth.apiKeysEnv = apiKeysEnv }
        if let maxBatchSize { configuration.batching.maxBatchSize = maxBatchSize }
        if let maxQueueDelayUs { configuration.batching.maxQueueDelayUs = maxQueueDelayUs }
        if let registry { configuration.registry = registry }
        if let logFormat { configuration.logging.format = logFormat }
        if let logLevel { configuration.logging.level = logLevel }
        let servedTask: ServedTask?
        if let task {
            guard let parsed = ServedTask(rawValue: task) else {
                throw ValidationError("--task must be one of \(ServedTask.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            servedTask = parsed
        } else {
            servedTask = nil
        }
        for entry in model {
            guard let equals = entry.firstIndex(of: "="), equals != entry.startIndex, entry.index(after: equals) != entry.endIndex else {
                throw ValidationError("--model expects NAME=SOURCE, got '\(entry)'")
            }
            let name = String(entry[..<equals])
            let specification = ModelSpecification(name: name, task: servedTask, source: String(entry[entry.index(after: equals)...]))
            configuration.models.removeAll { $0.name == name }
            configuration.models.append(specification)
        }
        do {
            try configuration.validate(path: config ?? "flags")
        } catch let error as ServeConfigurationError {
            throw ValidationError(error.description)
        }
        let format = configuration.logging.format
        let level = Logger.Level(rawValue: configuration.logging.level.lowercased()) ?? .info
        LoggingSystem.bootstrap { label in
            if format == "json" { return JSONLogHandler(label: label, level: level) }
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        let server = try FlintServer(configuration: configuration, resolver: RegistryResolution.resolver(for: configuration))
        try await server.run()
    }
}
