import Foundation
import FlintSupport

/// Errors Flint throws for problems in data that comes from outside the program: files on disk,
/// their contents, and arguments that describe them.
///
/// Programming errors (wrong shapes passed to an op, an index out of range) are preconditions;
/// anything a user's file or input can get wrong is a `FlintError`, whose message names the file,
/// the field and what was expected, so that a bad file is reported rather than crashing the process.
public enum FlintError: Error, CustomStringConvertible, Equatable, Sendable {
    /// A file's content does not have the expected form.
    ///
    /// - Parameters:
    ///   - path: the file.
    ///   - field: the part of the file at fault (for example `header length` or
    ///     `tensor "w" data_offsets`).
    ///   - expected: what a valid file has there.
    ///   - found: what this file has there.
    case invalidFile(path: String, field: String, expected: String, found: String)

    /// An operating-system call on a file failed (open, read, write, map, rename, …).
    case io(path: String, message: String)

    /// A named entry (such as a tensor) was asked for but the file does not contain it.
    case missingEntry(path: String, name: String)

    /// An argument describing data to write or read is not acceptable (for example a tensor name
    /// that a file format reserves).
    case invalidArgument(operation: String, message: String)

    /// A one-line message that starts with the path (or operation) and names the field at fault.
    public var description: String {
        switch self {
        case let .invalidFile(path, field, expected, found):
            return "\(path): invalid \(field): expected \(expected), found \(found)"
        case let .io(path, message):
            return "\(path): \(message)"
        case let .missingEntry(path, name):
            return "\(path): no entry named \"\(name)\""
        case let .invalidArgument(operation, message):
            return "\(operation): \(message)"
        }
    }
}

extension FlintError {
    /// A FlintSupport file-system failure while writing `url`, as ``io(path:message:)`` naming `url`
    /// (the message names the temporary file or folder that failed, the call and the reason).
    public init(_ failure: FileSystemError, writing url: URL) {
        let message = failure.path == url.path
            ? "\(failure.operation) failed: \(failure.reason)"
            : "cannot write: \(failure.description)"
        self = .io(path: url.path, message: message)
    }
}
