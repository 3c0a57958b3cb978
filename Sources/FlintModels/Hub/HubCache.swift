import Flint
import Foundation

/// The Hugging Face Hub cache on disk, the layout `huggingface_hub` and `transformers` share:
///
///     <cache>/models--ORG--NAME/
///         refs/<revision>            a text file holding the commit hash the revision points to
///         blobs/<etag>               the file contents
///         snapshots/<commit>/<file>  the files of one commit (usually symlinks into blobs/)
///
/// The cache directory is `$HF_HUB_CACHE`, else `$HUGGINGFACE_HUB_CACHE` (the older name), else
/// `$HF_HOME/hub`, else `$XDG_CACHE_HOME/huggingface/hub`, else `~/.cache/huggingface/hub`.
public struct HubCache: Sendable, Equatable {
    /// The cache directory (holding the `models--…` folders).
    public let directory: URL

    /// A cache at `directory`.
    public init(directory: URL) {
        self.directory = directory
    }

    /// The cache the environment names (see ``HubCache``).
    public init(environment: [String: String] = ProcessInfo.processInfo.environment) {
        func value(_ key: String) -> String? {
            guard let text = environment[key], !text.isEmpty else { return nil }
            return (text as NSString).expandingTildeInPath
        }
        if let hub = value("HF_HUB_CACHE") ?? value("HUGGINGFACE_HUB_CACHE") {
            directory = URL(fileURLWithPath: hub, isDirectory: true)
        } else if let home = value("HF_HOME") {
            directory = URL(fileURLWithPath: home, isDirectory: true).appendingPathComponent("hub", isDirectory: true)
        } else {
            let cache = value("XDG_CACHE_HOME").map { URL(fileURLWithPath: $0, isDirectory: true) }
                ?? URL(fileURLWithPath: value("HOME") ?? NSHomeDirectory(), isDirectory: true)
                    .appendingPathComponent(".cache", isDirectory: true)
            directory = cache.appendingPathComponent("huggingface/hub", isDirectory: true)
        }
    }

    /// Whether `text` has the form of a Hub repository id: `NAME` or `ORG/NAME`, each part made of
    /// letters, digits, `-`, `_` and `.`, not starting or ending with `-` or `.`, without `--` or `..`.
    public static func isRepositoryId(_ text: String) -> Bool {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 1 || parts.count == 2 else { return false }
        for part in parts {
            guard !part.isEmpty, part.count <= 96,
                  part.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" || $0 == ".") }),
                  !part.hasPrefix("-"), !part.hasPrefix("."), !part.hasSuffix("-"), !part.hasSuffix("."),
                  !part.contains("--"), !part.contains("..") else { return false }
        }
        return true
    }

    /// Whether `text` is a full commit hash (40 lowercase hex digits).
    static func isCommitHash(_ text: String) -> Bool {
        text.utf8.count == 40 && text.utf8.allSatisfy { ($0 >= 48 && $0 <= 57) || ($0 >= 97 && $0 <= 102) }
    }

    /// The folder of a model repository: `models--ORG--NAME`.
    public func repositoryFolder(_ repositoryId: String) -> URL {
        directory.appendingPathComponent("models--" + repositoryId.replacingOccurrences(of: "/", with: "--"), isDirectory: true)
    }

    /// The file holding the commit of `revision`: `refs/<revision>`.
    public func referenceFile(_ repositoryId: String, revision: String) -> URL {
        repositoryFolder(repositoryId).appendingPathComponent("refs/\(revision)")
    }

    /// The snapshot folder of `commit`: `snapshots/<commit>`.
    public func snapshotFolder(_ repositoryId: String, commit: String) -> URL {
        repositoryFolder(repositoryId).appendingPathComponent("snapshots/\(commit)", isDirectory: true)
    }

    /// The snapshot folder and commit of `revision` (a branch or tag with a file in `refs/`, or a
    /// commit hash with a snapshot), or nil when the cache does not hold it. `searched` gets the
    /// paths looked at.
    public func snapshot(_ repositoryId: String, revision: String = "main", searched: inout [String]) throws -> (folder: URL, commit: String)? {
        if HubCache.isCommitHash(revision) {
            let folder = snapshotFolder(repositoryId, commit: revision)
            searched.append(folder.path)
            if isDirectory(folder) { return (folder, revision) }
        }
        let reference = referenceFile(repositoryId, revision: revision)
        searched.append(reference.path)
        guard FileManager.default.fileExists(atPath: reference.path) else { return nil }
        let text: String
        do { text = try String(contentsOf: reference, encoding: .utf8) } catch {
            throw FlintError.io(path: reference.path, message: "cannot read: \(error.localizedDescription)")
        }
        let commit = text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard HubCache.isCommitHash(commit) else {
            throw FlintError.invalidFile(path: reference.path, field: "commit", expected: "a 40-digit hex commit hash", found: "\"\(commit.prefix(60))\"")
        }
        let folder = snapshotFolder(repositoryId, commit: commit)
        searched.append(folder.path)
        guard isDirectory(folder) else { return nil }
        return (folder, commit)
    }

    private func isDirectory(_ url: URL) -> Bool {
        var directoryFlag: ObjCBool = false
        return FileManager.default.fileExists(atPath: url.path, isDirectory: &directoryFlag) && directoryFlag.boolValue
    }
}
