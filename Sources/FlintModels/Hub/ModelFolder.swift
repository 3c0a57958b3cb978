import Flint
import Foundation

/// A Hugging Face model folder: a local directory, or a model id (`ORG/NAME`) found in the Hub
/// cache (``HubCache``), with its `config.json` and weights.
///
/// ```swift
/// let folder = try ModelFolder("sentence-transformers/all-MiniLM-L6-v2")   // or a path
/// let configuration = try folder.configuration()                            // model_type checked
/// let weights = try folder.loadWeights()                                    // [String: Tensor], mmap-backed
/// ```
public struct ModelFolder: Sendable {
    /// The `model_type` values Flint has models for; ``configuration(supportedModelTypes:)`` checks
    /// against it by default. A new architecture adds its type here.
    public static let supportedModelTypes: Set<String> = ["bert"]

    /// The directory holding the files (a snapshot folder for a cached model).
    public let url: URL
    /// The repository id, when the folder was found in the Hub cache.
    public let repositoryId: String?
    /// The commit of the snapshot, when the folder was found in the Hub cache.
    public let commit: String?

    /// A local folder.
    ///
    /// - Throws: ``HubError/modelNotFound(location:searched:)`` when `url` is not a directory.
    public init(url: URL) throws {
        var directoryFlag: ObjCBool = false
        guard FileManager.default.fileExists(atPath: url.path, isDirectory: &directoryFlag), directoryFlag.boolValue else {
            throw HubError.modelNotFound(location: url.path, searched: [url.path])
        }
        self.init(url: url, repositoryId: nil, commit: nil)
    }

    /// A folder whose origin is already known (a snapshot the downloader just wrote, say).
    init(url: URL, repositoryId: String?, commit: String?) {
        self.url = url
        self.repositoryId = repositoryId
        self.commit = commit
    }

    /// Resolves `location`: an existing folder (a path), else a Hub model id (`ORG/NAME` or
    /// `NAME`) at `revision` (a branch, tag or commit hash; "main" by default) in `cache`.
    ///
    /// - Throws: ``HubError/modelNotFound(location:searched:)`` listing the paths tried;
    ///   ``Flint/FlintError`` for an unreadable or malformed `refs/` file.
    public init(_ location: String, revision: String? = nil, cache: HubCache = HubCache()) throws {
        let expanded = (location as NSString).expandingTildeInPath
        var directoryFlag: ObjCBool = false
        var searched = [URL(fileURLWithPath: expanded).path]
        if FileManager.default.fileExists(atPath: expanded, isDirectory: &directoryFlag), directoryFlag.boolValue {
            try self.init(url: URL(fileURLWithPath: expanded, isDirectory: true))
            return
        }
        let looksLikePath = location.hasPrefix("/") || location.hasPrefix(".") || location.hasPrefix("~")
        if !looksLikePath && HubCache.isRepositoryId(location) {
            if let (folder, commit) = try cache.snapshot(location, revision: revision ?? "main", searched: &searched) {
                self.init(url: folder, repositoryId: location, commit: commit)
                return
            }
        }
        throw HubError.modelNotFound(location: location, searched: searched)
    }

    /// The URL of the file `name` (a path relative to the folder) whether or not it exists.
    public func fileURL(_ name: String) -> URL {
        url.appendingPathComponent(name)
    }

    /// Whether the folder has a file `name` (following symlinks, as snapshot files are).
    public func contains(_ name: String) -> Bool {
        var directoryFlag: ObjCBool = false
        return FileManager.default.fileExists(atPath: fileURL(name).path, isDirectory: &directoryFlag) && !directoryFlag.boolValue
    }

    /// Reads `config.json`, checking its `model_type` against `supportedModelTypes`.
    ///
    /// - Throws: ``HubError/missingFiles(folder:lookedFor:)`` without a `config.json`;
    ///   ``HubError/unsupportedModelType(path:found:supported:)``; ``Flint/FlintError`` for a
    ///   malformed file.
    public func configuration(supportedModelTypes: Set<String> = ModelFolder.supportedModelTypes) throws -> ModelConfiguration {
        guard contains("config.json") else {
            throw HubError.missingFiles(folder: url.path, lookedFor: ["config.json"])
        }
        return try ModelConfiguration(contentsOf: fileURL("config.json"), supportedModelTypes: supportedModelTypes)
    }

    /// The weight files of the folder, in the order `transformers` prefers them: `model.safetensors`,
    /// `model.safetensors.index.json`, `pytorch_model.bin`, `pytorch_model.bin.index.json`.
    ///
    /// - Throws: ``HubError/missingFiles(folder:lookedFor:)`` naming the four files when none is there.
    public func weightFiles() throws -> WeightFiles {
        if contains(WeightFiles.safeTensorsName) { return .safeTensors(fileURL(WeightFiles.safeTensorsName)) }
        if contains(WeightFiles.safeTensorsIndexName) { return .shardedSafeTensors(index: fileURL(WeightFiles.safeTensorsIndexName)) }
        if contains(WeightFiles.pyTorchName) { return .pyTorch(fileURL(WeightFiles.pyTorchName)) }
        if contains(WeightFiles.pyTorchIndexName) { return .shardedPyTorch(index: fileURL(WeightFiles.pyTorchIndexName)) }
        throw HubError.missingFiles(folder: url.path, lookedFor: WeightFiles.names)
    }

    /// Every tensor of the folder's weights, by checkpoint name (see ``WeightFiles/load()``).
    public func loadWeights() throws -> [String: Tensor] {
        try weightFiles().load()
    }
}
