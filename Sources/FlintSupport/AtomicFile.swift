import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Writes files so that a crash never leaves a half-written one: the bytes go to a temporary file in
/// the same folder (so the same file system), which is flushed with `fsync`, renamed over the target,
/// and the folder is flushed too. After a crash the target is either the old file or the new one (at
/// worst a hidden `.NAME.PID.RANDOM.tmp` sibling is left over); after a failed write nothing is left.
///
/// ```swift
/// try AtomicFile.write(Data("{}\n".utf8), to: url)          // whole file
/// let writer = try AtomicFile.writer(to: url)                 // streamed
/// try writer.write(header); try writer.write(body)
/// try writer.commit()                                         // or writer.discard()
/// ```
public enum AtomicFile {
    /// Atomically replaces `url` with `data` (permissions `0o644` for a new file).
    ///
    /// - Throws: ``FileSystemError`` naming the file and the failed call; the temporary file is removed.
    public static func write(_ data: some ContiguousBytes, to url: URL) throws {
        let writer = try AtomicFileWriter(destination: url)
        do {
            try data.withUnsafeBytes { try writer.write($0) }
            try writer.commit()
        } catch {
            writer.discard()
            throw error
        }
    }

    /// A writer whose bytes replace `url` atomically on ``AtomicFileWriter/commit()``.
    ///
    /// - Throws: ``FileSystemError`` when the temporary file cannot be created (the folder is missing
    ///   or not writable).
    public static func writer(to url: URL) throws -> AtomicFileWriter {
        try AtomicFileWriter(destination: url)
    }

    /// Flushes a folder's entries (new names, renames) to disk with `fsync`.
    ///
    /// - Throws: ``FileSystemError`` naming the folder.
    public static func synchronizeDirectory(_ directory: URL) throws {
        let descriptor = open(directory.path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard descriptor >= 0 else { throw FileSystemError.current(path: directory.path, operation: "open") }
        defer { close(descriptor) }
        guard fsync(descriptor) == 0 else { throw FileSystemError.current(path: directory.path, operation: "fsync") }
    }

    /// Renames `source` to `destination`, replacing a file there (atomic within one file system).
    ///
    /// - Throws: ``FileSystemError`` naming `source` and the destination.
    public static func rename(_ source: URL, to destination: URL) throws {
        #if canImport(Glibc)
        let status = Glibc.rename(source.path, destination.path)
        #else
        let status = Darwin.rename(source.path, destination.path)
        #endif
        guard status == 0 else {
            throw FileSystemError.current(path: source.path, operation: "rename to \(destination.path)")
        }
    }
}
