import Foundation

/// What a reference (`NAME`, `NAME@VERSION`, `NAME@ALIAS`) points at now: the folder to load (for a GGUF
/// version, the folder holding its one `.gguf` file, ``modelFile``).
public struct ResolvedModel: Sendable, Equatable {
    /// The model name.
    public let name: String
    /// The version the reference resolved to.
    public let version: Int
    /// The version's folder (a Hugging Face model folder: `config.json`, weights, tokenizer files…).
    public let folder: URL
    /// The alias used, if the reference went through one (`production` for a bare `NAME` when set).
    public let alias: String?
    /// `text-classification` or `feature-extraction` (folders), `text-generation` (GGUF files).
    public let task: String
    /// Class names by index, when known.
    public let labels: [String]?
    /// Every file with its recorded SHA-256, sorted by path.
    public let files: [RegistryFile]
    /// A model folder or a GGUF file.
    public let format: RegistryModelFormat
    /// For a GGUF version: the description recorded at push.
    public let gguf: RegistryGGUFDescription?

    /// The GGUF file to load, for a ``RegistryModelFormat/gguf`` version.
    public var modelFile: URL? { gguf.map { folder.appendingPathComponent($0.file) } }

    /// `NAME@VERSION`.
    public var reference: String { "\(name)@\(version)" }

    /// A resolution.
    public init(name: String, version: Int, folder: URL, alias: String?, task: String, labels: [String]?, files: [RegistryFile],
                format: RegistryModelFormat = .huggingFace, gguf: RegistryGGUFDescription? = nil) {
        self.name = name
        self.version = version
        self.folder = folder
        self.alias = alias
        self.task = task
        self.labels = labels
        self.files = files
        self.format = format
        self.gguf = gguf
    }
}
