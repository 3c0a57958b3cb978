import Foundation
import GRDB
#if canImport(Glibc)
import Glibc
#endif

/// Fault injection for the atomicity tests: where a push can be made to fail, and whether a failure
/// behaves like a killed process (files left as they are, staging lock released by the "kernel").
struct RegistryPushHooks {
    /// Called after each file is copied and hashed into the staging folder, with its relative path.
    var afterCopyingFile: ((String) throws -> Void)? = nil
    /// Called inside the write transaction after the staging folder is renamed to the version folder
    /// and before the rows are inserted and committed.
    var afterRename: (() throws -> Void)? = nil
    /// When true, a failure skips all clean-up, as if the process had been killed at that point.
    var simulatesCrash = false
}

extension ModelRegistry {
    /// Adds the model folder `folder` as the next version of `name` and returns what was recorded.
    ///
    /// The folder must hold a `config.json` (its `architectures` give the task and `id2label` the
    /// labels). Every regular file is copied (sub-folders kept, symbolic links followed; hidden files and
    /// the Trainer's top-level `checkpoint-N/` and `runs/` folders skipped) into `<root>/.staging/`, hashed
    /// with SHA-256 as it is copied, and fsynced; then one write transaction allocates the version,
    /// renames the staged folder to `models/<name>/<version>` and records the rows. A push that fails or
    /// is killed leaves no version (recovery at the next open removes its leftovers).
    ///
    /// Metadata: what the folder's `test_results.json`, `trainer_state.json`, `training_args.json` and
    /// `training_data.json` say (``RegistryPushMetadata/discovered(in:)``), overridden by `metadata`.
    /// `progress` is called after each file.
    @discardableResult
    public func push(name: String, folder: URL, metadata: RegistryPushMetadata = RegistryPushMetadata(),
                     progress: ((RegistryPushProgress) -> Void)? = nil) throws -> RegistryVersion {
        try push(name: name, folder: folder, metadata: metadata, progress: progress, hooks: RegistryPushHooks())
    }

    /// ``push(name:folder:metadata:progress:)`` with fault injection.
    func push(name: String, folder: URL, metadata: RegistryPushMetadata, progress: ((RegistryPushProgress) -> Void)?,
              hooks: RegistryPushHooks) throws -> RegistryVersion {
        try RegistryReference.validate(name: name)
        let source = folder.standardizedFileURL
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: source.path, isDirectory: &isDirectory) else {
            throw RegistryError.invalidFolder(path: source.path, reason: "no such folder")
        }
        guard isDirectory.boolValue else { throw RegistryError.invalidFolder(path: source.path, reason: "not a folder") }
        let description = try RegistryModelDescription(folder: source)
        let recorded = metadata.overriding(try RegistryPushMetadata.discovered(in: source))
        let sourceFiles = try RegistryFileSystem.sourceFiles(in: source)
        return try stageAndRecord(name: name, source: source, sourceFiles: sourceFiles, description: description,
                                  recorded: recorded, progress: progress, hooks: hooks, describeStaged: nil)
    }

    /// Adds the GGUF file `file` as the next version of `name` and returns what was recorded.
    ///
    /// The file is first parsed with the GGUF reader, which validates every count, offset and size: a
    /// corrupt or truncated file throws the reader's ``Flint/FlintError`` (naming the file, the field and
    /// the byte offset) before anything is written. It is then stored as a push of a folder is — copied
    /// into `<root>/.staging/` (a copy, as for folders: a hard link would let later edits of the original
    /// change the registered bytes), hashed with SHA-256 as it is copied, fsynced, its copy parsed again,
    /// and renamed to `models/<name>/<version>/<file name>` in the transaction that records the rows —
    /// so a failed or killed push leaves no version. The version's task is `text-generation`, its format
    /// ``RegistryModelFormat/gguf``, and its ``RegistryVersion/gguf`` description comes from the header
    /// (architecture, parameter count, file type and tensor types, context length, tokenizer).
    ///
    /// The stored name is the file's name, with `.gguf` appended when it lacks that extension.
    /// `metadata` is recorded as given (a GGUF file carries no training files to discover it from).
    @discardableResult
    public func push(name: String, file: URL, metadata: RegistryPushMetadata = RegistryPushMetadata(),
                     progress: ((RegistryPushProgress) -> Void)? = nil) throws -> RegistryVersion {
        try push(name: name, file: file, metadata: metadata, progress: progress, hooks: RegistryPushHooks())
    }

    /// ``push(name:file:metadata:progress:)`` with fault injection.
    func push(name: String, file: URL, metadata: RegistryPushMetadata, progress: ((RegistryPushProgress) -> Void)?,
              hooks: RegistryPushHooks) throws -> RegistryVersion {
        try RegistryReference.validate(name: name)
        let source = file.standardizedFileURL
        var status = stat()
        guard stat(source.path, &status) == 0 else {
            throw RegistryError.invalidFile(path: source.path, reason: errno == ENOENT ? "no such file" : String(cString: strerror(errno)))
        }
        guard status.st_mode & S_IFMT == S_IFREG else { throw RegistryError.invalidFile(path: source.path, reason: "not a regular file") }
        let storedName = Self.storedGGUFName(source.lastPathComponent)
        let description = try RegistryModelDescription(ggufFile: source, storedName: storedName)
        let sourceFile = RegistryFileSystem.SourceFile(relativePath: storedName, url: source, size: Int64(status.st_size))
        return try stageAndRecord(name: name, source: source, sourceFiles: [sourceFile], description: description,
                                  recorded: metadata, progress: progress, hooks: hooks) { staged in
            do {
                return try RegistryModelDescription(ggufFile: staged.appendingPathComponent(storedName), storedName: storedName)
            } catch {
                throw RegistryError.invalidFile(path: source.path, reason: "it changed while being pushed (the copy does not parse: \(error))")
            }
        }
    }

    /// The name a GGUF file is stored under: its own, `.gguf` appended when missing, leading dots dropped
    /// (hidden files are not part of a version).
    static func storedGGUFName(_ name: String) -> String {
        let visible = String(name.drop { $0 == "." })
        if visible.isEmpty { return "model.gguf" }
        return visible.lowercased().hasSuffix(".gguf") ? visible : visible + ".gguf"
    }

    /// Copies `sourceFiles` into a staging folder (hashing and fsyncing each), then in one write
    /// transaction allocates the next version of `name`, renames the staging folder into place and records
    /// the rows. `describeStaged`, when given, describes the staged copy (what is recorded instead of
    /// `description`), and may refuse it.
    private func stageAndRecord(name: String, source: URL, sourceFiles: [RegistryFileSystem.SourceFile],
                                description: RegistryModelDescription, recorded: RegistryPushMetadata,
                                progress: ((RegistryPushProgress) -> Void)?, hooks: RegistryPushHooks,
                                describeStaged: ((URL) throws -> RegistryModelDescription)?) throws -> RegistryVersion {
        let metrics = recorded.metrics.filter { $0.value.isFinite }
        let totalBytes = sourceFiles.reduce(Int64(0)) { $0 + $1.size }

        let id = UUID().uuidString.lowercased()
        let lock = try RegistryStagingLock(staging: stagingFolder, id: id)
        let staged = stagingFolder.appendingPathComponent(id, isDirectory: true)
        var destination: URL? = nil
        do {
            try RegistryFileSystem.createDirectory(staged)
            var files: [RegistryFile] = []
            var directories: Set<String> = [""]
            var copiedBytes: Int64 = 0
            for (index, file) in sourceFiles.enumerated() {
                let parent = (file.relativePath as NSString).deletingLastPathComponent
                if !directories.contains(parent) {
                    try RegistryFileSystem.createDirectory(staged.appendingPathComponent(parent, isDirectory: true))
                    var ancestor = parent
                    while !ancestor.isEmpty {
                        directories.insert(ancestor)
                        ancestor = (ancestor as NSString).deletingLastPathComponent
                    }
                }
                let copied = try RegistryFileSystem.copyAndHash(from: file.url, to: staged.appendingPathComponent(file.relativePath))
                files.append(RegistryFile(path: file.relativePath, size: copied.size, sha256: copied.sha256))
                copiedBytes += copied.size
                progress?(RegistryPushProgress(path: file.relativePath, fileBytes: copied.size, fileIndex: index + 1,
                                               fileCount: sourceFiles.count, completedBytes: copiedBytes, totalBytes: totalBytes))
                try hooks.afterCopyingFile?(file.relativePath)
            }
            // Directory entries are durable once their directory is fsynced: deepest first, then the staging root.
            for directory in directories.sorted(by: { $0.count > $1.count }) {
                try RegistryFileSystem.syncDirectory(directory.isEmpty ? staged : staged.appendingPathComponent(directory, isDirectory: true))
            }
            try RegistryFileSystem.syncDirectory(stagingFolder)
            let stagedDescription = try describeStaged?(staged) ?? description
            let ggufText = try stagedDescription.gguf.map { try Self.jsonText($0) }
            let stagedTotal = files.reduce(Int64(0)) { $0 + $1.size }
            let labelsText = try stagedDescription.labels.map { try Self.jsonText($0) }
            let metricsText = try Self.jsonText(metrics)
            let created = Self.timestamp()

            let version: Int = try write { db in
                try db.execute(sql: "INSERT INTO model (name, last_version, created_at) VALUES (?, 0, ?) ON CONFLICT (name) DO NOTHING",
                               arguments: [name, created])
                try db.execute(sql: "UPDATE model SET last_version = last_version + 1 WHERE name = ?", arguments: [name])
                let version = try Int.fetchOne(db, sql: "SELECT last_version FROM model WHERE name = ?", arguments: [name])!
                let modelFolder = modelsFolder.appendingPathComponent(name, isDirectory: true)
                let target = self.folder(name: name, version: version)
                try RegistryFileSystem.createDirectory(modelFolder)
                // A folder already there has no row (the version is new): a crashed push's leftover.
                try RegistryFileSystem.removeTree(target)
                try RegistryFileSystem.rename(staged, to: target)
                destination = target
                try RegistryFileSystem.syncDirectory(modelFolder)
                try RegistryFileSystem.syncDirectory(modelsFolder)
                try hooks.afterRename?()
                try db.execute(sql: """
                    INSERT INTO model_version (name, version, created_at, source_path, total_bytes, task, labels, metrics,
                                               training_run, data_sha256, format, gguf)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """, arguments: [name, version, created, source.path, stagedTotal, stagedDescription.task, labelsText, metricsText,
                                     recorded.trainingRun, recorded.dataSHA256, stagedDescription.format.rawValue, ggufText])
                let insert = try db.makeStatement(sql: "INSERT INTO version_file (name, version, path, size, sha256) VALUES (?, ?, ?, ?, ?)")
                for file in files {
                    try insert.execute(arguments: [name, version, file.path, file.size, file.sha256])
                }
                return version
            }
            lock.release()
            return try read { db in
                let row = try Row.fetchOne(db, sql: "SELECT * FROM model_version WHERE name = ? AND version = ?", arguments: [name, version])
                guard let row else { throw RegistryError.unknownVersion(name: name, version: version) }
                return try makeVersion(db, row: row)
            }
        } catch {
            if hooks.simulatesCrash {
                lock.release(deleteFile: false)
                throw error
            }
            if let destination {
                // Under the write lock, so no other push can have taken this version number meanwhile.
                let version = Int(destination.lastPathComponent)!
                _ = try? write { db in
                    let exists = try Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM model_version WHERE name = ? AND version = ?)",
                                                   arguments: [name, version]) == true
                    if !exists { try RegistryFileSystem.removeTree(destination) }
                }
            }
            try? RegistryFileSystem.removeTree(staged)
            lock.release()
            throw error
        }
    }
}
