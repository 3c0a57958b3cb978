/// One file of a registered model version: its path inside the version folder, size and SHA-256.
public struct RegistryFile: Codable, Sendable, Equatable {
    /// The path relative to the version folder, with `/` separators (e.g. `1_Pooling/config.json`).
    public let path: String
    /// The size in bytes.
    public let size: Int64
    /// The SHA-256 of the contents, 64 lowercase hexadecimal digits (as `sha256sum` prints it).
    public let sha256: String

    /// A file record.
    public init(path: String, size: Int64, sha256: String) {
        self.path = path
        self.size = size
        self.sha256 = sha256
    }
}
