import Foundation
import FlintSupport

/// Batches and their progress under one folder, so that they survive a restart: `ID.json` (the batch object),
/// `ID.progress.json` (lines done and the bytes of the partial output and error files that hold them), and
/// `ID.output.partial` / `ID.errors.partial` (lines appended as requests finish). After a crash, the partial files
/// are cut back to the recorded sizes and the batch continues at the recorded line.
final class OpenAIBatchStore: Sendable {
    struct Progress: Codable, Sendable, Equatable {
        var nextLine = 0
        var outputBytes = 0
        var errorBytes = 0
    }

    let folder: URL
    private let lock = NSLock()

    init(folder: URL) throws {
        self.folder = folder
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    }

    private func url(_ id: String, _ suffix: String) -> URL { folder.appendingPathComponent(id + suffix) }

    /// Saves a batch object (atomically).
    func save(_ batch: OpenAIBatchObject) throws {
        try lock.withLock { try AtomicFile.write(try JSONEncoder().encode(batch), to: url(batch.id, ".json")) }
    }

    /// The batch `id`; 404 `batch_not_found` when there is none.
    func batch(_ id: String) throws -> OpenAIBatchObject {
        guard OpenAIFileStore.isValidID(id), let data = lock.withLock({ try? Data(contentsOf: url(id, ".json")) }),
              let batch = try? JSONDecoder().decode(OpenAIBatchObject.self, from: data) else {
            throw APIError(.notFound, "No such Batch object: \(id)", type: "invalid_request_error", code: "batch_not_found")
        }
        return batch
    }

    /// Changes a batch under the store's lock (read, `change`, save), so that a cancel and the runner do not
    /// overwrite each other.
    @discardableResult
    func update(_ id: String, _ change: (inout OpenAIBatchObject) throws -> Void) throws -> OpenAIBatchObject {
        try lock.withLock {
            guard let data = try? Data(contentsOf: url(id, ".json")) else {
                throw APIError(.notFound, "No such Batch object: \(id)", type: "invalid_request_error", code: "batch_not_found")
            }
            var batch = try JSONDecoder().decode(OpenAIBatchObject.self, from: data)
            try change(&batch)
            try AtomicFile.write(try JSONEncoder().encode(batch), to: url(id, ".json"))
            return batch
        }
    }

    /// Every batch, newest first.
    func list() -> [OpenAIBatchObject] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
        return names.filter { $0.hasSuffix(".json") && !$0.hasSuffix(".progress.json") }.compactMap { name in
            (try? Data(contentsOf: folder.appendingPathComponent(name))).flatMap { try? JSONDecoder().decode(OpenAIBatchObject.self, from: $0) }
        }.sorted { ($0.createdAt, $0.id) > ($1.createdAt, $1.id) }
    }

    /// The oldest batch with work left.
    func nextOpen() -> OpenAIBatchObject? {
        list().filter(\.isOpen).min { ($0.createdAt, $0.id) < ($1.createdAt, $1.id) }
    }

    func progress(_ id: String) -> Progress {
        (try? Data(contentsOf: url(id, ".progress.json"))).flatMap { try? JSONDecoder().decode(Progress.self, from: $0) } ?? Progress()
    }

    func saveProgress(_ id: String, _ progress: Progress) throws {
        try AtomicFile.write(try JSONEncoder().encode(progress), to: url(id, ".progress.json"))
    }

    /// The partial output (`errors` false) or error file, cut back to `bytes` (what the progress records).
    func partial(_ id: String, errors: Bool, bytes: Int) throws -> FileHandle {
        let file = url(id, errors ? ".errors.partial" : ".output.partial")
        if !FileManager.default.fileExists(atPath: file.path) { FileManager.default.createFile(atPath: file.path, contents: nil) }
        let handle = try FileHandle(forWritingTo: file)
        try handle.truncate(atOffset: UInt64(bytes))
        try handle.seekToEnd()
        return handle
    }

    /// The bytes of a partial file, and removes it.
    func takePartial(_ id: String, errors: Bool) -> Data {
        let file = url(id, errors ? ".errors.partial" : ".output.partial")
        defer { try? FileManager.default.removeItem(at: file) }
        return (try? Data(contentsOf: file)) ?? Data()
    }

    func removeProgress(_ id: String) { try? FileManager.default.removeItem(at: url(id, ".progress.json")) }
}
