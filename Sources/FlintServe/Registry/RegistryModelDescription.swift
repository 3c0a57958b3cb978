import Foundation
import FlintModels

/// What a pushed model is: for a folder, what its `config.json` says (task and class names); for a GGUF
/// file, what its header says (``RegistryGGUFDescription``).
struct RegistryModelDescription: Equatable {
    /// `text-classification` when an architecture is a classification head (`…ForSequenceClassification`),
    /// else `feature-extraction`; `text-generation` for a GGUF file.
    let task: String
    /// `id2label` values by index, when the keys are exactly 0..<n.
    let labels: [String]?
    /// A folder or a GGUF file.
    let format: RegistryModelFormat
    /// The GGUF header's description, for a GGUF file.
    let gguf: RegistryGGUFDescription?

    /// Reads `folder/config.json`; throws ``RegistryError/invalidFolder(path:reason:)`` when it is
    /// missing or not a JSON object with the expected field types.
    init(folder: URL) throws {
        let url = folder.appendingPathComponent("config.json")
        guard FileManager.default.fileExists(atPath: url.path) else {
            throw RegistryError.invalidFolder(path: folder.path, reason: "no config.json (expected a Hugging Face model folder)")
        }
        guard let fields = try RegistryPushMetadata.decodeIfPresent(ConfigurationFields.self, "config.json", in: folder) else {
            throw RegistryError.invalidFolder(path: url.path, reason: "missing")
        }
        let architectures = fields.architectures ?? []
        task = architectures.contains { $0.hasSuffix("ForSequenceClassification") } ? "text-classification" : "feature-extraction"
        if let idToLabel = fields.idToLabel, !idToLabel.isEmpty {
            let indexed = idToLabel.compactMap { key, value in Int(key).map { ($0, value) } }.sorted { $0.0 < $1.0 }
            labels = indexed.count == idToLabel.count && indexed.map(\.0) == Array(0..<indexed.count) ? indexed.map(\.1) : nil
        } else {
            labels = nil
        }
        format = .huggingFace
        gguf = nil
    }

    /// Parses the header of the GGUF file `file` with the GGUF reader (which validates every count,
    /// offset and size, so a corrupt or truncated file throws its ``Flint/FlintError`` naming the
    /// field and byte offset); `storedName` is the file's name in the version folder.
    init(ggufFile file: URL, storedName: String) throws {
        let parsed = try GGUFFile(path: file.path)
        task = "text-generation"
        labels = nil
        format = .gguf
        gguf = RegistryGGUFDescription(summary: GGUFSummary(parsed.header), file: storedName)
    }

    struct ConfigurationFields: Decodable {
        let architectures: [String]?
        let idToLabel: [String: String]?
        enum CodingKeys: String, CodingKey { case architectures, idToLabel = "id2label" }
    }
}
