import Foundation
import Testing
import FlintModels
@testable import FlintServe
import FlintSupport

/// A temporary registry root and model folders, removed at the end of the test.
private final class RegistrySandbox {
    let directory: URL
    var root: URL { directory.appendingPathComponent("registry", isDirectory: true) }

    init() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("flint-registry-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(at: directory) }

    func open() throws -> ModelRegistry { try ModelRegistry(root: root) }

    /// A model folder with a config.json and `files` (relative path → contents).
    func modelFolder(_ name: String = "model-\(UUID().uuidString)", config: String? = nil, files: [String: String] = [:]) throws -> URL {
        let folder = directory.appendingPathComponent(name, isDirectory: true)
        var all = files
        all["config.json"] = config ?? #"{"architectures": ["BertModel"], "hidden_size": 8}"#
        for (path, contents) in all {
            let url = folder.appendingPathComponent(path)
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try Data(contents.utf8).write(to: url)
        }
        return folder
    }

    /// Entries of `<root>/.staging`.
    func stagingEntries() throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: root.appendingPathComponent(".staging").path).sorted()
    }

    /// Entries of `<root>/models/<name>`.
    func versionFolders(_ name: String) throws -> [String] {
        let url = root.appendingPathComponent("models/\(name)")
        guard FileManager.default.fileExists(atPath: url.path) else { return [] }
        return try FileManager.default.contentsOfDirectory(atPath: url.path).sorted()
    }
}

private struct InjectedFailure: Error {}

/// The error a throwing expression throws, as a ``RegistryError``.
private func registryError(_ body: () throws -> Void) -> RegistryError? {
    do {
        try body()
        return nil
    } catch let error as RegistryError {
        return error
    } catch {
        Issue.record("expected a RegistryError, got \(error)")
        return nil
    }
}

@Suite struct ModelRegistryTests {
    @Test func defaultRootFollowsFlintHomeThenHome() {
        #expect(ModelRegistry.defaultRoot(environment: ["FLINT_HOME": "/srv/flint", "HOME": "/home/a"]).path == "/srv/flint/registry")
        #expect(ModelRegistry.defaultRoot(environment: ["HOME": "/home/a"]).path == "/home/a/.flint/registry")
        #expect(ModelRegistry.defaultRoot(environment: ["FLINT_HOME": "", "HOME": "/home/a"]).path == "/home/a/.flint/registry")
    }

    @Test func pushRecordsFilesHashesAndMetadata() throws {
        let sandbox = try RegistrySandbox()
        let registry = try sandbox.open()
        let weights = String(repeating: "weights!", count: 1000)
        let folder = try sandbox.modelFolder(
            config: #"{"architectures": ["BertForSequenceClassification"], "id2label": {"1": "pos", "0": "neg"}}"#,
            files: [
                "model.safetensors": weights,
                "1_Pooling/config.json": #"{"pooling_mode_mean_tokens": true}"#,
                "test_results.json": #"{"test_accuracy": 0.9, "test_f1": 0.875, "epoch": 3, "note": "text is skipped"}"#,
                "trainer_state.json": #"{"best_metric": 0.91, "global_step": 30}"#,
                "training_args.json": #"{"output_dir": "runs/reviews", "learning_rate": 5e-5}"#,
                "training_data.json": #"{"data_sha256": "abc123", "source": "reviews.csv"}"#,
                "checkpoint-6/model.safetensors": "old weights",
                "runs/events.out.tfevents": "tensorboard",
                ".hidden": "skipped",
            ])
        let pushed = try registry.push(name: "reviews", folder: folder)
        #expect(pushed.name == "reviews")
        #expect(pushed.version == 1)
        #expect(pushed.task == "text-classification")
        #expect(pushed.labels == ["neg", "pos"])
        #expect(pushed.metrics == ["test_accuracy": 0.9, "test_f1": 0.875, "epoch": 3, "best_metric": 0.91])
        #expect(pushed.trainingRun == "runs/reviews")
        #expect(pushed.dataSHA256 == "abc123")
        #expect(pushed.sourcePath == folder.standardizedFileURL.path)
        #expect(pushed.aliases.isEmpty)
        #expect(pushed.files.map(\.path) == ["1_Pooling/config.json", "config.json", "model.safetensors", "test_results.json",
                                              "trainer_state.json", "training_args.json", "training_data.json"])
        let weightsRecord = try #require(pushed.files.first { $0.path == "model.safetensors" })
        #expect(weightsRecord.size == 8000)
        #expect(weightsRecord.sha256 == SHA256.hexDigest(Data(weights.utf8)))
        #expect(pushed.totalBytes == pushed.files.reduce(0) { $0 + $1.size })
        #expect(ISO8601DateFormatter().date(from: pushed.createdAt) != nil)
        #expect(abs(ISO8601DateFormatter().date(from: pushed.createdAt)!.timeIntervalSinceNow) < 60)

        // The files are in models/<name>/<version>, sub-folders kept, byte for byte.
        #expect(pushed.folder.path == sandbox.root.appendingPathComponent("models/reviews/1").path)
        for file in pushed.files {
            let copy = try Data(contentsOf: pushed.folder.appendingPathComponent(file.path))
            let original = try Data(contentsOf: folder.appendingPathComponent(file.path))
            #expect(copy == original, "\(file.path)")
        }
        #expect(!FileManager.default.fileExists(atPath: pushed.folder.appendingPathComponent("checkpoint-6").path))
        #expect(try sandbox.stagingEntries().isEmpty)

        // Show and a reopened registry return the same record.
        #expect(try registry.show("reviews@1") == pushed)
        #expect(try sandbox.open().show("reviews") == pushed)
    }

    @Test func featureExtractionWithoutLabelsAndPushMetadataOverrides() throws {
        let sandbox = try RegistrySandbox()
        let registry = try sandbox.open()
        let folder = try sandbox.modelFolder(files: ["test_results.json": #"{"test_accuracy": 0.5}"#,
                                                     "training_args.json": #"{"output_dir": "a", "run_name": "run-7"}"#])
        let pushed = try registry.push(name: "embedder", folder: folder,
                                       metadata: RegistryPushMetadata(metrics: ["test_accuracy": 0.75, "mrr": 0.5], dataSHA256: "ff"))
        #expect(pushed.task == "feature-extraction")
        #expect(pushed.labels == nil)
        #expect(pushed.metrics["best_metric"] == nil)
        #expect(pushed.metrics == ["test_accuracy": 0.75, "mrr": 0.5])
        #expect(pushed.trainingRun == "run-7")
        #expect(pushed.dataSHA256 == "ff")
    }

    @Test func bestMetricFromTheNewestCheckpointWhenTheFolderHasNoTrainerState() throws {
        let sandbox = try RegistrySandbox()
        let registry = try sandbox.open()
        let folder = try sandbox.modelFolder(files: [
            "checkpoint-20/trainer_state.json": #"{"best_metric": 0.8}"#,
            "checkpoint-100/trainer_state.json": #"{"best_metric": 0.93}"#,
            "checkpoint-9/trainer_state.json": #"{"best_metric": 0.5}"#,
        ])
        let pushed = try registry.push(name: "m", folder: folder)
        #expect(pushed.metrics == ["best_metric": 0.93])
        #expect(pushed.files.map(\.path) == ["config.json"])
    }

    @Test func resolveFollowsVersionsAndAliases() throws {
        let sandbox = try RegistrySandbox()
        let registry = try sandbox.open()
        for _ in 0..<3 { try registry.push(name: "topics", folder: try sandbox.modelFolder()) }
        try registry.push(name: "other", folder: try sandbox.modelFolder())

        // NAME alone: latest version while there is no production alias.
        var resolved = try registry.resolve("topics")
        #expect(resolved.version == 3 && resolved.alias == nil)
        #expect(resolved.folder == registry.folder(name: "topics", version: 3))
        #expect(resolved.files.map(\.path) == ["config.json"])
        #expect(resolved.files[0].sha256 == SHA256.hexDigest(Data(#"{"architectures": ["BertModel"], "hidden_size": 8}"#.utf8)))

        #expect(try registry.setAlias(name: "topics", version: 1, alias: "production") == nil)
        try registry.setAlias(name: "topics", version: 2, alias: "staging")
        resolved = try registry.resolve("topics")
        #expect(resolved.version == 1 && resolved.alias == "production")
        #expect(try registry.resolve("topics@staging").version == 2)
        #expect(try registry.resolve("topics@3").version == 3)
        #expect(try registry.resolve("topics@3").alias == nil)

        // Moving an alias; the move is visible to the next resolve (what a server reload does).
        #expect(try registry.setAlias(name: "topics", version: 3, alias: "production") == 1)
        #expect(try registry.resolve("topics").version == 3)
        #expect(try registry.show("topics@3").aliases == ["production"])

        let list = try registry.list()
        #expect(list == [RegistryModelSummary(name: "other", latestVersion: 1, versionCount: 1, aliases: [:]),
                         RegistryModelSummary(name: "topics", latestVersion: 3, versionCount: 3,
                                              aliases: ["production": 3, "staging": 2])])
        #expect(try registry.versions(of: "topics").map(\.version) == [1, 2, 3])

        #expect(try registry.removeAlias(name: "topics", alias: "production") == 3)
        #expect(try registry.resolve("topics").alias == nil)
        #expect(registryError { try registry.removeAlias(name: "topics", alias: "production") } == .unknownAlias(name: "topics", alias: "production"))
    }

    @Test func unknownAndInvalidReferencesAreClearErrors() throws {
        let sandbox = try RegistrySandbox()
        let registry = try sandbox.open()
        try registry.push(name: "topics", folder: try sandbox.modelFolder())

        let unknownModel = registryError { _ = try registry.resolve("nope") }
        #expect(unknownModel == .unknownModel(name: "nope", root: sandbox.root.path))
        #expect(unknownModel?.isNotFound == true)
        #expect(unknownModel.map { "\($0)" }?.contains("'nope'") == true)
        #expect(registryError { _ = try registry.resolve("topics@7") } == .unknownVersion(name: "topics", version: 7))
        #expect(registryError { _ = try registry.resolve("topics@staging") } == .unknownAlias(name: "topics", alias: "staging"))
        #expect(registryError { _ = try registry.resolve("nope@staging") } == .unknownModel(name: "nope", root: sandbox.root.path))
        #expect(registryError { try registry.setAlias(name: "topics", version: 2, alias: "production") } == .unknownVersion(name: "topics", version: 2))
        #expect(registryError { _ = try registry.versions(of: "nope") }?.isNotFound == true)

        for reference in ["topics@", "@1", "topics@0", "to/pics", "../x", ".hidden", "topics@Prod"] {
            let error = registryError { _ = try registry.resolve(reference) }
            #expect(error != nil && error?.isNotFound == false, "\(reference)")
        }
        #expect(registryError { try registry.setAlias(name: "topics", version: 1, alias: "123") } == .invalidAlias("123"))
        #expect(registryError { try registry.setAlias(name: "topics", version: 1, alias: "Production") } == .invalidAlias("Production"))
        try registry.setAlias(name: "topics", version: 1, alias: "canary-2_b")
        #expect(registryError { _ = try registry.push(name: String(repeating: "a", count: 65), folder: sandbox.directory) }
                == .invalidName(String(repeating: "a", count: 65)))
        #expect(throws: Never.self) { try RegistryReference.validate(name: String(repeating: "a", count: 64)) }
    }

    @Test func invalidFoldersNameThePath() throws {
        let sandbox = try RegistrySandbox()
        let registry = try sandbox.open()
        let missing = sandbox.directory.appendingPathComponent("missing")
        #expect(registryError { _ = try registry.push(name: "m", folder: missing) } == .invalidFolder(path: missing.path, reason: "no such folder"))

        let empty = sandbox.directory.appendingPathComponent("empty")
        try FileManager.default.createDirectory(at: empty, withIntermediateDirectories: true)
        let noConfig = registryError { _ = try registry.push(name: "m", folder: empty) }
        #expect("\(noConfig!)".contains(empty.path) && "\(noConfig!)".contains("config.json"))

        let badMetrics = try sandbox.modelFolder(files: ["trainer_state.json": #"{"best_metric": "high"}"#])
        let error = registryError { _ = try registry.push(name: "m", folder: badMetrics) }
        #expect("\(error!)".contains(badMetrics.appendingPathComponent("trainer_state.json").path))
        #expect("\(error!)".contains("best_metric"))

        let badConfig = try sandbox.modelFolder(config: "{not json")
        #expect("\(registryError { _ = try registry.push(name: "m", folder: badConfig) }!)".contains("config.json"))
        #expect(try registry.list().isEmpty)
        #expect(try sandbox.stagingEntries().isEmpty)
    }

    @Test func removeRespectsAliasesAndNeverReusesVersions() throws {
        let sandbox = try RegistrySandbox()
        let registry = try sandbox.open()
        for _ in 0..<2 { try registry.push(name: "topics", folder: try sandbox.modelFolder()) }
        try registry.setAlias(name: "topics", version: 2, alias: "production")

        #expect(registryError { try registry.remove(name: "topics", version: 2) }
                == .versionHasAliases(name: "topics", version: 2, aliases: ["production"]))
        #expect(FileManager.default.fileExists(atPath: registry.folder(name: "topics", version: 2).path))
        #expect(try registry.remove(name: "topics", version: 2, force: true) == ["production"])
        #expect(!FileManager.default.fileExists(atPath: registry.folder(name: "topics", version: 2).path))
        #expect(registryError { _ = try registry.resolve("topics@production") } == .unknownAlias(name: "topics", alias: "production"))
        #expect(try registry.resolve("topics").version == 1)

        // Version 2 is gone but its number is not reused.
        #expect(try registry.push(name: "topics", folder: try sandbox.modelFolder()).version == 3)
        #expect(try registry.versions(of: "topics").map(\.version) == [1, 3])

        try registry.setAlias(name: "topics", version: 1, alias: "staging")
        #expect(registryError { try registry.remove(name: "topics") } == .versionHasAliases(name: "topics", version: 1, aliases: ["staging"]))
        #expect(try registry.remove(name: "topics", force: true) == [1, 3])
        #expect(try registry.list().isEmpty)
        #expect(try sandbox.versionFolders("topics").isEmpty)
        #expect(try sandbox.stagingEntries().isEmpty)
        #expect(registryError { try registry.remove(name: "topics", version: 1) } == .unknownModel(name: "topics", root: sandbox.root.path))
        #expect(try registry.push(name: "topics", folder: try sandbox.modelFolder()).version == 4)
    }

    @Test func verifyFindsChangedMissingAndAddedFiles() throws {
        let sandbox = try RegistrySandbox()
        let registry = try sandbox.open()
        let pushed = try registry.push(name: "m", folder: try sandbox.modelFolder(files: ["a.bin": "aaaa", "sub/b.bin": "bbbb"]))
        #expect(try registry.verify("m").isIntact)

        try Data("aaab".utf8).write(to: pushed.folder.appendingPathComponent("a.bin"))
        try FileManager.default.removeItem(at: pushed.folder.appendingPathComponent("sub/b.bin"))
        try Data("new".utf8).write(to: pushed.folder.appendingPathComponent("extra.txt"))
        let result = try registry.verify("m@1")
        #expect(!result.isIntact)
        #expect(result.mismatches.map(\.path) == ["a.bin", "sub/b.bin"])
        #expect(result.mismatches[0].actualSHA256 == SHA256.hexDigest(Data("aaab".utf8)))
        #expect(result.mismatches[0].expectedSHA256 == SHA256.hexDigest(Data("aaaa".utf8)))
        #expect(result.mismatches[1].actualSHA256 == nil)
        #expect(result.unexpectedFiles == ["extra.txt"])
    }

    // MARK: - Atomicity

    @Test func failedCopyLeavesNoVersionAndNoStaging() throws {
        let sandbox = try RegistrySandbox()
        let registry = try sandbox.open()
        let folder = try sandbox.modelFolder(files: ["a.bin": "a", "b.bin": "b", "c.bin": "c"])
        var copied: [String] = []
        let hooks = RegistryPushHooks(afterCopyingFile: { path in
            copied.append(path)
            if copied.count == 2 { throw InjectedFailure() }
        })
        #expect(throws: InjectedFailure.self) { try registry.push(name: "m", folder: folder, metadata: .init(), progress: nil, hooks: hooks) }
        #expect(copied == ["a.bin", "b.bin"])
        #expect(try registry.list().isEmpty)
        #expect(try sandbox.stagingEntries().isEmpty)
        #expect(try sandbox.versionFolders("m").isEmpty)

        let reopened = try sandbox.open()
        #expect(try reopened.list().isEmpty)
        #expect(try reopened.push(name: "m", folder: folder).version == 1)
    }

    @Test func pushKilledMidCopyIsCleanedAtReopen() throws {
        let sandbox = try RegistrySandbox()
        let registry = try sandbox.open()
        let folder = try sandbox.modelFolder(files: ["a.bin": "a", "b.bin": "b"])
        let hooks = RegistryPushHooks(afterCopyingFile: { _ in throw InjectedFailure() }, simulatesCrash: true)
        #expect(throws: InjectedFailure.self) { try registry.push(name: "m", folder: folder, metadata: .init(), progress: nil, hooks: hooks) }
        // As after a kill: the staging folder and its (now unlocked) lock file are still there.
        let leftovers = try sandbox.stagingEntries()
        #expect(leftovers.count == 2 && leftovers.contains { $0.hasSuffix(".lock") })
        #expect(try registry.list().isEmpty)

        let reopened = try sandbox.open()
        #expect(try sandbox.stagingEntries().isEmpty)
        #expect(try reopened.list().isEmpty)
        #expect(try reopened.push(name: "m", folder: folder).version == 1)
    }

    @Test func recoveryKeepsTheStagingFolderOfALivePush() throws {
        let sandbox = try RegistrySandbox()
        let registry = try sandbox.open()
        let folder = try sandbox.modelFolder(files: ["a.bin": "a", "b.bin": "b"])
        var report: RegistryRecoveryReport? = nil
        var stagingDuringPush: [String] = []
        let hooks = RegistryPushHooks(afterCopyingFile: { path in
            guard path == "a.bin" else { return }
            // Another registry on the same root opens while this push is copying.
            report = try ModelRegistry(root: sandbox.root).recover()
            stagingDuringPush = try sandbox.stagingEntries()
        })
        let pushed = try registry.push(name: "m", folder: folder, metadata: .init(), progress: nil, hooks: hooks)
        #expect(report?.isEmpty == true)
        #expect(stagingDuringPush.count == 2)
        #expect(pushed.version == 1 && pushed.files.count == 3)
        #expect(try registry.verify("m").isIntact)
    }

    @Test func crashAfterRenameBeforeCommitLeavesAnOrphanThatReopenRemoves() throws {
        let sandbox = try RegistrySandbox()
        let registry = try sandbox.open()
        let first = try registry.push(name: "m", folder: try sandbox.modelFolder())
        let listBefore = try registry.list()

        let hooks = RegistryPushHooks(afterRename: { throw InjectedFailure() }, simulatesCrash: true)
        #expect(throws: InjectedFailure.self) {
            try registry.push(name: "m", folder: try sandbox.modelFolder(), metadata: .init(), progress: nil, hooks: hooks)
        }
        // The transaction rolled back: version 2's folder exists with no row.
        #expect(try sandbox.versionFolders("m") == ["1", "2"])
        #expect(try registry.list() == listBefore)
        #expect(registryError { _ = try registry.resolve("m@2") } == .unknownVersion(name: "m", version: 2))

        let reopened = try sandbox.open()
        #expect(try sandbox.versionFolders("m") == ["1"])
        #expect(try sandbox.stagingEntries().isEmpty)
        #expect(try reopened.list() == listBefore)
        #expect(try reopened.show("m") == first)
        #expect(try reopened.push(name: "m", folder: try sandbox.modelFolder()).version == 2)
    }

    @Test func failureAfterRenameWithoutCrashCleansUpAtOnce() throws {
        let sandbox = try RegistrySandbox()
        let registry = try sandbox.open()
        let hooks = RegistryPushHooks(afterRename: { throw InjectedFailure() })
        #expect(throws: InjectedFailure.self) {
            try registry.push(name: "m", folder: try sandbox.modelFolder(), metadata: .init(), progress: nil, hooks: hooks)
        }
        #expect(try sandbox.versionFolders("m").isEmpty)
        #expect(try sandbox.stagingEntries().isEmpty)
        #expect(try registry.list().isEmpty)
        #expect(try registry.push(name: "m", folder: try sandbox.modelFolder()).version == 1)
    }

    @Test func concurrentPushesGetDistinctVersions() async throws {
        let sandbox = try RegistrySandbox()
        let registry = try sandbox.open()
        let other = try sandbox.open()  // a second connection, as another process would have
        let folders = try (0..<4).map { index in
            try sandbox.modelFolder(files: ["weights.bin": String(repeating: "\(index)", count: 200_000)])
        }
        let versions = try await withThrowingTaskGroup(of: (Int, Int).self) { group in
            for (index, folder) in folders.enumerated() {
                let target = index % 2 == 0 ? registry : other
                group.addTask { (index, try target.push(name: "m", folder: folder).version) }
            }
            var results: [Int: Int] = [:]
            for try await (index, version) in group { results[index] = version }
            return results
        }
        #expect(versions.values.sorted() == [1, 2, 3, 4])
        for (index, version) in versions {
            let weights = try Data(contentsOf: registry.folder(name: "m", version: version).appendingPathComponent("weights.bin"))
            #expect(weights == Data(String(repeating: "\(index)", count: 200_000).utf8))
            #expect(try registry.verify("m@\(version)").isIntact)
        }
        #expect(try registry.list() == [RegistryModelSummary(name: "m", latestVersion: 4, versionCount: 4, aliases: [:])])
        #expect(try sandbox.stagingEntries().isEmpty)
    }
}

@Suite struct ModelRegistryReadOnlyTests {
    @Test func readOnlyOpenResolvesButDoesNotWrite() throws {
        let sandbox = try RegistrySandbox()
        #expect(registryError { _ = try ModelRegistry(root: sandbox.root, readOnly: true) }.map { "\($0)" }?.contains("index.sqlite") == true)
        #expect(!FileManager.default.fileExists(atPath: sandbox.root.path))

        let writer = try sandbox.open()
        try writer.push(name: "m", folder: try sandbox.modelFolder())
        let reader = try ModelRegistry(root: sandbox.root, readOnly: true)
        #expect(try reader.resolve("m").version == 1)
        // An alias moved by the writer is seen by the reader's next resolve.
        try writer.push(name: "m", folder: try sandbox.modelFolder())
        try writer.setAlias(name: "m", version: 1, alias: "production")
        #expect(try reader.resolve("m").version == 1)
        try writer.setAlias(name: "m", version: 2, alias: "production")
        #expect(try reader.resolve("m").version == 2)

        let error = registryError { try reader.setAlias(name: "m", version: 1, alias: "staging") }
        guard case .database? = error else {
            Issue.record("expected a database error, got \(String(describing: error))")
            return
        }
        #expect(throws: RegistryError.self) { try reader.push(name: "m", folder: try sandbox.modelFolder()) }
        #expect(try writer.list() == [RegistryModelSummary(name: "m", latestVersion: 2, versionCount: 2, aliases: ["production": 2])])
        #expect(try sandbox.stagingEntries().isEmpty)
    }
}

@Suite struct RegistrySourceResolutionTests {
    @Test func serverResolverFollowsAliasesAndKeepsFolderPaths() throws {
        let sandbox = try RegistrySandbox()
        let resolver = ModelSourceResolver.registry(root: sandbox.root)
        // Nothing pushed yet: a clear not-found error, and the resolver recovers once a model exists.
        #expect(throws: RegistryError.self) { _ = try resolver.resolve("topics") }

        let registry = try sandbox.open()
        try registry.push(name: "topics", folder: try sandbox.modelFolder())
        try registry.push(name: "topics", folder: try sandbox.modelFolder())
        try registry.setAlias(name: "topics", version: 1, alias: "production")
        var resolved = try resolver.resolve("topics")
        #expect(resolved == ResolvedSource(folder: registry.folder(name: "topics", version: 1), version: "1", source: "topics"))
        try registry.setAlias(name: "topics", version: 2, alias: "production")
        resolved = try resolver.resolve("topics")
        #expect(resolved.version == "2" && resolved.folder == registry.folder(name: "topics", version: 2))
        #expect(try resolver.resolve("topics@1").version == "1")
        do {
            _ = try resolver.resolve("topics@canary")
            Issue.record("expected an error")
        } catch let error as RegistryError {
            #expect(error.isNotFound)
        }

        let folder = try sandbox.modelFolder("plain")
        #expect(try resolver.resolve(folder.path).folder == folder.standardizedFileURL)
    }
}
