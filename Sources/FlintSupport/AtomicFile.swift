import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Writes files so that a crash never leaves a half-written one: write a temporary file in the
/// same directory, fsync it, rename it over the target, fsync the directory.
public enum AtomicFile {
    /// Atomically replaces `url` with `data`.
    public static func write(_ data: Data, to url: URL) throws {
        let directory = url.deletingLastPathComponent()
        let temporary = directory.appendingPathComponent(".\(url.lastPathComponent).tmp-\(getpid())")
        let fd = open(temporary.path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        guard fd >= 0 else { throw AtomicFileError(path: temporary.path, operation: "open", code: errno) }
        var ok = true
        data.withUnsafeBytes { raw in
            var offset = 0
            while offset < raw.count {
                let written = Glibc.write(fd, raw.baseAddress! + offset, raw.count - offset)
                if written <= 0 { ok = false; break }
                offset += written
            }
        }
        let code = errno
        if !ok || fsync(fd) != 0 {
            close(fd)
            unlink(temporary.path)
            throw AtomicFileError(path: temporary.path, operation: "write", code: ok ? errno : code)
        }
        close(fd)
        guard rename(temporary.path, url.path) == 0 else {
            let code = errno
            unlink(temporary.path)
            throw AtomicFileError(path: url.path, operation: "rename", code: code)
        }
        let directoryDescriptor = open(directory.path, O_RDONLY)
        if directoryDescriptor >= 0 {
            fsync(directoryDescriptor)
            close(directoryDescriptor)
        }
    }
}

/// A failed atomic write, naming the file and the system call.
public struct AtomicFileError: Error, CustomStringConvertible {
    public let path: String
    public let operation: String
    public let code: Int32
    public var description: String { "\(path): \(operation) failed: \(String(cString: strerror(code)))" }
}
