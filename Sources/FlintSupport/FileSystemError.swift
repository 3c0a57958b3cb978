#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A failed system call on a file or folder, naming the path, the operation and the `errno` reason.
///
/// Thrown by ``AtomicFile``, ``AtomicFileWriter`` and ``SHA256/update(fileAt:bufferSize:)``; modules that
/// document their own error type (`FlintError.io`, `RegistryError.fileSystem`) wrap it.
public struct FileSystemError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The file or folder.
    public let path: String
    /// What was attempted: `"open"`, `"write"`, `"fsync"`, `"rename to /x/y"`, ….
    public let operation: String
    /// The `errno` value.
    public let code: Int32

    /// An error for `path` and `operation` with the `errno` value `code`.
    public init(path: String, operation: String, code: Int32) {
        self.path = path
        self.operation = operation
        self.code = code
    }

    /// An error for `path` and `operation` with the current `errno`.
    public static func current(path: String, operation: String) -> FileSystemError {
        FileSystemError(path: path, operation: operation, code: errno)
    }

    /// The system's text for ``code`` (`strerror`), e.g. "No such file or directory".
    public var reason: String { String(cString: strerror(code)) }

    /// "PATH: OPERATION failed: REASON".
    public var description: String { "\(path): \(operation) failed: \(reason)" }
}
