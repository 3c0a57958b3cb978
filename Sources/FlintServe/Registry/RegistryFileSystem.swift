import Foundation
import FlintSupport
#if canImport(Glibc)
import Glibc
#endif

/// The POSIX file operations behind the registry's atomic pushes: copying with a streamed SHA-256,
/// fsync of files and directories, renames and recursive removal, each throwing
/// ``RegistryError/fileSystem(path:operation:reason:)`` naming the path and the system call.
enum RegistryFileSystem {
    /// A file of a folder being pushed.
    struct SourceFile {
        /// The path relative to the folder, `/`-separated.
        let relativePath: String
        /// The file (symbolic links followed).
        let url: URL
        /// Its size in bytes.
        let size: Int64
    }

    /// Top-level entries of a pushed folder that are training by-products, not the model: the Trainer's
    /// `checkpoint-N/` folders and TensorBoard `runs/`.
    static func isTrainingByProduct(_ name: String) -> Bool {
        if name == "runs" { return true }
        guard name.hasPrefix("checkpoint-") else { return false }
        let suffix = name.dropFirst("checkpoint-".count)
        return !suffix.isEmpty && suffix.allSatisfy(\.isNumber)
    }

    /// Every regular file under `folder`, sorted by relative path; symbolic links are followed (a
    /// Hugging Face cache snapshot links to blobs); hidden entries are skipped, and so are
    /// ``isTrainingByProduct(_:)`` top-level folders when `skippingTrainingByProducts`.
    static func sourceFiles(in folder: URL, skippingTrainingByProducts: Bool = true) throws -> [SourceFile] {
        var files: [SourceFile] = []
        func walk(_ directory: URL, prefix: String, depth: Int) throws {
            guard depth < 32 else {
                throw RegistryError.invalidFolder(path: directory.path, reason: "folders nested more than 32 deep (a symbolic-link loop?)")
            }
            let names: [String]
            do {
                names = try FileManager.default.contentsOfDirectory(atPath: directory.path)
            } catch {
                throw RegistryError.fileSystem(path: directory.path, operation: "list", reason: error.localizedDescription)
            }
            for name in names.sorted() where !name.hasPrefix(".") {
                if depth == 0 && skippingTrainingByProducts && isTrainingByProduct(name) { continue }
                let url = directory.appendingPathComponent(name)
                var status = stat()
                guard stat(url.path, &status) == 0 else { throw error(url.path, "stat") }
                let relative = prefix.isEmpty ? name : prefix + "/" + name
                switch status.st_mode & S_IFMT {
                case S_IFDIR: try walk(url, prefix: relative, depth: depth + 1)
                case S_IFREG: files.append(SourceFile(relativePath: relative, url: url, size: Int64(status.st_size)))
                default: continue
                }
            }
        }
        try walk(folder, prefix: "", depth: 0)
        return files.sorted { $0.relativePath < $1.relativePath }
    }

    /// Copies `source` to the new file `destination` (which must not exist), hashing the bytes as they
    /// pass, and fsyncs it; returns the size and the SHA-256 in hexadecimal.
    static func copyAndHash(from source: URL, to destination: URL, bufferSize: Int = 1 << 20) throws -> (size: Int64, sha256: String) {
        let input = open(source.path, O_RDONLY | O_CLOEXEC)
        guard input >= 0 else { throw error(source.path, "open") }
        defer { close(input) }
        let output = open(destination.path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard output >= 0 else { throw error(destination.path, "create") }
        defer { close(output) }
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: bufferSize, alignment: 64)
        defer { buffer.deallocate() }
        var hash = SHA256()
        var total: Int64 = 0
        while true {
            let count = read(input, buffer.baseAddress!, bufferSize)
            if count < 0 {
                if errno == EINTR { continue }
                throw error(source.path, "read")
            }
            if count == 0 { break }
            hash.update(UnsafeRawBufferPointer(start: buffer.baseAddress!, count: count))
            var offset = 0
            while offset < count {
                let written = write(output, buffer.baseAddress! + offset, count - offset)
                if written < 0 {
                    if errno == EINTR { continue }
                    throw error(destination.path, "write")
                }
                offset += written
            }
            total += Int64(count)
        }
        guard fsync(output) == 0 else { throw error(destination.path, "fsync") }
        return (total, hash.hexFinalized())
    }

    /// Creates `directory` and missing parents.
    static func createDirectory(_ directory: URL) throws {
        do {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        } catch {
            throw RegistryError.fileSystem(path: directory.path, operation: "mkdir", reason: error.localizedDescription)
        }
    }

    /// Flushes a directory's entries (new names, renames) to disk (``FlintSupport/AtomicFile/synchronizeDirectory(_:)``).
    static func syncDirectory(_ directory: URL) throws {
        do { try AtomicFile.synchronizeDirectory(directory) } catch let failure as FileSystemError {
            throw registryError(failure)
        }
    }

    /// Renames `source` to `destination` (same file system; atomic; ``FlintSupport/AtomicFile/rename(_:to:)``).
    static func rename(_ source: URL, to destination: URL) throws {
        do { try AtomicFile.rename(source, to: destination) } catch let failure as FileSystemError {
            throw registryError(failure)
        }
    }

    /// A FlintSupport ``FlintSupport/FileSystemError`` as ``RegistryError/fileSystem(path:operation:reason:)``.
    static func registryError(_ failure: FileSystemError) -> RegistryError {
        RegistryError.fileSystem(path: failure.path, operation: failure.operation, reason: failure.reason)
    }

    /// Whether something exists at `url` (symbolic links not followed).
    static func exists(_ url: URL) -> Bool {
        var status = stat()
        return lstat(url.path, &status) == 0
    }

    /// Removes `url` and everything under it; nothing to remove is not an error.
    static func removeTree(_ url: URL) throws {
        guard exists(url) else { return }
        do {
            try FileManager.default.removeItem(at: url)
        } catch {
            guard exists(url) else { return }
            throw RegistryError.fileSystem(path: url.path, operation: "remove", reason: error.localizedDescription)
        }
    }

    /// The names in `directory` (empty when it does not exist).
    static func entries(of directory: URL) throws -> [String] {
        guard exists(directory) else { return [] }
        do {
            return try FileManager.default.contentsOfDirectory(atPath: directory.path).sorted()
        } catch {
            throw RegistryError.fileSystem(path: directory.path, operation: "list", reason: error.localizedDescription)
        }
    }

    /// Whether `url` is a directory (symbolic links not followed).
    static func isDirectory(_ url: URL) -> Bool {
        var status = stat()
        return lstat(url.path, &status) == 0 && status.st_mode & S_IFMT == S_IFDIR
    }

    /// A ``RegistryError/fileSystem(path:operation:reason:)`` with the current `errno`.
    static func error(_ path: String, _ operation: String) -> RegistryError {
        RegistryError.fileSystem(path: path, operation: operation, reason: String(cString: strerror(errno)))
    }
}
