#if canImport(Glibc)
import Glibc
#endif

/// A failed TensorBoard event-file operation, naming the file, the operation and the system's reason.
public struct TensorBoardWriterError: Error, CustomStringConvertible, Equatable, Sendable {
    /// The file or directory involved.
    public let path: String
    /// What was attempted: `"create"`, `"write"`, `"fsync"`, ….
    public let operation: String
    /// Why it failed.
    public let reason: String

    /// An error with an explicit reason.
    public init(path: String, operation: String, reason: String) {
        self.path = path
        self.operation = operation
        self.reason = reason
    }

    /// An error from a failed system call that set `errno` to `code`.
    public init(path: String, operation: String, code: Int32) {
        self.init(path: path, operation: operation, reason: String(cString: strerror(code)))
    }

    public var description: String { "\(path): \(operation) failed: \(reason)" }
}
