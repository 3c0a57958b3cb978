import Foundation
import FlintModels
import FlintSupport
import Logging

/// `flint batch --openai-batch`: an OpenAI Batch API input file run offline, without a server — the same
/// validation, engine, priorities and output line format as `POST /v1/batches`, into `output` (the output file's
/// lines) and `errors` (the error file's lines, only when some request failed).
///
/// The work lives in `OUTPUT.flint-batch/` (the batch, its progress and partial files) until the job completes: a
/// killed job rerun with the same arguments continues after the last request written. An `output` that exists with
/// no work folder is never overwritten unless `restart`.
public struct OpenAIBatchJob: Sendable {
    /// What a finished job did.
    public struct Summary: Sendable, Equatable {
        public var total: Int
        public var completed: Int
        public var failed: Int
        /// Requests done by an earlier, interrupted run.
        public var resumed: Int
        public var seconds: Double
    }

    /// Errors of the job: they name the file.
    public struct JobError: Error, CustomStringConvertible, Equatable {
        public var path: String
        public var message: String
        public var description: String { "\(path): \(message)" }
    }

    public let configuration: ServeConfiguration
    public let chatResolver: GGUFModelResolver?
    public let input: URL
    public let output: URL
    public let errors: URL
    public let restart: Bool
    let resolver: ModelSourceResolver

    public init(configuration: ServeConfiguration, resolver: ModelSourceResolver, chatResolver: GGUFModelResolver?, input: URL, output: URL,
                errors: URL? = nil, restart: Bool = false) {
        self.configuration = configuration
        self.resolver = resolver
        self.chatResolver = chatResolver
        self.input = input
        self.output = output
        self.errors = errors ?? URL(fileURLWithPath: output.path + ".errors.jsonl")
        self.restart = restart
    }

    /// The work folder beside the output.
    public var workFolder: URL { URL(fileURLWithPath: output.path + ".flint-batch", isDirectory: true) }

    /// Runs the batch; `progress(done, total)` after each request.
    public func run(progress: @escaping @Sendable (Int, Int) -> Void = { _, _ in }) async throws -> Summary {
        let started = ContinuousClock.now
        let manager = FileManager.default
        guard let content = try? Data(contentsOf: input) else { throw JobError(path: input.path, message: "cannot read the input file") }
        if restart { try? manager.removeItem(at: workFolder) }
        if manager.fileExists(atPath: output.path) && !manager.fileExists(atPath: workFolder.path) && !restart {
            throw JobError(path: output.path, message: "exists and has no unfinished job beside it (\(workFolder.lastPathComponent)); pass --restart to overwrite it")
        }
        // The endpoint of the batch: the url of the first request line (the runner checks every line against it).
        let endpoint = content.split(separator: UInt8(ascii: "\n")).lazy.compactMap { try? JSONSerialization.jsonObject(with: Data($0)) as? [String: Any] }
            .first.flatMap { $0["url"] as? String } ?? "/v1/chat/completions"
        guard OpenAIBatchObject.endpoints.contains(endpoint) else {
            throw JobError(path: input.path, message: "line 1: url must be one of \(OpenAIBatchObject.endpoints.sorted().joined(separator: ", ")) (got \(endpoint))")
        }
        var configuration = self.configuration
        configuration.dataDirectory = workFolder.path
        let server = try FlintServer(configuration: configuration, resolver: resolver, chatResolver: chatResolver,
                                     logger: Logger(label: "flint.batch"))
        try await server.host.loadWithoutServing()
        try await server.chatHost.loadWithoutServing()
        defer { server.chatHost.shutdownEngines() }
        let id = "batch_cli"
        var batch: OpenAIBatchObject
        var resumed = 0
        if let existing = try? server.batches.batch(id) {
            batch = existing
            resumed = existing.requestCounts.completed + existing.requestCounts.failed
        } else {
            let file = try server.files.create(content: content, filename: input.lastPathComponent, purpose: "batch")
            batch = OpenAIBatchObject(id: id, endpoint: endpoint, inputFileID: file.id, completionWindow: "24h", status: "validating",
                                      createdAt: OpenAIBatchRunner.now())
            try server.batches.save(batch)
        }
        while batch.isOpen {
            let runner = server.batchRunner
            let watch = Task {
                while !Task.isCancelled {
                    if let current = try? server.batches.batch(id) {
                        progress(current.requestCounts.completed + current.requestCounts.failed, current.requestCounts.total)
                    }
                    try? await Task.sleep(for: .milliseconds(500))
                }
            }
            defer { watch.cancel() }
            try await runner.process(batch)
            batch = try server.batches.batch(id)
        }
        if batch.status == "failed" {
            let lines = (batch.errors?.data ?? []).map { "line \($0.line.map(String.init) ?? "?"): \($0.code): \($0.message)" }
            try? manager.removeItem(at: workFolder)
            throw JobError(path: input.path, message: "not a valid batch input file:\n  " + lines.joined(separator: "\n  "))
        }
        let outputData = try batch.outputFileID.map { try Data(contentsOf: server.files.contentURL($0)) } ?? Data()
        try AtomicFile.write(outputData, to: output)
        if let errorID = batch.errorFileID {
            try AtomicFile.write(try Data(contentsOf: server.files.contentURL(errorID)), to: errors)
        } else {
            try? manager.removeItem(at: errors)
        }
        try? manager.removeItem(at: workFolder)
        progress(batch.requestCounts.total, batch.requestCounts.total)
        let elapsed = ContinuousClock.now - started
        return Summary(total: batch.requestCounts.total, completed: batch.requestCounts.completed, failed: batch.requestCounts.failed,
                       resumed: resumed, seconds: Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18)
    }
}
