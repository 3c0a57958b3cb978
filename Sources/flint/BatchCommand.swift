import ArgumentParser
import Foundation
import FlintServe
import FlintSupport
import FlintModels

/// `flint batch`: offline batch inference over a JSON Lines file (SageMaker batch-transform style).
struct BatchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "batch",
        abstract: "Batch inference over a JSON Lines file: one output record per input line, resumable.",
        discussion: """
        Each input line is a JSON object with a text field (--text-field, default "text") or a plain JSON string. \
        Each good line gives one output line, in input order: the input object plus "line" (the 1-based input line \
        number) and "prediction", "label", "confidence", "probabilities" (classifiers) or "embedding" (encoders). \
        Bad lines are written to OUTPUT.errors.jsonl with their line numbers and skipped. The job checkpoints after \
        every batch (OUTPUT.progress.json): rerunning the same command after a kill continues after the last line \
        written. An existing OUTPUT without a checkpoint is never overwritten unless --restart is given. \
        MODEL is a model folder (it contains '/') or a registry reference (name, name@3, name@production).

        With --openai-batch FILE the input is an OpenAI Batch API file (lines with custom_id, method, url \
        /v1/chat/completions or /v1/embeddings, body) and OUTPUT gets its output lines (id, custom_id, response \
        {status_code, request_id, body}, error) as POST /v1/batches would write them; requests that fail go to \
        OUTPUT.errors.jsonl. The models the bodies name come from --chat-model NAME=SOURCE (GGUF) and \
        --embedding-model NAME=SOURCE (model folders); a killed run continues where it stopped (OUTPUT.flint-batch/).
        """)

    @Option(name: .long, help: "A model folder or a registry reference NAME[@VERSION|@ALIAS].")
    var model: String?

    @Option(name: .long, help: "The input JSON Lines file.")
    var input: String?

    @Option(name: .customLong("openai-batch"), help: "An OpenAI Batch API input file (instead of --input and --model).")
    var openaiBatch: String?

    @Option(name: .customLong("chat-model"), parsing: .singleValue, help: "With --openai-batch: NAME=SOURCE, a GGUF chat model (repeatable).")
    var chatModel: [String] = []

    @Option(name: .customLong("embedding-model"), parsing: .singleValue, help: "With --openai-batch: NAME=SOURCE, an embedding model folder or reference (repeatable).")
    var embeddingModel: [String] = []

    @Option(name: .customLong("max-sequences"), help: "With --openai-batch: chat requests decoded together (default 4).")
    var maxSequences: Int?

    @Option(name: .long, help: "The output JSON Lines file.")
    var output: String

    @Option(name: .long, help: "The field of input objects that holds the text.")
    var textField: String = "text"

    @Option(name: .long, help: "Lines per forward pass and per checkpoint.")
    var batchSize: Int = 32

    @Option(name: .long, help: "Longest text in UTF-8 bytes; longer texts are bad lines.")
    var maxTextBytes: Int = 16_384

    @Option(name: .long, help: "Task: text-classification or sentence-embedding (default: from the folder).")
    var task: String?

    @Option(name: .long, help: "The model registry folder (default $FLINT_HOME/registry or ~/.flint/registry).")
    var registry: String?

    @Flag(name: .long, help: "Ignore a checkpoint and overwrite OUTPUT and its errors file.")
    var restart = false

    func validate() throws {
        if openaiBatch != nil {
            if input != nil || model != nil { throw ValidationError("--openai-batch replaces --input and --model: the bodies name the models") }
            if chatModel.isEmpty && embeddingModel.isEmpty { throw ValidationError("--openai-batch needs --chat-model NAME=SOURCE and/or --embedding-model NAME=SOURCE") }
            if let maxSequences, !(1...256).contains(maxSequences) { throw ValidationError("--max-sequences must be in 1...256, got \(maxSequences)") }
        } else {
            if input == nil { throw ValidationError("Missing expected argument '--input <input>' (or --openai-batch FILE)") }
            if model == nil { throw ValidationError("Missing expected argument '--model <model>'") }
        }
        if batchSize < 1 { throw ValidationError("--batch-size must be at least 1, got \(batchSize)") }
        if maxTextBytes < 1 { throw ValidationError("--max-text-bytes must be at least 1, got \(maxTextBytes)") }
        if textField.isEmpty { throw ValidationError("--text-field must not be empty") }
        if let task, ServedTask(rawValue: task) == nil {
            throw ValidationError("--task must be one of \(ServedTask.allCases.map(\.rawValue).joined(separator: ", "))")
        }
    }

    func run() throws {
        var configuration = ServeConfiguration()
        if let registry { configuration.registry = registry }
        if let openaiBatch {
            try runOpenAIBatch(openaiBatch, configuration: configuration)
            return
        }
        let model: ServedModel
        do {
            model = try BatchJob.loadModel(source: self.model!, task: task.flatMap(ServedTask.init(rawValue:)),
                                           resolver: RegistryResolution.resolver(for: configuration), batchSize: batchSize)
        } catch let error as ServeConfigurationError {
            throw ValidationError(error.description)
        }
        let options = BatchJobOptions(input: URL(fileURLWithPath: input!), output: URL(fileURLWithPath: output),
                                      textField: textField, batchSize: batchSize, maximumTextBytes: maxTextBytes,
                                      restart: restart)
        let job = BatchJob(model: model, options: options)
        var bar: ProgressBar?
        let summary: BatchJobSummary
        do {
            summary = try job.run { done, total in
                if bar == nil {
                    bar = ProgressBar(total: total, label: "batch", completed: done)
                    if done > 0 { bar?.log("resuming after line \(done) of \(total)") }
                } else {
                    bar?.advance(by: done - bar!.completed)
                }
            }
        } catch {
            bar?.finish()
            throw error  // BatchJobError prints as "path: message"; rerunning resumes after the last checkpoint
        }
        bar?.finish()
        let rate = String(format: "%.1f", summary.textsPerSecond)
        print("\(model.name)@\(model.version) (\(model.task.rawValue)): \(summary.lines) lines, \(summary.succeeded) ok, "
              + "\(summary.failed) errors, \(rate) texts/s"
              + (summary.resumedAfterLine > 0 ? " (resumed after line \(summary.resumedAfterLine))" : ""))
        print("output: \(options.output.path)")
        if summary.failed > 0 { print("errors: \(options.errorsFile.path)") }
    }

    /// `--openai-batch`: the OpenAI Batch API file run offline (``OpenAIBatchJob``).
    func runOpenAIBatch(_ file: String, configuration base: ServeConfiguration) throws {
        var configuration = base
        func pairs(_ entries: [String], flag: String) throws -> [(String, String)] {
            try entries.map { entry in
                guard let equals = entry.firstIndex(of: "="), equals != entry.startIndex, entry.index(after: equals) != entry.endIndex else {
                    throw ValidationError("\(flag): expected NAME=SOURCE, found '\(entry)'")
                }
                return (String(entry[..<equals]), String(entry[entry.index(after: equals)...]))
            }
        }
        configuration.chatModels = try pairs(chatModel, flag: "--chat-model").map { ChatModelSpecification(name: $0.0, source: $0.1) }
        configuration.models = try pairs(embeddingModel, flag: "--embedding-model").map {
            ModelSpecification(name: $0.0, task: .sentenceEmbedding, source: $0.1)
        }
        if let maxSequences { configuration.generation.maxSequences = maxSequences }
        configuration.limits.maxTextBytes = maxTextBytes
        try configuration.validate(path: "flags")
        let chatResolver = GGUFModelResolver.registry(root: configuration.registry.map { URL(fileURLWithPath: ($0 as NSString).expandingTildeInPath, isDirectory: true) })
        let job = OpenAIBatchJob(configuration: configuration, resolver: RegistryResolution.resolver(for: configuration), chatResolver: chatResolver,
                                 input: URL(fileURLWithPath: file), output: URL(fileURLWithPath: output), restart: restart)
        let bar = LockedBox<ProgressBar?>(nil)
        let summary = try runBlocking {
            try await job.run { done, total in
                bar.withLock { bar in
                    guard total > 0 else { return }
                    if bar == nil {
                        bar = ProgressBar(total: total, label: "batch", completed: done)
                    } else if done > bar!.completed {
                        bar!.advance(by: done - bar!.completed)
                    }
                }
            }
        }
        bar.withLock { $0?.finish() }
        print("openai batch: \(summary.total) requests, \(summary.completed) ok, \(summary.failed) failed, "
              + String(format: "%.1f requests/s", Double(summary.total - summary.resumed) / max(summary.seconds, 1e-9))
              + (summary.resumed > 0 ? " (\(summary.resumed) done by an earlier run)" : ""))
        print("output: \(job.output.path)")
        if summary.failed > 0 { print("errors: \(job.errors.path)") }
    }
}

/// A value shared between threads under a lock.
final class LockedBox<Value>: @unchecked Sendable {
    private var value: Value
    private let lock = NSLock()
    init(_ value: Value) { self.value = value }
    func withLock<T>(_ body: (inout Value) throws -> T) rethrows -> T {
        lock.lock()
        defer { lock.unlock() }
        return try body(&value)
    }
}

/// Runs async work to completion from synchronous code (a command's `run`), on a thread of its own.
func runBlocking<T: Sendable>(_ work: @escaping @Sendable () async throws -> T) throws -> T {
    let box = LockedBox<Result<T, Error>?>(nil)
    let done = DispatchSemaphore(value: 0)
    Task.detached {
        let result: Result<T, Error>
        do { result = .success(try await work()) } catch { result = .failure(error) }
        box.withLock { $0 = result }
        done.signal()
    }
    done.wait()
    return try box.withLock { $0! }.get()
}
