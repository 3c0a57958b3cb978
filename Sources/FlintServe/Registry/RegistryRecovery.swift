import Foundation
import GRDB
#if canImport(Glibc)
import Glibc
#endif

/// What opening a registry cleaned up after interrupted pushes and removals.
public struct RegistryRecoveryReport: Sendable, Equatable {
    /// Staging entries removed (`.staging/<id>` of dead pushes, leftovers of removals).
    public let removedStagingEntries: [String]
    /// Version folders without an index row removed, as `name/version`.
    public let removedOrphanVersions: [String]

    /// Whether nothing needed cleaning.
    public var isEmpty: Bool { removedStagingEntries.isEmpty && removedOrphanVersions.isEmpty }
}

extension ModelRegistry {
    /// Removes what interrupted operations left, inside one write transaction (so that no push of
    /// another process is between its rename and its commit meanwhile):
    /// - staging folders whose lock no live push holds (``RegistryStagingLock``), their lock files,
    ///   staging folders without a lock file (removed versions being deleted), and stale temporary lock
    ///   files older than a minute;
    /// - numeric version folders under `models/<name>/` without a `model_version` row (a push killed
    ///   after its rename, before its commit; or a removal killed before deleting its folder).
    ///
    /// Deletions are best-effort: what cannot be removed now is tried again at the next open.
    /// ``init(root:)`` runs this; call it again to clean up after a process that crashed since.
    @discardableResult
    public func recover() throws -> RegistryRecoveryReport {
        try write { db in
            var staging: [String] = []
            let stagingEntries = try RegistryFileSystem.entries(of: stagingFolder)
            let now = Date()
            for entry in stagingEntries where entry.hasSuffix(".lock.tmp") {
                let url = stagingFolder.appendingPathComponent(entry)
                let modified = (try? FileManager.default.attributesOfItem(atPath: url.path)[.modificationDate] as? Date) ?? now
                if now.timeIntervalSince(modified) > 60 && RegistryStagingLock.isStale(url) {
                    unlink(url.path)
                    staging.append(entry)
                }
            }
            for entry in stagingEntries where entry.hasSuffix(".lock") {
                let url = stagingFolder.appendingPathComponent(entry)
                guard RegistryStagingLock.isStale(url) else { continue }
                let id = String(entry.dropLast(".lock".count))
                let folder = stagingFolder.appendingPathComponent(id, isDirectory: true)
                if RegistryFileSystem.exists(folder) {
                    try? RegistryFileSystem.removeTree(folder)
                    staging.append(id)
                }
                unlink(url.path)
                staging.append(entry)
            }
            for entry in stagingEntries where !entry.hasSuffix(".lock") && !entry.hasSuffix(".lock.tmp") {
                let lock = stagingFolder.appendingPathComponent(entry + ".lock")
                guard !RegistryFileSystem.exists(lock) else { continue }
                let url = stagingFolder.appendingPathComponent(entry)
                guard RegistryFileSystem.exists(url), !staging.contains(entry) else { continue }
                try? RegistryFileSystem.removeTree(url)
                staging.append(entry)
            }

            var orphans: [String] = []
            for name in try RegistryFileSystem.entries(of: modelsFolder)
            where RegistryFileSystem.isDirectory(modelsFolder.appendingPathComponent(name)) {
                let known = Set(try Int.fetchAll(db, sql: "SELECT version FROM model_version WHERE name = ?", arguments: [name]))
                let modelFolder = modelsFolder.appendingPathComponent(name, isDirectory: true)
                for entry in try RegistryFileSystem.entries(of: modelFolder) {
                    guard let version = Int(entry), String(version) == entry, !known.contains(version) else { continue }
                    try? RegistryFileSystem.removeTree(modelFolder.appendingPathComponent(entry, isDirectory: true))
                    orphans.append("\(name)/\(entry)")
                }
            }
            return RegistryRecoveryReport(removedStagingEntries: staging.sorted(), removedOrphanVersions: orphans)
        }
    }
}
