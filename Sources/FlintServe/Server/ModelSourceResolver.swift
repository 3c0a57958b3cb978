import Foundation

/// A model source turned into a folder and a version.
public struct ResolvedSource: Sendable, Equatable {
    /// The model folder.
    public var folder: URL
    /// The version reported to clients (registry version number, or the folder's name).
    public var version: String
    /// The source as configured.
    public var source: String

    /// A resolved source.
    public init(folder: URL, version: String, source: String) {
        self.folder = folder
        self.version = version
        self.source = source
    }
}

/// Turns a configured source into a folder: folder paths directly, registry references (`name`,
/// `name@3`, `name@production`) through `registry`. Resolution happens at start-up and again on every
/// reload, so a moved alias takes effect then.
public struct ModelSourceResolver: Sendable {
    /// Resolves a registry reference; nil when no registry is configured.
    public var registry: (@Sendable (String) throws -> ResolvedSource)?

    /// A resolver; without `registry`, only folder paths resolve.
    public init(registry: (@Sendable (String) throws -> ResolvedSource)? = nil) {
        self.registry = registry
    }

    /// The folder and version of `source`.
    public func resolve(_ source: String) throws -> ResolvedSource {
        if ModelSpecification.isFolderPath(source) {
            let expanded = (source as NSString).expandingTildeInPath
            let url = URL(fileURLWithPath: expanded).standardizedFileURL
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory), isDirectory.boolValue else {
                throw ServeConfigurationError(path: source, message: "model source: no such folder")
            }
            return ResolvedSource(folder: url, version: url.lastPathComponent, source: source)
        }
        guard let registry else {
            throw ServeConfigurationError(path: source,
                message: "model source: not a folder path (it has no '/') and no registry is configured")
        }
        return try registry(source)
    }
}
