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

    /// A summary.
    public init(name: String, latestVersion: Int, versionCount: Int, aliases: [String: Int]) {
        self.name = name
        self.latestVersion = latestVersion
        self.versionCount = versionCount
        self.aliases = aliases
    }

    enum CodingKeys: String, CodingKey {
        case name, latestVersion = "latest_version", versionCount = "version_count", aliases
    }
}
