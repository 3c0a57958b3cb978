/// Progress of a push, reported after each file is copied and hashed.
public struct RegistryPushProgress: Sendable, Equatable {
    /// The file just copied, relative to the pushed folder.
    public let path: String
    /// Its size in bytes.
    public let fileBytes: Int64
    /// 1-based index of the file.
    public let fileIndex: Int
    /// Number of files to copy.
    public let fileCount: Int
    /// Bytes copied so far, this file included.
    public let completedBytes: Int64
    /// Bytes to copy in all.
    public let totalBytes: Int64

    /// A progress report.
    public init(path: String, fileBytes: Int64, fileIndex: Int, fileCount: Int, completedBytes: Int64, totalBytes: Int64) {
        self.path = path
        self.fileBytes = fileBytes
        self.fileIndex = fileIndex
        self.fileCount = fileCount
        self.completedBytes = completedBytes
        self.totalBytes = totalBytes
    }
}
