import Foundation
import Logging
import ServiceLifecycle
import FlintModels
import FlintSupport

/// Carries out OpenAI batches in the background, oldest first: validates the input file (`validating`), runs its
/// requests at batch priority — interactive requests are admitted to the engines first — a few at a time so they
/// share the continuous batch (`in_progress`), writes the output and error files (`finalizing`) and completes.
/// Progress is saved after every request; a restart continues where it stopped. A cancel stops at the next
/// request and keeps what was done.
final class OpenAIBatchRunner: Service, Sendable {
    let files: OpenAIFileStore
    let batches: OpenAIBatchStore
    let state: ServeState
    let logger: Logger

    init(files: OpenAIFileStore, batches: OpenAIBatchStore, state: ServeState, logger: Logger) {
        self.files = files
        self.batches = batches
        self.state = state
        self.logger = logger
    }

    func run() async throws {
        await withGracefulShutdownHandler {
            while !(Task.isCancelled || Task.isShuttingDownGracefully) {
                if let batch = batches.nextOpen(), state.host.isReady && state.chatHost.isReady {
                    do {
                        try await process(batch)
                    } catch {
                        logger.error("batch failed", metadata: ["batch": "\(batch.id)", "error": "\(error)"])
                        _ = try? batches.update(batch.id) { $0.status = "failed"; $0.failedAt = Self.now() }
                    }
                } else {
                    try? await Task.sleep(for: .milliseconds(200))
                }
            }
        } onGracefulShutdown: {
            self.logger.info("batch runner: stopping; open batches continue at the next start")
        }
    }

    static func now() -> Int { Int(Date().timeIntervalSince1970) }

    /// One request line of an input file.
    struct Line: @unchecked Sendable {   // the body is parsed JSON, read only
        let number: Int
        let customID: String
        let body: [String: Any]
    }

    /// The request lines of a batch's input file, or the validation errors (OpenAI's codes).
    func lines(of batch: OpenAIBatchObject) -> (lines: [Line], errors: [OpenAIBatchObject.Errors.Item]) {
        guard let url = try? files.contentURL(batch.inputFileID), let data = try? Data(contentsOf: url) else {
            return ([], [.init(code: "invalid_file", message: "the input file \(batch.inputFileID) is gone", line: nil)])
        }
        var lines = [Line](), errors = [OpenAIBatchObject.Errors.Item](), seen = Set<String>()
        for (index, raw) in data.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false).enumerated() {
            let number = index + 1
            if raw.allSatisfy({ $0 == 32 || $0 == 13 || $0 == 9 }) { continue }
            guard let object = try? JSONSerialization.jsonObject(with: Data(raw)) as? [String: Any] else {
                errors.append(.init(code: "invalid_json_line", message: "line \(number) is not a JSON object", line: number)); continue
            }
            guard let customID = object["custom_id"] as? String, !customID.isEmpty else {
                errors.append(.init(code: "missing_required_parameter", message: "line \(number): custom_id is required", line: number)); continue
            }
            guard seen.insert(customID).inserted else {
                errors.append(.init(code: "duplicate_custom_id", message: "line \(number): custom_id '\(customID)' is used twice", line: number)); continue
            }
            guard (object["method"] as? String) == "POST" else {
                errors.append(.init(code: "invalid_method", message: "line \(number): method must be POST", line: number)); continue
            }
            guard (object["url"] as? String) == batch.endpoint else {
                errors.append(.init(code: "mismatched_endpoint", message: "line \(number): url must be the batch's endpoint \(batch.endpoint)", line: number)); continue
            }
            guard let body = object["body"] as? [String: Any] else {
                errors.append(.init(code: "missing_required_parameter", message: "line \(number): body must be a JSON object", line: number)); continue
            }
            lines.append(Line(number: number, customID: customID, body: body))
        }
        if lines.isEmpty && errors.isEmpty { errors.append(.init(code: "empty_file", message: "the input file has no requests", line: nil)) }
        return (lines, Array(errors.prefix(100)))
    }

    func process(_ batch: OpenAIBatchObject) async throws {
        let (lines, errors) = lines(of: batch)
        switch batch.status {
        case "validating":
            if !errors.isEmpty {
                try batches.update(batch.id) {
                    $0.status = "failed"
                    $0.failedAt = Self.now()
                    $0.errors = .init(data: errors)
                }
                logger.info("batch failed validation", metadata: ["batch": "\(batch.id)", "errors": "\(errors.count)"])
                return
            }
            try batches.update(batch.id) {
                if $0.status == "validating" {
                    $0.status = "in_progress"
                    $0.inProgressAt = Self.now()
                    $0.requestCounts.total = lines.count
                }
            }
        case "in_progress":
            try await runLines(batch, lines)
        case "finalizing", "cancelling":
            try finalize(batch.id, cancelled: batch.status == "cancelling")
        default:
            return
        }
    }

    /// Runs the remaining lines, at most `generation.max_sequences` at once, writing their results in order.
    func runLines(_ batch: OpenAIBatchObject, _ lines: [Line]) async throws {
        var progress = batches.progress(batch.id)
        let output = try batches.partial(batch.id, errors: false, bytes: progress.outputBytes)
        let errorOutput = try batches.partial(batch.id, errors: true, bytes: progress.errorBytes)
        defer { try? output.close(); try? errorOutput.close() }
        let window = max(1, state.configuration.generation.maxSequences)
        let remaining = Array(lines[min(progress.nextLine, lines.count)...])
        logger.info("batch running", metadata: ["batch": "\(batch.id)", "requests": "\(lines.count)", "done": "\(progress.nextLine)"])
        var stopped = false
        try await withThrowingTaskGroup(of: (Int, String, Bool).self) { group in
            var next = 0, pending = [Int: (String, Bool)](), written = 0
            func launch() {
                guard next < remaining.count else { return }
                let line = remaining[next], index = next
                next += 1
                group.addTask {
                    let (status, body, requestID) = await self.execute(line.body, endpoint: batch.endpoint)
                    let ok = (200..<300).contains(status)
                    let text = JSONText.object([
                        ("id", JSONText.quoted(OpenAIFileStore.newID("batch_req_"))), ("custom_id", JSONText.quoted(line.customID)),
                        ("response", JSONText.object([("status_code", JSONText.number(status)), ("request_id", JSONText.quoted(requestID)), ("body", body)])),
                        ("error", "null"),
                    ])
                    return (index, text, ok)
                }
            }
            for _ in 0..<window { launch() }
            while let (index, text, ok) = try await group.next() {
                pending[index] = (text, ok)
                while let (text, ok) = pending.removeValue(forKey: written) {
                    let bytes = Data((text + "\n").utf8)
                    if ok {
                        try output.write(contentsOf: bytes)
                        progress.outputBytes += bytes.count
                    } else {
                        try errorOutput.write(contentsOf: bytes)
                        progress.errorBytes += bytes.count
                    }
                    progress.nextLine += 1
                    written += 1
                    try batches.saveProgress(batch.id, progress)
                    let current = try batches.update(batch.id) {
                        if ok { $0.requestCounts.completed += 1 } else { $0.requestCounts.failed += 1 }
                    }
                    if current.status != "in_progress" || (Task.isCancelled || Task.isShuttingDownGracefully) { stopped = true }
                }
                if stopped { group.cancelAll(); break } else { launch() }
            }
        }
        if stopped { return }   // cancelling (finalized next round) or shutting down (resumed at the next start)
        try batches.update(batch.id) {
            if $0.status == "in_progress" {
                $0.status = "finalizing"
                $0.finalizingAt = Self.now()
            }
        }
    }

    /// Stores the partial files as the batch's output and error files and closes the batch.
    func finalize(_ id: String, cancelled: Bool) throws {
        let output = batches.takePartial(id, errors: false), errors = batches.takePartial(id, errors: true)
        let outputFile = output.isEmpty ? nil : try files.create(content: output, filename: "\(id)_output.jsonl", purpose: "batch_output")
        let errorFile = errors.isEmpty ? nil : try files.create(content: errors, filename: "\(id)_error.jsonl", purpose: "batch_output")
        let batch = try batches.update(id) {
            $0.outputFileID = outputFile?.id
            $0.errorFileID = errorFile?.id
            if cancelled {
                $0.status = "cancelled"
                $0.cancelledAt = Self.now()
            } else {
                $0.status = "completed"
                $0.completedAt = Self.now()
            }
        }
        batches.removeProgress(id)
        logger.info("batch \(batch.status)", metadata: ["batch": "\(id)", "completed": "\(batch.requestCounts.completed)",
                                                         "failed": "\(batch.requestCounts.failed)"])
    }

    /// Runs one request body as its endpoint would answer it: the status, the JSON body and a request id.
    func execute(_ body: [String: Any], endpoint: String) async -> (Int, String, String) {
        let requestID = String(UInt64.random(in: 0...UInt64.max), radix: 16)
        let routes = ChatRoutes(state: state)
        do {
            switch endpoint {
            case "/v1/chat/completions":
                guard case .json(let text) = try await routes.chat(body, deployment: nil, streaming: false, priority: .batch) else {
                    throw APIError.invalidParameter("stream", "stream: not supported in a batch")
                }
                return (200, text, requestID)
            default:
                let name = body["model"] as? String
                let text = try await routes.embeddings(JSONRequest(object: body, limits: state.configuration.limits), name: name, request: nil,
                                                       requestID: requestID)
                return (200, text, requestID)
            }
        } catch var error as APIError {
            error.requestID = requestID
            let json = (try? JSONSerialization.data(withJSONObject: error.body, options: [.sortedKeys])).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
            return (Int(error.status.code), json, requestID)
        } catch {
            return (500, JSONText.object([("error", JSONText.object([("message", JSONText.quoted("\(error)")), ("type", "\"server_error\""),
                                                                     ("code", "\"internal_error\"")]))]), requestID)
        }
    }
}
