import Foundation
import Flint
import FlintSupport
#if canImport(Glibc)
import Glibc
#endif

/// Writes a model folder so that a crash never leaves a half-written one.
///
/// Every file goes into a temporary sibling folder (`.NAME.saving-…`, same parent, so the same file
/// system), is flushed with `fsync`, and the folder is then renamed into place. When the folder already
/// exists it is replaced as atomically as POSIX allows: the old folder is renamed away, the new one
/// renamed in, the parent directory flushed, and only then the old one deleted. A crash leaves either
/// the old complete folder or the new complete folder at the path (plus, at worst, a hidden sibling
/// to delete).
///
/// Entries of an existing folder that the new save does not write (a Trainer's `checkpoint-N/` or
/// `runs/`, a README) are carried over into the new folder; stale weight files (`pytorch_model.bin`,
/// shards and their indexes) are not, since they would disagree with the new `model.safetensors`.
///
/// ```swift
/// var writer = try ModelFolderWriter(destination: folder)
/// try writer.write(configData, named: "config.json")
/// try writer.writeSafeTensors(weights, metadata: ["format": "pt"])
/// try writer.commit()
/// ```
public struct ModelFolderWriter {
    /// The folder being written.
    public let destination: URL
    /// The temporary sibling the files go into until ``commit()``.
    public let staging: URL
    /// Names written so far.
    public private(set) var writtenNames: Set<String> = []
    private var committed = false

    /// Creates the staging folder next to `destination` (creating `destination`'s parent if needed).
    ///
    /// - Throws: ``Flint/FlintError/io(path:message:)`` naming the folder when it cannot be created.
    public init(destination: URL) throws {
        let destination = destination.standardizedFileURL
        self.destination = destination
        let parent = destination.deletingLastPathComponent()
        var random = SystemRandomNumberGenerator()
        staging = parent.appendingPathComponent(".\(destination.lastPathComponent).saving-\(getpid())-\(random.next() & 0xFFFF_FFFF)",
                                                isDirectory: true)
        do {
            try FileManager.default.createDirectory(at: parent, withIntermediateDirectories: true)
            try FileManager.default.createDirectory(at: staging, withIntermediateDirectories: false)
        } catch {
            throw FlintError.io(path: destination.path, message: "cannot create the folder \(staging.path): \(error.localizedDescription)")
        }
    }

    /// Writes `data` as the file `name` of the new folder and flushes it to disk.
    ///
    /// - Throws: ``Flint/FlintError/io(path:message:)`` naming the file.
    public mutating func write(_ data: Data, named name: String) throws {
        let url = staging.appendingPathComponent(name)
        do { try AtomicFile.write(data, to: url) } catch let failure as FileSystemError {
            throw FlintError(failure, writing: url)
        }
        writtenNames.insert(name)
    }

    /// Writes `tensors` as the safetensors file `name` of the new folder (flushed; see `SafeTensors.save`).
    public mutating func writeSafeTensors(_ tensors: [String: Tensor], metadata: [String: String],
                                          named name: String = "model.safetensors") throws {
        try SafeTensors.save(tensors, metadata: metadata, to: staging.appendingPathComponent(name))
        writtenNames.insert(name)
    }

    /// Copies the file `name` of `folder` (following symlinks, as Hub-cache snapshots use) into the new folder.
    public mutating func copy(_ name: String, from folder: URL) throws {
        let source = folder.appendingPathComponent(name)
        let data: Data
        do { data = try Data(contentsOf: source) } catch {
            throw FlintError.io(path: source.path, message: "cannot read: \(error.localizedDescription)")
        }
        try write(data, named: name)
    }

    /// Moves the new folder into place (replacing an existing one, whose other entries are carried over).
    ///
    /// - Throws: ``Flint/FlintError/io(path:message:)`` naming the path whose rename failed; the old
    ///   folder, if any, is then still at `destination`.
    public mutating func commit() throws {
        require(!committed, "ModelFolderWriter.commit: \(destination.path) is already committed")
        let fileManager = FileManager.default
        try Self.flush(directory: staging)
        let parent = destination.deletingLastPathComponent()
        var isDirectory: ObjCBool = false
        let exists = fileManager.fileExists(atPath: destination.path, isDirectory: &isDirectory)
        if exists && !isDirectory.boolValue {
            throw FlintError.io(path: destination.path, message: "exists and is not a folder: refusing to replace it")
        }
        if !exists {
            guard rename(staging.path, destination.path) == 0 else { throw Self.ioError(destination.path, "cannot rename \(staging.path) to") }
            committed = true
            try Self.flush(directory: parent)
            return
        }
        // Carry over what the save does not write, so replacing never loses a checkpoint or a log.
        let entries = (try? fileManager.contentsOfDirectory(atPath: destination.path)) ?? []
        var carried: [String] = []
        for name in entries.sorted() where !writtenNames.contains(name) && !Self.isWeightFile(name) {
            guard rename(destination.appendingPathComponent(name).path, staging.appendingPathComponent(name).path) == 0 else {
                let error = Self.ioError(destination.appendingPathComponent(name).path, "cannot move into \(staging.path)")
                for back in carried { _ = rename(staging.appendingPathComponent(back).path, destination.appendingPathComponent(back).path) }
                throw error
            }
            carried.append(name)
        }
        var random = SystemRandomNumberGenerator()
        let old = parent.appendingPathComponent(".\(destination.lastPathComponent).replaced-\(getpid())-\(random.next() & 0xFFFF_FFFF)")
        guard rename(destination.path, old.path) == 0 else {
            let error = Self.ioError(destination.path, "cannot rename to \(old.path)")
            for back in carried { _ = rename(staging.appendingPathComponent(back).path, destination.appendingPathComponent(back).path) }
            throw error
        }
        guard rename(staging.path, destination.path) == 0 else {
            let error = Self.ioError(destination.path, "cannot rename \(staging.path) to")
            _ = rename(old.path, destination.path)
            throw error
        }
        committed = true
        try Self.flush(directory: parent)
        try? fileManager.removeItem(at: old)
    }

    /// Deletes the staging folder (after a failed write; does nothing once committed).
    public func discard() {
        if !committed { try? FileManager.default.removeItem(at: staging) }
    }

    /// Weight files of another save, which must not survive next to a new `model.safetensors`.
    static func isWeightFile(_ name: String) -> Bool {
        if WeightFiles.names.contains(name) { return true }
        let isShard = (name.hasPrefix("model-") && name.hasSuffix(".safetensors"))
            || (name.hasPrefix("pytorch_model-") && name.hasSuffix(".bin"))
        return isShard && name.contains("-of-")
    }

    /// Flushes `directory`'s entries to disk (``FlintSupport/AtomicFile/synchronizeDirectory(_:)``).
    static func flush(directory: URL) throws {
        do { try AtomicFile.synchronizeDirectory(directory) } catch let failure as FileSystemError {
            throw FlintError.io(path: directory.path, message: "cannot flush: \(failure.reason)")
        }
    }

    static func ioError(_ path: String, _ action: String) -> FlintError {
        FlintError.io(path: path, message: "\(action): \(String(cString: strerror(errno)))")
    }
}
