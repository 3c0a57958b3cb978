import Foundation
import FlintSupport

/// The files of OpenAI's Files API — uploads with purpose `batch` and the output and error files of batches —
/// under one folder: `ID.content` (the bytes) and `ID.json` (OpenAI's file object), each written atomically, so
/// they survive a restart and a crash never leaves half a file.
final class OpenAIFileStore: Sendable {
    /// OpenAI's file object.
    struct FileObject: Codable, Sendable, Equatable {
        var id: String
        var object = "file"
        var bytes: Int
        var createdAt: Int
        var filename: String
        /// `batch` (uploads) or `batch_output` (what a batch wrote).
        var purpose: String
        var status = "processed"

        enum CodingKeys: String, CodingKey {
            case id, object, bytes, filename, purpose, status
            case createdAt = "created_at"
        }
    }

    let folder: URL
    private let lock = NSLock()

    /// A store in `folder` (created when missing).
    init(folder: URL) throws {
        self.folder = folder
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    }

    /// A new id with `prefix` (`file-`, `batch_`, `batch_req_`): 24 random letters and digits.
    static func newID(_ prefix: String) -> String {
        let alphabet = Array("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")
        return prefix + String((0..<24).map { _ in alphabet.randomElement()! })
    }

    /// Whether `id` can name a stored file (letters, digits, `-`, `_`: never a path).
    static func isValidID(_ id: String) -> Bool {
        !id.isEmpty && id.count <= 64 && id.unicodeScalars.allSatisfy { $0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0) || $0 == "-" || $0 == "_") }
    }

    /// Stores `content` as a new file.
    func create(content: some ContiguousBytes, filename: String, purpose: String) throws -> FileObject {
        let id = Self.newID("file-")
        let bytes = content.withUnsafeBytes { $0.count }
        let object = FileObject(id: id, bytes: bytes, createdAt: Int(Date().timeIntervalSince1970), filename: filename, purpose: purpose)
        try AtomicFile.write(content, to: folder.appendingPathComponent("\(id).content"))
        try AtomicFile.write(try JSONEncoder().encode(object), to: folder.appendingPathComponent("\(id).json"))
        return object
    }

    /// The file object of `id`; 404 `file_not_found` when there is none.
    func object(_ id: String) throws -> FileObject {
        guard Self.isValidID(id), let data = try? Data(contentsOf: folder.appendingPathComponent("\(id).json")),
              let object = try? JSONDecoder().decode(FileObject.self, from: data) else {
            throw APIError(.notFound, "No such File object: \(id)", type: "invalid_request_error", code: "file_not_found")
        }
        return object
    }

    /// Where the bytes of `id` are.
    func contentURL(_ id: String) throws -> URL {
        _ = try object(id)
        return folder.appendingPathComponent("\(id).content")
    }

    /// Every file, newest first.
    func list() -> [FileObject] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
        return names.filter { $0.hasSuffix(".json") }.compactMap { name in
            (try? Data(contentsOf: folder.appendingPathComponent(name))).flatMap { try? JSONDecoder().decode(FileObject.self, from: $0) }
        }.sorted { ($0.createdAt, $0.id) > ($1.createdAt, $1.id) }
    }

    /// Removes `id`.
    func delete(_ id: String) throws {
        _ = try object(id)
        lock.withLock {
            try? FileManager.default.removeItem(at: folder.appendingPathComponent("\(id).json"))
            try? FileManager.default.removeItem(at: folder.appendingPathComponent("\(id).content"))
        }
    }
}
