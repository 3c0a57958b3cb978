import Foundation
import FlintSupport

/// Offline batch inference over a JSON Lines file, like a SageMaker batch-transform job: no HTTP, the
/// served model's forward pass called directly on batches of lines.
///
/// - Input: one record per line — a JSON object whose ``BatchJobOptions/textField`` holds the text, or
///   a plain JSON string.
/// - Output: for each good line, in input order, the input object plus `"line"` (1-based input line
///   number) and the result — `"prediction"` (class index), `"label"`, `"confidence"` and
///   `"probabilities"` (label → score) for a classifier, as the server's `/predict` item; `"embedding"`
///   for an embedding model. Result fields replace input fields of the same name. Keys are sorted.
/// - Bad lines (not UTF-8 or JSON, no or empty text, text not a string, over a byte limit) go to
///   `<output>.errors.jsonl` as `{"error": "…", "input": "<first 200 characters>", "line": N}` and the
///   job goes on.
/// - Crash-safe and resumable: after every batch the output and errors files are fsynced and then the
///   checkpoint `<output>.progress.json` is replaced atomically. A rerun after a kill cuts both files
///   back to the checkpoint's sizes (dropping a torn, half-written batch) and continues with the next
///   line, so the final files equal those of an uninterrupted run. Without a checkpoint an existing,
///   non-empty output is never overwritten unless ``BatchJobOptions/restart`` is set. The checkpoint is
///   removed when the job finishes.
///
/// ```swift
/// let model = try BatchJob.loadModel(source: "runs/sentiment-zh", resolver: ModelSourceResolver())
/// let job = BatchJob(model: model, options: BatchJobOptions(input: inputURL, output: outputURL))
/// let summary = try job.run { done, total in print("\(done)/\(total)") }
/// ```
public struct BatchJob: Sendable {
    /// The model run on every batch.
    public let model: ServedModel
    /// Files, limits and batch size.
    public let options: BatchJobOptions

    /// A job; `options.batchSize` must be at least 1.
    public init(model: ServedModel, options: BatchJobOptions) {
        precondition(options.batchSize >= 1, "BatchJob: batch size must be ≥ 1, got \(options.batchSize)")
        precondition(options.maximumLineBytes >= 1, "BatchJob: line limit must be ≥ 1, got \(options.maximumLineBytes)")
        self.model = model
        self.options = options
    }

    /// Loads the model behind `source` — a folder path, or a registry reference (`name`, `name@3`,
    /// `name@production`) resolved by `resolver` — as a ``ServedModel`` named after the folder or the
    /// registry name. With `task` nil the folder decides (a classifier head → text-classification).
    public static func loadModel(source: String, task: ServedTask? = nil, resolver: ModelSourceResolver,
                                 batchSize: Int = 32) throws -> ServedModel {
        let resolved = try resolver.resolve(source)
        let name = ModelSpecification.isFolderPath(source)
            ? resolved.folder.lastPathComponent
            : String(source.split(separator: "@", maxSplits: 1).first ?? Substring(source))
        return try ServedModel(name: name, version: resolved.version, source: source, folder: resolved.folder,
                               task: task, batchSize: batchSize)
    }

    /// Lines in `url` (a last line without a newline counts): the progress total.
    public static func countLines(in url: URL) throws -> Int {
        try InputLineReader.countLines(in: url)
    }

    /// Runs the job to the end (resuming an interrupted run when its checkpoint matches the input).
    /// `progress` is called with (lines done, lines in the file) once at the start and after every batch.
    @discardableResult
    public func run(progress: ((_ done: Int, _ total: Int) -> Void)? = nil) throws -> BatchJobSummary {
        try run(progress: progress, afterBatch: nil)
    }

    /// ``run(progress:)`` with a hook called after each checkpoint with the number of batches this run
    /// has finished; a hook that throws stops the job there, as a kill would (for tests).
    func run(progress: ((_ done: Int, _ total: Int) -> Void)?,
             afterBatch: ((_ batches: Int) throws -> Void)?) throws -> BatchJobSummary {
        let clock = ContinuousClock()
        let started = clock.now
        var checkpoint = try prepareFiles()
        let resumedAfterLine = checkpoint.linesDone
        let total = progress == nil ? nil : try Self.countLines(in: options.input)
        if let total { progress?(checkpoint.linesDone, total) }

        let output = try openForAppending(options.output)
        defer { try? output.close() }
        let errors = try openForAppending(options.errorsFile)
        defer { try? errors.close() }
        var reader = try InputLineReader(url: options.input, offset: checkpoint.inputOffset,
                                         lineNumber: checkpoint.linesDone, maximumLineBytes: options.maximumLineBytes)
        defer { reader.close() }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "Infinity",
                                                                      negativeInfinity: "-Infinity", nan: "NaN")
        var textsThisRun = 0
        var batches = 0
        while true {
            var lines: [(InputLine, BatchRecord)] = []
            while lines.count < options.batchSize, let line = try reader.next() {
                lines.append((line, BatchRecord(line, options: options)))
            }
            if lines.isEmpty { break }
            let good = lines.compactMap { line, record -> (Int, [String: JSONValue], String)? in
                if case .good(let object, let text) = record { return (line.number, object, text) }
                return nil
            }
            let results = try model.run(good.map { model.tokenize($0.2) })
            var outputBytes = Data()
            for ((number, object, _), result) in zip(good, results) {
                outputBytes.append(try encoder.encode(JSONValue.object(merge(object, line: number, result: result))))
                outputBytes.append(UInt8(ascii: "\n"))
            }
            var errorBytes = Data()
            for (line, record) in lines {
                guard case .bad(let message) = record else { continue }
                let entry: [String: JSONValue] = ["line": .integer(line.number), "error": .string(message),
                                                  "input": .string(BatchRecord.excerpt(line))]
                errorBytes.append(try encoder.encode(JSONValue.object(entry)))
                errorBytes.append(UInt8(ascii: "\n"))
            }
            try append(outputBytes, to: output, path: options.output)
            if !errorBytes.isEmpty { try append(errorBytes, to: errors, path: options.errorsFile) }
            checkpoint.linesDone = reader.lineNumber
            checkpoint.inputOffset = reader.offset
            checkpoint.outputBytes += outputBytes.count
            checkpoint.errorsBytes += errorBytes.count
            checkpoint.succeeded += good.count
            checkpoint.failed += lines.count - good.count
            try checkpoint.write(to: options.progressFile)
            textsThisRun += good.count
            batches += 1
            if let total { progress?(checkpoint.linesDone, max(total, checkpoint.linesDone)) }
            try afterBatch?(batches)
        }
        try? FileManager.default.removeItem(at: options.progressFile)
        try? AtomicFile.synchronizeDirectory(options.progressFile.deletingLastPathComponent())  // the removal is durable
        let elapsed = clock.now - started
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
        return BatchJobSummary(lines: checkpoint.linesDone, succeeded: checkpoint.succeeded, failed: checkpoint.failed,
                               resumedAfterLine: resumedAfterLine, seconds: seconds,
                               textsPerSecond: seconds > 0 ? Double(textsThisRun) / seconds : 0)
    }

    /// The input record with `"line"` and the result fields set.
    func merge(_ object: [String: JSONValue], line: Int, result: InferenceOutput) -> [String: JSONValue] {
        var record = object
        record["line"] = .integer(line)
        switch result {
        case .classification(let classification):
            record["prediction"] = .integer(model.labels.firstIndex(of: classification.label) ?? 0)
            record["label"] = .string(classification.label)
            record["confidence"] = .float(classification.score)
            var probabilities: [String: JSONValue] = [:]
            for entry in classification.probabilities { probabilities[entry.label] = .float(entry.score) }
            record["probabilities"] = .object(probabilities)
        case .embedding(let vector):
            record["embedding"] = .array(vector.map { .float($0) })
        }
        return record
    }

    /// Decides where to start: a matching checkpoint (files cut back to its sizes), or a fresh start
    /// (refused when it would overwrite a non-empty output or errors file, unless `restart`).
    func prepareFiles() throws -> BatchCheckpoint {
        let manager = FileManager.default
        let input = options.input
        guard manager.fileExists(atPath: input.path) else {
            throw BatchJobError(path: input.path, message: "no such input file")
        }
        let inputPath = input.standardizedFileURL.resolvingSymlinksInPath().path
        for file in [options.output, options.errorsFile, options.progressFile]
        where file.standardizedFileURL.resolvingSymlinksInPath().path == inputPath {
            throw BatchJobError(path: file.path, message: "the output would overwrite the input; choose another --output")
        }
        let folder = options.output.deletingLastPathComponent()
        do {
            try manager.createDirectory(at: folder, withIntermediateDirectories: true)
        } catch {
            throw BatchJobError(path: folder.path, message: "cannot create the output folder: \(error.localizedDescription)")
        }
        let fingerprint = try BatchCheckpoint.fingerprint(of: input)
        let fresh = BatchCheckpoint(inputFingerprint: fingerprint, linesDone: 0, inputOffset: 0, outputBytes: 0,
                                    errorsBytes: 0, succeeded: 0, failed: 0)
        if !options.restart, let saved = try BatchCheckpoint.read(from: options.progressFile) {
            guard saved.inputFingerprint == fingerprint else {
                throw BatchJobError(path: options.progressFile.path,
                    message: "this progress file belongs to another input (the first 4 KiB of \(input.path) differ); "
                        + "rerun with --restart to start over")
            }
            guard try fileSize(input) >= saved.inputOffset else {
                throw BatchJobError(path: input.path,
                    message: "the input is shorter than the progress file says (\(saved.inputOffset) bytes done); "
                        + "rerun with --restart to start over")
            }
            for (file, size) in [(options.output, saved.outputBytes), (options.errorsFile, saved.errorsBytes)] {
                let existing = manager.fileExists(atPath: file.path) ? try fileSize(file) : 0
                guard existing >= size else {
                    throw BatchJobError(path: file.path,
                        message: "the file has \(existing) bytes but the progress file records \(size); "
                            + "rerun with --restart to start over")
                }
                try truncate(file, to: size)
            }
            return saved
        }
        if !options.restart {
            for file in [options.output, options.errorsFile] where manager.fileExists(atPath: file.path) {
                if try fileSize(file) > 0 {
                    throw BatchJobError(path: file.path,
                        message: "the file exists and there is no progress file to resume from; "
                            + "rerun with --restart to overwrite it, or choose another --output")
                }
            }
        }
        try fresh.write(to: options.progressFile)
        try truncate(options.output, to: 0)
        try truncate(options.errorsFile, to: 0)
        return fresh
    }

    private func fileSize(_ url: URL) throws -> Int {
        do {
            let attributes = try FileManager.default.attributesOfItem(atPath: url.path)
            return (attributes[.size] as? NSNumber)?.intValue ?? 0
        } catch {
            throw BatchJobError(path: url.path, message: "cannot read the file's size: \(error.localizedDescription)")
        }
    }

    /// Creates `url` if needed and cuts it to `size` bytes, durably.
    private func truncate(_ url: URL, to size: Int) throws {
        do {
            if !FileManager.default.fileExists(atPath: url.path) {
                guard FileManager.default.createFile(atPath: url.path, contents: nil) else {
                    throw BatchJobError(path: url.path, message: "cannot create the file")
                }
            }
            let handle = try FileHandle(forWritingTo: url)
            defer { try? handle.close() }
            try handle.truncate(atOffset: UInt64(size))
            try handle.synchronize()
        } catch let error as BatchJobError {
            throw error
        } catch {
            throw BatchJobError(path: url.path, message: "cannot write the file: \(error.localizedDescription)")
        }
    }

    private func openForAppending(_ url: URL) throws -> FileHandle {
        do {
            let handle = try FileHandle(forWritingTo: url)
            try handle.seekToEnd()
            return handle
        } catch {
            throw BatchJobError(path: url.path, message: "cannot open the file for writing: \(error.localizedDescription)")
        }
    }

    /// Appends and fsyncs.
    private func append(_ data: Data, to handle: FileHandle, path: URL) throws {
        do {
            if !data.isEmpty { try handle.write(contentsOf: data) }
            try handle.synchronize()
        } catch {
            throw BatchJobError(path: path.path, message: "cannot write the file: \(error.localizedDescription)")
        }
    }
}
