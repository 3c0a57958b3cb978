import Foundation

/// What a reference (`NAME`, `NAME@VERSION`, `NAME@ALIAS`) points at now: the folder to load.
public struct ResolvedModel: Sendable, Equatable {
    /// The model name.
    public let name: String
    /// The version the reference resolved to.
    public let version: Int
    /// The version's folder (a Hugging Face model folder: `config.json`, weights, tokenizer files…).
    public let folder: URL
    /// The alias used, if the reference went through one (`production` for a bare `NAME` when set).
    public let alias: String?
    /// `text-classification` or `feature-extraction`.
    public let task: String
    /// Class names by index, when known.
    public let labels: [String]?
    /// Every file with its recorded SHA-256, sorted by path.
    public let files: [RegistryFile]

    /// `NAME@VERSION`.
    public var reference: String { "\(name)@\(version)" }

    /// A resolution.
    public init(name: String, version: Int, folder: URL, alias: String?, task: String, labels: [String]?, files: [RegistryFile]) {
        self.name = name
        self.version = version
        self.folder = folder
        self.alias = alias
        self.task = task
        self.labels = labels
        self.files = files
    }
}
