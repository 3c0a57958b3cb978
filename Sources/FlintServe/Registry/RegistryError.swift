/// Why a registry operation failed, naming the model, version, alias or path involved.
///
/// The ``isNotFound`` cases (unknown model, version or alias) are what a server answers with 404.
public enum RegistryError: Error, CustomStringConvertible, Equatable, Sendable {
    /// A model name that is not `[A-Za-z0-9][A-Za-z0-9._-]*` of at most 64 characters.
    case invalidName(String)
    /// An alias that is not `[a-z][a-z0-9_-]*` (at most 64 characters).
    case invalidAlias(String)
    /// A reference that is not `NAME`, `NAME@VERSION` or `NAME@ALIAS`.
    case invalidReference(String)
    /// A folder that cannot be pushed (missing, not a folder, no `config.json`, unreadable metadata).
    case invalidFolder(path: String, reason: String)
    /// A GGUF file that cannot be pushed (missing, not a regular file, changed while being copied); a
    /// corrupt file is reported by the GGUF reader's own error, naming the field and byte offset.
    case invalidFile(path: String, reason: String)
    /// The version is not the kind of model the caller can use (a GGUF language model where a model
    /// folder is needed, or the reverse).
    case unsupportedModel(reference: String, reason: String)
    /// No version of the model is in the registry at `root`.
    case unknownModel(name: String, root: String)
    /// The model has no such version (never pushed, or removed).
    case unknownVersion(name: String, version: Int)
    /// The model has no such alias.
    case unknownAlias(name: String, alias: String)
    /// Removing the version needs `force`: these aliases point at it.
    case versionHasAliases(name: String, version: Int, aliases: [String])
    /// A file-system operation on `path` failed.
    case fileSystem(path: String, operation: String, reason: String)
    /// The SQLite index at `path` could not be opened, migrated, read or written.
    case database(path: String, reason: String)

    /// Whether the error means "no such model, version or alias" (HTTP 404).
    public var isNotFound: Bool {
        switch self {
        case .unknownModel, .unknownVersion, .unknownAlias: return true
        default: return false
        }
    }

    /// A one-line explanation naming what was asked for.
    public var description: String {
        switch self {
        case .invalidName(let name):
            return "invalid model name '\(name)': expected 1 to 64 characters [A-Za-z0-9._-] starting with a letter or digit"
        case .invalidAlias(let alias):
            return "invalid alias '\(alias)': expected [a-z][a-z0-9_-]* (at most 64 characters), e.g. production or staging"
        case .invalidReference(let reference):
            return "invalid model reference '\(reference)': expected NAME, NAME@VERSION or NAME@ALIAS"
        case .invalidFolder(let path, let reason), .invalidFile(let path, let reason):
            return "\(path): cannot push: \(reason)"
        case .unsupportedModel(let reference, let reason):
            return "\(reference): \(reason)"
        case .unknownModel(let name, let root):
            return "model '\(name)' is not in the registry at \(root)"
        case .unknownVersion(let name, let version):
            return "model '\(name)' has no version \(version)"
        case .unknownAlias(let name, let alias):
            return "model '\(name)' has no alias '\(alias)'"
        case .versionHasAliases(let name, let version, let aliases):
            return "\(name)@\(version) is the target of alias\(aliases.count == 1 ? "" : "es") \(aliases.joined(separator: ", ")); "
                + "move or remove \(aliases.count == 1 ? "it" : "them"), or remove with force"
        case .fileSystem(let path, let operation, let reason):
            return "\(path): \(operation) failed: \(reason)"
        case .database(let path, let reason):
            return "\(path): registry index: \(reason)"
        }
    }
}
