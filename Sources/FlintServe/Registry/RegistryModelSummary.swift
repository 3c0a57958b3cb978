/// One line of ``ModelRegistry/list()``: a model name with its versions and aliases.
public struct RegistryModelSummary: Codable, Sendable, Equatable {
    /// The model name.
    public let name: String
    /// The highest version present.
    public let latestVersion: Int
    /// How many versions are present.
    public let versionCount: Int
    /// Alias → version.
    public let aliases: [String: Int]
    /// The latest version's format (a model folder or a GGUF file).
    public let format: RegistryModelFormat

    /// A summary.
    public init(name: String, latestVersion: Int, versionCount: Int, aliases: [String: Int], format: RegistryModelFormat = .huggingFace) {
        self.name = name
        self.latestVersion = latestVersion
        self.versionCount = versionCount
        self.aliases = aliases
        self.format = format
    }

    enum CodingKeys: String, CodingKey {
        case name, latestVersion = "latest_version", versionCount = "version_count", aliases, format
    }
}
