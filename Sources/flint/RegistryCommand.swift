import ArgumentParser
import Foundation
import FlintServe
import FlintSupport
#if canImport(Glibc)
import Glibc
#endif

/// `flint registry push|list|show|alias|rm|verify`: the embedded model registry.
struct RegistryCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "registry",
        abstract: "Manage the model registry (versions, aliases, sha256 of every file).",
        discussion: """
            The registry is a folder ($FLINT_HOME/registry, else ~/.flint/registry, or --root) with an \
            SQLite index. Versions are 1, 2, 3… per name; references are NAME (alias production when set, \
            else the latest version), NAME@VERSION or NAME@ALIAS. A version is a Hugging Face model folder or \
            a GGUF file (flint generate/chat/perplexity/inspect/tokenize --model NAME@VERSION load it).
            """,
        subcommands: [RegistryPushCommand.self, RegistryListCommand.self, RegistryShowCommand.self,
                      RegistryAliasCommand.self, RegistryRemoveCommand.self, RegistryVerifyCommand.self]
    )
}

/// The `--root` option shared by the registry subcommands.
struct RegistryOptions: ParsableArguments {
    @Option(help: "Registry folder (default: $FLINT_HOME/registry, else ~/.flint/registry).")
    var root: String?

    /// Opens the registry.
    func open() throws -> ModelRegistry {
        try ModelRegistry(root: root.map { URL(fileURLWithPath: ($0 as NSString).expandingTildeInPath, isDirectory: true) })
    }
}

/// Formatting shared by the registry subcommands.
enum RegistryFormat {
    /// Pretty, key-sorted JSON.
    static func json<Value: Encodable>(_ value: Value) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    }

    /// `12.3 MB`.
    static func bytes(_ count: Int64) -> String { DownloadDisplay.bytes(count) }

    /// What `push` and `show` print about a GGUF version (labels padded to 14 columns).
    static func ggufLines(_ gguf: RegistryGGUFDescription) -> [String] {
        var lines = [
            "architecture: \(gguf.architecture ?? "(none)")" + (gguf.modelName.map { " (\($0))" } ?? ""),
            "parameters:   \(gguf.parameterCount) (\(String(format: "%.1f", Double(gguf.parameterCount) / 1e6)) M)",
            "quantization: \(gguf.quantization)",
            "context:      " + (gguf.contextLength.map { "\($0) tokens" } ?? "(not in the metadata)"),
        ]
        var tokenizer = gguf.tokenizer ?? "(none)"
        if let pre = gguf.preTokenizer { tokenizer += ", pre-tokenizer \(pre)" }
        if let size = gguf.vocabularySize { tokenizer += ", \(size) tokens" }
        tokenizer += gguf.hasChatTemplate ? ", chat template" : ", no chat template"
        lines.append("tokenizer:    " + tokenizer)
        lines.append("file:         \(gguf.file) (GGUF v\(gguf.ggufVersion))")
        return lines
    }

    /// Metrics as `key=value` pairs, sorted.
    static func metrics(_ metrics: [String: Double]) -> String {
        metrics.keys.sorted().map { key in
            let value = metrics[key]!
            return value == value.rounded() && abs(value) < 1e12 ? "\(key)=\(Int64(value))" : "\(key)=\(String(format: "%.6g", value))"
        }.joined(separator: " ")
    }
}

/// `flint registry push NAME FOLDER|FILE.gguf`.
struct RegistryPushCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "push",
        abstract: "Add a model folder or a GGUF file as the next version of NAME (atomic: a killed push leaves no version).",
        discussion: """
            FOLDER is a Hugging Face model folder (config.json, weights, tokenizer files; sub-folders such as \
            1_Pooling/ are kept; the Trainer's checkpoint-N/ and runs/ are skipped). Metrics come from \
            test_results.json / eval_results.json / all_results.json and trainer_state.json, the training \
            run from training_args.json, the data hash from training_data.json (all written by flint finetune).
            A file is a GGUF model (a local language model): its header is validated first (a corrupt or \
            truncated file is refused, naming the field and byte offset, and nothing is written), then the file \
            is copied and hashed like a folder's files; the version records its architecture, parameter count, \
            quantization and context length (flint registry show).
            """)

    @OptionGroup var options: RegistryOptions
    @Argument(help: "Model name: letters, digits, '.', '_', '-' (at most 64).")
    var name: String
    @Argument(help: "The model folder, or a .gguf file.")
    var folder: String
    @Option(name: .customLong("metric"), help: "Extra metric KEY=VALUE to record (repeatable).")
    var metrics: [String] = []
    @Option(help: "The training run to record (overrides training_args.json).")
    var trainingRun: String?

    func run() throws {
        var metadata = RegistryPushMetadata(trainingRun: trainingRun)
        for pair in metrics {
            let parts = pair.split(separator: "=", maxSplits: 1).map(String.init)
            guard parts.count == 2, let value = Double(parts[1]) else {
                throw ValidationError("--metric '\(pair)': expected KEY=NUMBER")
            }
            metadata.metrics[parts[0]] = value
        }
        let registry = try options.open()
        let isTerminal = isatty(STDERR_FILENO) == 1
        var bar: ProgressBar? = nil
        let path = (folder as NSString).expandingTildeInPath
        var isDirectory: ObjCBool = false
        let exists = FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory)
        // A file, or a missing path named like one, is a GGUF push (its error then says "no such file").
        let isFile = exists ? !isDirectory.boolValue : path.lowercased().hasSuffix(".gguf")
        let report: (RegistryPushProgress) -> Void = { progress in
            if isTerminal && progress.totalBytes >= 32_000_000 {
                // A bar in kB over all files.
                if bar == nil { bar = ProgressBar(total: Int(progress.totalBytes / 1000), label: "push", isTerminal: true) }
                bar?.advance(by: Int(progress.completedBytes / 1000) - (bar?.completed ?? 0), status: progress.path)
            } else if progress.fileBytes >= 1_000_000 {
                let line = "  [\(progress.fileIndex)/\(progress.fileCount)] \(progress.path) (\(RegistryFormat.bytes(progress.fileBytes)))\n"
                FileHandle.standardError.write(Data(line.utf8))
            }
        }
        let pushed = isFile
            ? try registry.push(name: name, file: URL(fileURLWithPath: path), metadata: metadata, progress: report)
            : try registry.push(name: name, folder: URL(fileURLWithPath: path, isDirectory: true), metadata: metadata, progress: report)
        bar?.finish()
        print("Pushed \(pushed.reference): \(pushed.files.count) file\(pushed.files.count == 1 ? "" : "s"), "
              + "\(RegistryFormat.bytes(pushed.totalBytes)), task \(pushed.task), format \(pushed.format.rawValue)")
        if let gguf = pushed.gguf {
            for line in RegistryFormat.ggufLines(gguf) { print("  " + line) }
        }
        if !pushed.metrics.isEmpty { print("  metrics: \(RegistryFormat.metrics(pushed.metrics))") }
        if let run = pushed.trainingRun { print("  training run: \(run)") }
        if let hash = pushed.dataSHA256 { print("  data sha256: \(hash)") }
        print("  folder: \(pushed.folder.path)")
    }
}

/// `flint registry list`.
struct RegistryListCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "List models, their latest versions and aliases.")

    @OptionGroup var options: RegistryOptions
    @Flag(help: "Print JSON.")
    var json = false

    func run() throws {
        let models = try options.open().list()
        if json {
            print(try RegistryFormat.json(models))
            return
        }
        guard !models.isEmpty else {
            print("No models in the registry.")
            return
        }
        let width = max(4, models.map(\.name.count).max() ?? 0)
        print("NAME".padding(toLength: width, withPad: " ", startingAt: 0) + "  LATEST  VERSIONS  FORMAT       ALIASES")
        for model in models {
            let aliases = model.aliases.sorted { $0.key < $1.key }.map { "\($0.key)→\($0.value)" }.joined(separator: " ")
            print(model.name.padding(toLength: width, withPad: " ", startingAt: 0) + "  "
                  + String(model.latestVersion).padding(toLength: 6, withPad: " ", startingAt: 0) + "  "
                  + String(model.versionCount).padding(toLength: 8, withPad: " ", startingAt: 0) + "  "
                  + model.format.rawValue.padding(toLength: 11, withPad: " ", startingAt: 0) + "  " + aliases)
        }
    }
}

/// `flint registry show NAME[@VERSION|@ALIAS]`.
struct RegistryShowCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "show", abstract: "Show one version: metadata, metrics and files with sha256.")

    @OptionGroup var options: RegistryOptions
    @Argument(help: "NAME, NAME@VERSION or NAME@ALIAS.")
    var reference: String
    @Flag(help: "Print JSON.")
    var json = false

    func run() throws {
        let registry = try options.open()
        let version = try registry.show(reference)
        if json {
            print(try RegistryFormat.json(version))
            return
        }
        let all = try registry.versions(of: version.name).map { String($0.version) }
        print("\(version.reference)" + (version.aliases.isEmpty ? "" : " (\(version.aliases.joined(separator: ", ")))"))
        print("  created:      \(version.createdAt)")
        print("  task:         \(version.task)")
        print("  format:       \(version.format.rawValue)")
        if let gguf = version.gguf {
            for line in RegistryFormat.ggufLines(gguf) { print("  " + line) }
        }
        if let labels = version.labels { print("  labels:       \(labels.joined(separator: ", "))") }
        print("  source:       \(version.sourcePath)")
        print("  folder:       \(version.folder.path)")
        print("  size:         \(RegistryFormat.bytes(version.totalBytes)) in \(version.files.count) file\(version.files.count == 1 ? "" : "s")")
        if !version.metrics.isEmpty { print("  metrics:      \(RegistryFormat.metrics(version.metrics))") }
        if let run = version.trainingRun { print("  training run: \(run)") }
        if let hash = version.dataSHA256 { print("  data sha256:  \(hash)") }
        print("  versions:     \(all.joined(separator: ", "))")
        print("  files:")
        for file in version.files {
            print("    \(file.sha256)  \(file.path) (\(RegistryFormat.bytes(file.size)))")
        }
    }
}

/// `flint registry alias NAME@VERSION ALIAS` (or `--remove NAME ALIAS`).
struct RegistryAliasCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "alias",
        abstract: "Point ALIAS (production, staging, …) of a model at a version, or remove it with --remove.")

    @OptionGroup var options: RegistryOptions
    @Argument(help: "NAME@VERSION (NAME alone with --remove).")
    var reference: String
    @Argument(help: "The alias: [a-z][a-z0-9_-]*.")
    var alias: String
    @Flag(help: "Remove the alias instead.")
    var remove = false

    func run() throws {
        let registry = try options.open()
        let parsed = try RegistryReference(parsing: reference)
        if remove {
            let version = try registry.removeAlias(name: parsed.name, alias: alias)
            print("Removed \(parsed.name)@\(alias) (was version \(version))")
            return
        }
        guard case .version(let version) = parsed.selector else {
            throw ValidationError("'\(reference)': expected NAME@VERSION with a version number")
        }
        let previous = try registry.setAlias(name: parsed.name, version: version, alias: alias)
        if let previous, previous != version {
            print("\(parsed.name)@\(alias) → \(version) (was \(previous))")
        } else {
            print("\(parsed.name)@\(alias) → \(version)")
        }
    }
}

/// `flint registry rm NAME[@VERSION]`.
struct RegistryRemoveCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rm",
        abstract: "Remove a version (NAME@VERSION) or every version of a model (NAME).",
        discussion: "A version an alias points at is kept unless --force, which removes the alias too. Version numbers are never reused.")

    @OptionGroup var options: RegistryOptions
    @Argument(help: "NAME or NAME@VERSION.")
    var reference: String
    @Flag(help: "Also remove aliases pointing at the versions removed.")
    var force = false

    func run() throws {
        let registry = try options.open()
        let parsed = try RegistryReference(parsing: reference)
        switch parsed.selector {
        case .version(let version):
            let aliases = try registry.remove(name: parsed.name, version: version, force: force)
            print("Removed \(parsed.name)@\(version)" + (aliases.isEmpty ? "" : " and alias\(aliases.count == 1 ? "" : "es") \(aliases.joined(separator: ", "))"))
        case .defaultVersion:
            let versions = try registry.remove(name: parsed.name, force: force)
            print("Removed \(parsed.name): versions \(versions.map(String.init).joined(separator: ", "))")
        case .alias:
            throw ValidationError("'\(reference)': rm takes NAME or NAME@VERSION, not an alias")
        }
    }
}

/// `flint registry verify REF`.
struct RegistryVerifyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Re-hash a version's files and compare with the sha256 recorded at push (exit 1 on a mismatch).")

    @OptionGroup var options: RegistryOptions
    @Argument(help: "NAME, NAME@VERSION or NAME@ALIAS.")
    var reference: String

    func run() throws {
        let result = try options.open().verify(reference)
        for mismatch in result.mismatches { print("MISMATCH \(mismatch)") }
        for path in result.unexpectedFiles { print("UNEXPECTED \(path): not recorded at push") }
        if result.isIntact {
            print("\(result.model.reference): all \(result.model.files.count) files match their sha256")
        } else {
            print("\(result.model.reference): \(result.mismatches.count) mismatched, \(result.unexpectedFiles.count) unexpected")
            throw ExitCode(1)
        }
    }
}
