import Foundation
import GRDB
import FlintModels
import FlintSupport

/// The model registry: a folder of pushed model versions with an SQLite index, embedded (no server).
///
/// Layout under the root (`~/.flint/registry`, or `$FLINT_HOME/registry`, or a folder given):
/// ```
/// index.sqlite                     names, versions, files with sha256, metadata, aliases
/// models/<name>/<version>/…        the files of each version, sub-folders kept (e.g. 1_Pooling/)
/// .staging/                        pushes in progress (same file system, so the final move is a rename)
/// ```
/// Versions are 1, 2, 3… per name and never reused. A push copies into `.staging/`, hashes and fsyncs
/// every file, then in one write transaction allocates the version, renames the staged folder into
/// `models/<name>/<version>` and inserts the rows: a push killed at any point leaves either nothing, a
/// staging folder or a version folder without a row, and opening the registry removes both
/// (``init(root:)``). References are `NAME` (alias `production` when set, else the latest version),
/// `NAME@VERSION` or `NAME@ALIAS`; ``resolve(_:)-(String)`` reads the index afresh each time, so a server
/// that re-resolves sees alias moves at once.
///
/// Thread-safe: all index access goes through one serial `DatabaseQueue`; several processes may share a
/// root (SQLite locking, with a 30 s busy timeout).
///
/// ```swift
/// let registry = try ModelRegistry()
/// let pushed = try registry.push(name: "topics", folder: URL(fileURLWithPath: "runs/topics"))
/// try registry.setAlias(name: "topics", version: pushed.version, alias: "production")
/// let model = try registry.resolve("topics")      // topics@1 via production
/// try registry.push(name: "smollm2", file: URL(fileURLWithPath: "SmolLM2-135M-Instruct.Q4_1.gguf"))
/// try registry.resolve("smollm2@1").modelFile      // …/models/smollm2/1/SmolLM2-135M-Instruct.Q4_1.gguf
/// ```
/// A version is a Hugging Face model folder or one GGUF file (``RegistryModelFormat``), stored the same way.
public final class ModelRegistry: Sendable {
    /// The registry folder.
    public let root: URL
    /// The SQLite index.
    let database: DatabaseQueue

    /// `$FLINT_HOME/registry` when `FLINT_HOME` is set (and not empty), else `~/.flint/registry`
    /// (`HOME` from `environment`, else the user's home directory).
    public static func defaultRoot(environment: [String: String] = ProcessInfo.processInfo.environment) -> URL {
        if let flintHome = environment["FLINT_HOME"], !flintHome.isEmpty {
            return URL(fileURLWithPath: flintHome, isDirectory: true).appendingPathComponent("registry", isDirectory: true)
        }
        let home = environment["HOME"].flatMap { $0.isEmpty ? nil : URL(fileURLWithPath: $0, isDirectory: true) }
            ?? FileManager.default.homeDirectoryForCurrentUser
        return home.appendingPathComponent(".flint/registry", isDirectory: true)
    }

    /// Opens (creating when needed) the registry at `root` (default: ``defaultRoot(environment:)``),
    /// migrates its index, and recovers from interrupted pushes and removals: staging folders of dead
    /// pushes and version folders without an index row are deleted (``recover()``).
    ///
    /// With `readOnly` (a server that only resolves, perhaps on a read-only mount) nothing is created,
    /// migrated or cleaned; the index must exist, and pushes, aliases and removals throw
    /// ``RegistryError/database(path:reason:)``.
    public init(root: URL? = nil, readOnly: Bool = false) throws {
        let root = (root ?? Self.defaultRoot()).standardizedFileURL
        self.root = root
        let path = root.appendingPathComponent("index.sqlite").path
        if readOnly {
            guard FileManager.default.fileExists(atPath: path) else {
                throw RegistryError.database(path: path, reason: "no registry index here (nothing was ever pushed to \(root.path))")
            }
        } else {
            try RegistryFileSystem.createDirectory(root.appendingPathComponent("models", isDirectory: true))
            try RegistryFileSystem.createDirectory(root.appendingPathComponent(".staging", isDirectory: true))
        }
        var configuration = Configuration()
        configuration.busyMode = .timeout(30)
        configuration.label = "FlintModelRegistry"
        configuration.readonly = readOnly
        do {
            database = try DatabaseQueue(path: path, configuration: configuration)
            if readOnly {
                guard try database.read({ try RegistrySchema.migrator.hasCompletedMigrations($0) }) else {
                    throw RegistryError.database(path: path, reason: "the index is from another Flint version; open it read-write once to upgrade it")
                }
            } else {
                try RegistrySchema.migrator.migrate(database)
            }
        } catch let error as RegistryError {
            throw error
        } catch {
            throw RegistryError.database(path: path, reason: "\(error)")
        }
        if !readOnly { try recover() }
    }

    // MARK: - Paths

    /// `<root>/models`.
    var modelsFolder: URL { root.appendingPathComponent("models", isDirectory: true) }
    /// `<root>/.staging`.
    var stagingFolder: URL { root.appendingPathComponent(".staging", isDirectory: true) }
    /// `<root>/index.sqlite`.
    var indexPath: String { root.appendingPathComponent("index.sqlite").path }

    /// `<root>/models/<name>/<version>`.
    public func folder(name: String, version: Int) -> URL {
        modelsFolder.appendingPathComponent(name, isDirectory: true).appendingPathComponent(String(version), isDirectory: true)
    }

    // MARK: - Index access

    /// Runs `body` in a write transaction (IMMEDIATE: the write lock is taken at the start); SQLite
    /// errors become ``RegistryError/database(path:reason:)``, other errors pass through.
    func write<T>(_ body: (Database) throws -> T) throws -> T {
        do {
            return try database.write(body)
        } catch let error as DatabaseError {
            throw RegistryError.database(path: indexPath, reason: "\(error)")
        }
    }

    /// Runs `body` in a read transaction (errors as in ``write(_:)``).
    func read<T>(_ body: (Database) throws -> T) throws -> T {
        do {
            return try database.read(body)
        } catch let error as DatabaseError {
            throw RegistryError.database(path: indexPath, reason: "\(error)")
        }
    }

    /// The current time as ISO-8601 UTC.
    static func timestamp() -> String { Date().ISO8601Format() }

    // MARK: - Queries

    /// Every model with at least one version, sorted by name.
    public func list() throws -> [RegistryModelSummary] {
        try read { db in
            let rows = try Row.fetchAll(db, sql: """
                SELECT name, MAX(version) AS latest, COUNT(*) AS count,
                       (SELECT format FROM model_version AS newest WHERE newest.name = model_version.name
                        ORDER BY newest.version DESC LIMIT 1) AS format
                FROM model_version GROUP BY name ORDER BY name
                """)
            var aliases: [String: [String: Int]] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT name, alias, version FROM alias") {
                let name: String = row["name"], alias: String = row["alias"], version: Int = row["version"]
                aliases[name, default: [:]][alias] = version
            }
            return rows.map { row in
                let name: String = row["name"]
                return RegistryModelSummary(name: name, latestVersion: row["latest"], versionCount: row["count"],
                                            aliases: aliases[name] ?? [:], format: Self.decodeFormat(row["format"]))
            }
        }
    }

    /// Every version of `name`, oldest first; throws ``RegistryError/unknownModel(name:root:)`` when
    /// it has none.
    public func versions(of name: String) throws -> [RegistryVersion] {
        try RegistryReference.validate(name: name)
        return try read { db in
            let rows = try Row.fetchAll(db, sql: "SELECT * FROM model_version WHERE name = ? ORDER BY version", arguments: [name])
            guard !rows.isEmpty else { throw RegistryError.unknownModel(name: name, root: root.path) }
            return try rows.map { try makeVersion(db, row: $0) }
        }
    }

    /// The version `reference` (`NAME`, `NAME@VERSION`, `NAME@ALIAS`) resolves to, with all its metadata.
    public func show(_ reference: String) throws -> RegistryVersion {
        let parsed = try RegistryReference(parsing: reference)
        return try read { db in
            let (version, _) = try resolveVersion(db, parsed)
            let row = try Row.fetchOne(db, sql: "SELECT * FROM model_version WHERE name = ? AND version = ?",
                                       arguments: [parsed.name, version])!
            return try makeVersion(db, row: row)
        }
    }

    /// What `reference` points at now: `NAME` is the `production` alias when set, else the latest
    /// version; `NAME@VERSION` that version; `NAME@ALIAS` the alias's version. Throws a
    /// ``RegistryError`` with ``RegistryError/isNotFound`` for an unknown name, version or alias.
    public func resolve(_ reference: String) throws -> ResolvedModel {
        try resolve(RegistryReference(parsing: reference))
    }

    /// What `reference` points at now (see ``resolve(_:)-(String)``).
    public func resolve(_ reference: RegistryReference) throws -> ResolvedModel {
        try read { db in
            let (version, alias) = try resolveVersion(db, reference)
            let row = try Row.fetchOne(db, sql: "SELECT task, labels, format, gguf FROM model_version WHERE name = ? AND version = ?",
                                       arguments: [reference.name, version])!
            return ResolvedModel(name: reference.name, version: version, folder: folder(name: reference.name, version: version),
                                 alias: alias, task: row["task"], labels: try Self.decodeLabels(row["labels"]),
                                 files: try files(db, name: reference.name, version: version),
                                 format: Self.decodeFormat(row["format"]), gguf: try Self.decodeGGUF(row["gguf"]))
        }
    }

    /// Re-hashes every file of the version `reference` resolves to and compares with the SHA-256
    /// recorded at push time; files added to the folder since are listed too.
    public func verify(_ reference: String) throws -> RegistryVerification {
        let model = try resolve(reference)
        var mismatches: [RegistryVerification.Mismatch] = []
        for file in model.files {
            let url = model.folder.appendingPathComponent(file.path)
            do {
                let actual = try SHA256.hexDigest(ofFileAt: url)
                if actual != file.sha256 {
                    mismatches.append(.init(path: file.path, expectedSHA256: file.sha256, actualSHA256: actual, problem: nil))
                }
            } catch {
                mismatches.append(.init(path: file.path, expectedSHA256: file.sha256, actualSHA256: nil, problem: "\(error)"))
            }
        }
        let recorded = Set(model.files.map(\.path))
        let present = RegistryFileSystem.isDirectory(model.folder)
            ? try RegistryFileSystem.sourceFiles(in: model.folder, skippingTrainingByProducts: false).map(\.relativePath) : []
        let unexpected = present.filter { !recorded.contains($0) }.sorted()
        return RegistryVerification(model: model, mismatches: mismatches, unexpectedFiles: unexpected)
    }

    // MARK: - Aliases

    /// Points `alias` of `name` at `version` (creating or moving it in one transaction); returns the
    /// version it pointed at before, if any.
    @discardableResult
    public func setAlias(name: String, version: Int, alias: String) throws -> Int? {
        try RegistryReference.validate(name: name)
        try RegistryReference.validate(alias: alias)
        return try write { db in
            try requireVersion(db, name: name, version: version)
            let previous = try Int.fetchOne(db, sql: "SELECT version FROM alias WHERE name = ? AND alias = ?", arguments: [name, alias])
            try db.execute(sql: """
                INSERT INTO alias (name, alias, version, updated_at) VALUES (?, ?, ?, ?)
                ON CONFLICT (name, alias) DO UPDATE SET version = excluded.version, updated_at = excluded.updated_at
                """, arguments: [name, alias, version, Self.timestamp()])
            return previous
        }
    }

    /// Removes `alias` of `name`; returns the version it pointed at.
    @discardableResult
    public func removeAlias(name: String, alias: String) throws -> Int {
        try RegistryReference.validate(name: name)
        try RegistryReference.validate(alias: alias)
        return try write { db in
            guard let version = try Int.fetchOne(db, sql: "SELECT version FROM alias WHERE name = ? AND alias = ?", arguments: [name, alias]) else {
                try requireModel(db, name: name)
                throw RegistryError.unknownAlias(name: name, alias: alias)
            }
            try db.execute(sql: "DELETE FROM alias WHERE name = ? AND alias = ?", arguments: [name, alias])
            return version
        }
    }

    // MARK: - Removal

    /// Removes one version: its rows (in one transaction), then its folder. Refuses with
    /// ``RegistryError/versionHasAliases(name:version:aliases:)`` while an alias points at it unless
    /// `force`, which removes those aliases too. Returns the aliases removed.
    @discardableResult
    public func remove(name: String, version: Int, force: Bool = false) throws -> [String] {
        try RegistryReference.validate(name: name)
        let aliases: [String] = try write { db in
            try requireVersion(db, name: name, version: version)
            let aliases = try String.fetchAll(db, sql: "SELECT alias FROM alias WHERE name = ? AND version = ? ORDER BY alias",
                                              arguments: [name, version])
            if !aliases.isEmpty && !force {
                throw RegistryError.versionHasAliases(name: name, version: version, aliases: aliases)
            }
            try db.execute(sql: "DELETE FROM alias WHERE name = ? AND version = ?", arguments: [name, version])
            try db.execute(sql: "DELETE FROM model_version WHERE name = ? AND version = ?", arguments: [name, version])
            return aliases
        }
        try discard(folder(name: name, version: version))
        return aliases
    }

    /// Removes every version of `name` (see ``remove(name:version:force:)``); the name's version counter
    /// is kept, so a later push continues the numbering. Returns the versions removed.
    @discardableResult
    public func remove(name: String, force: Bool = false) throws -> [Int] {
        try RegistryReference.validate(name: name)
        let versions: [Int] = try write { db in
            try requireModel(db, name: name)
            let aliases = try Row.fetchAll(db, sql: "SELECT alias, version FROM alias WHERE name = ? ORDER BY alias", arguments: [name])
            if let first = aliases.first, !force {
                let version: Int = first["version"]
                let pointing = aliases.filter { ($0["version"] as Int) == version }.map { $0["alias"] as String }
                throw RegistryError.versionHasAliases(name: name, version: version, aliases: pointing)
            }
            let versions = try Int.fetchAll(db, sql: "SELECT version FROM model_version WHERE name = ? ORDER BY version", arguments: [name])
            try db.execute(sql: "DELETE FROM alias WHERE name = ?", arguments: [name])
            try db.execute(sql: "DELETE FROM model_version WHERE name = ?", arguments: [name])
            return versions
        }
        for version in versions { try discard(folder(name: name, version: version)) }
        return versions
    }

    /// Deletes a folder whose rows are gone: renamed into `.staging/` first (so it vanishes from
    /// `models/` at once), then removed; a crash in between leaves a staging leftover that recovery removes.
    func discard(_ folder: URL) throws {
        guard RegistryFileSystem.exists(folder) else { return }
        let trash = stagingFolder.appendingPathComponent("removed-" + UUID().uuidString, isDirectory: true)
        try RegistryFileSystem.rename(folder, to: trash)
        try? RegistryFileSystem.removeTree(trash)
    }

    // MARK: - Rows to values

    /// The version a reference points at and the alias used.
    func resolveVersion(_ db: Database, _ reference: RegistryReference) throws -> (Int, String?) {
        let name = reference.name
        switch reference.selector {
        case .version(let version):
            try requireVersion(db, name: name, version: version)
            return (version, nil)
        case .alias(let alias):
            guard let version = try Int.fetchOne(db, sql: "SELECT version FROM alias WHERE name = ? AND alias = ?", arguments: [name, alias]) else {
                try requireModel(db, name: name)
                throw RegistryError.unknownAlias(name: name, alias: alias)
            }
            return (version, alias)
        case .defaultVersion:
            if let version = try Int.fetchOne(db, sql: "SELECT version FROM alias WHERE name = ? AND alias = ?",
                                              arguments: [name, RegistryReference.defaultAlias]) {
                return (version, RegistryReference.defaultAlias)
            }
            guard let latest = try Int.fetchOne(db, sql: "SELECT MAX(version) FROM model_version WHERE name = ?", arguments: [name]) else {
                throw RegistryError.unknownModel(name: name, root: root.path)
            }
            return (latest, nil)
        }
    }

    /// Throws ``RegistryError/unknownModel(name:root:)`` unless `name` has a version.
    func requireModel(_ db: Database, name: String) throws {
        guard try Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM model_version WHERE name = ?)", arguments: [name]) == true else {
            throw RegistryError.unknownModel(name: name, root: root.path)
        }
    }

    /// Throws unless `name@version` exists (unknown model or unknown version).
    func requireVersion(_ db: Database, name: String, version: Int) throws {
        guard try Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM model_version WHERE name = ? AND version = ?)",
                                arguments: [name, version]) == true else {
            try requireModel(db, name: name)
            throw RegistryError.unknownVersion(name: name, version: version)
        }
    }

    /// The files of a version, sorted by path.
    func files(_ db: Database, name: String, version: Int) throws -> [RegistryFile] {
        try Row.fetchAll(db, sql: "SELECT path, size, sha256 FROM version_file WHERE name = ? AND version = ? ORDER BY path",
                         arguments: [name, version])
            .map { RegistryFile(path: $0["path"], size: $0["size"], sha256: $0["sha256"]) }
    }

    /// A ``RegistryVersion`` from its `model_version` row.
    func makeVersion(_ db: Database, row: Row) throws -> RegistryVersion {
        let name: String = row["name"], version: Int = row["version"]
        let aliases = try String.fetchAll(db, sql: "SELECT alias FROM alias WHERE name = ? AND version = ? ORDER BY alias",
                                          arguments: [name, version])
        let metricsText: String = row["metrics"]
        let metrics = try JSONDecoder().decode([String: Double].self, from: Data(metricsText.utf8))
        return RegistryVersion(name: name, version: version, createdAt: row["created_at"], sourcePath: row["source_path"],
                               totalBytes: row["total_bytes"], task: row["task"], labels: try Self.decodeLabels(row["labels"]),
                               metrics: metrics, trainingRun: row["training_run"], dataSHA256: row["data_sha256"],
                               aliases: aliases, folder: folder(name: name, version: version),
                               files: try files(db, name: name, version: version),
                               format: Self.decodeFormat(row["format"]), gguf: try Self.decodeGGUF(row["gguf"]))
    }

    /// Labels from their JSON column.
    static func decodeLabels(_ text: String?) throws -> [String]? {
        guard let text else { return nil }
        return try JSONDecoder().decode([String].self, from: Data(text.utf8))
    }

    /// The format column's value (an unknown value, from a newer Flint, reads as a folder).
    static func decodeFormat(_ text: String?) -> RegistryModelFormat {
        text.flatMap(RegistryModelFormat.init(rawValue:)) ?? .huggingFace
    }

    /// The GGUF description from its JSON column.
    static func decodeGGUF(_ text: String?) throws -> RegistryGGUFDescription? {
        guard let text else { return nil }
        return try JSONDecoder().decode(RegistryGGUFDescription.self, from: Data(text.utf8))
    }

    /// JSON text of an encodable value (sorted keys).
    static func jsonText<Value: Encodable>(_ value: Value) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    }
}
