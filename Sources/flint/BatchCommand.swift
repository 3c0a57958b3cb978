import ArgumentParser
import Foundation
import FlintServe
import FlintSupport

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
        """)

    @Option(name: .long, help: "A model folder or a registry reference NAME[@VERSION|@ALIAS].")
    var model: String

    @Option(name: .long, help: "The input JSON Lines file.")
    var input: String

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
        let model: ServedModel
        do {
            model = try BatchJob.loadModel(source: self.model, task: task.flatMap(ServedTask.init(rawValue:)),
                                           resolver: RegistryResolution.resolver(for: configuration), batchSize: batchSize)
        } catch let error as ServeConfigurationError {
            throw ValidationError(error.description)
        }
        let options = BatchJobOptions(input: URL(fileURLWithPath: input), output: URL(fileURLWithPath: output),
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
}
