import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A file being written for an atomic replace (``AtomicFile/writer(to:)``): bytes go to a temporary
/// sibling of ``destination``; ``commit()`` flushes it, renames it over the destination and flushes
/// the folder; ``discard()`` (or dropping an uncommitted writer) deletes it.
public final class AtomicFileWriter {
    /// The file that ``commit()`` replaces.
    public let destination: URL
    /// The temporary sibling the bytes go to: `.NAME.PID.RANDOM.tmp`, created exclusively.
    public let temporary: URL
    private var descriptor: Int32
    private var finished = false

    /// Creates the temporary file next to `destination` (permissions `0o644`).
    ///
    /// - Throws: ``FileSystemError`` naming the temporary file when it cannot be created.
    public init(destination: URL) throws {
        self.destination = destination
        var random = SystemRandomNumberGenerator()
        let name = ".\(destination.lastPathComponent).\(getpid()).\(random.next() & 0xFFFF_FFFF).tmp"
        temporary = destination.deletingLastPathComponent().appendingPathComponent(name)
        descriptor = open(temporary.path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else { throw FileSystemError.current(path: temporary.path, operation: "create") }
    }

    deinit { discard() }

    /// Appends `bytes`, retrying short writes and `EINTR`.
    ///
    /// - Throws: ``FileSystemError`` naming the temporary file (for example on a full disk).
    public func write(_ bytes: UnsafeRawBufferPointer) throws {
        precondition(!finished, "AtomicFileWriter.write: \(destination.path) is already committed or discarded")
        guard let base = bytes.baseAddress else { return }
        var offset = 0
        while offset < bytes.count {
            #if canImport(Glibc)
            let written = Glibc.write(descriptor, base + offset, bytes.count - offset)
            #else
            let written = Darwin.write(descriptor, base + offset, bytes.count - offset)
            #endif
            if written < 0 && errno == EINTR { continue }
            guard written > 0 else {
                throw FileSystemError(path: temporary.path, operation: "write", code: written < 0 ? errno : EIO)
            }
            offset += written
        }
    }

    /// Appends the bytes of `data` (`Data`, `[UInt8]`, …).
    public func write(_ data: some ContiguousBytes) throws {
        try data.withUnsafeBytes { try write($0) }
    }

    /// Flushes the file, closes it, renames it over ``destination`` and flushes the folder.
    ///
    /// - Throws: ``FileSystemError`` naming the file and the failed call; the temporary file is then
    ///   removed and ``destination`` is unchanged (unless only the final folder flush failed: the
    ///   rename has happened, but may not survive a crash).
    public func commit() throws {
        precondition(!finished, "AtomicFileWriter.commit: \(destination.path) is already committed or discarded")
        finished = true
        guard fsync(descriptor) == 0 else {
            let failure = FileSystemError.current(path: temporary.path, operation: "fsync")
            close(descriptor)
            unlink(temporary.path)
            throw failure
        }
        guard close(descriptor) == 0 else {
            let failure = FileSystemError.current(path: temporary.path, operation: "close")
            unlink(temporary.path)
            throw failure
        }
        do {
            try AtomicFile.rename(temporary, to: destination)
        } catch {
            unlink(temporary.path)
            throw error
        }
        try AtomicFile.synchronizeDirectory(destination.deletingLastPathComponent())
    }

    /// Closes and deletes the temporary file, leaving ``destination`` unchanged (nothing after ``commit()``).
    public func discard() {
        guard !finished else { return }
        finished = true
        close(descriptor)
        unlink(temporary.path)
    }
}
