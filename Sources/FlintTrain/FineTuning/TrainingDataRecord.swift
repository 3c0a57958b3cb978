import Foundation
import FlintData
import FlintModels
import FlintSupport

/// What a fine-tuning run was trained and tested on, saved as `training_data.json` next to the model
/// so that the model registry (`flint registry push`) can record the data hash.
///
/// `data_sha256` fingerprints the examples themselves, independent of file format and path: SHA-256
/// over, for each split in name order, the UTF-8 split name and a newline, then for each example its
/// label index and the UTF-8 byte count of its text (both 64-bit little-endian) followed by the text
/// bytes. `files` holds the `sha256sum` of each data file when the data came from files.
public struct TrainingDataRecord: Codable, Sendable, Equatable {
    /// The file name in the model folder.
    public static let fileName = "training_data.json"

    /// The SHA-256 of the examples (see the type's description), 64 hexadecimal digits.
    public var dataSHA256: String
    /// The built-in data set name, or the data file path.
    public var source: String
    /// The SHA-256 of every data file read, by path (empty for built-in data sets).
    public var files: [String: String]
    /// Examples per split (`train` before the validation hold-out, and `test`).
    public var examples: [String: Int]
    /// Class names by label index.
    public var labels: [String]

    /// A record of `splits` (text column `text`, integer column `label`) loaded from `source`.
    public init(source: FineTuneJob.DataSource, splits: DataTableDict, labelNames: [String]) throws {
        var hash = SHA256()
        var counts: [String: Int] = [:]
        for name in splits.splitNames.sorted() {
            let table = splits[name]!
            guard let texts = table[column: "text"].strings, let labels = table[column: "label"].integers else {
                throw TrainerError.invalidArguments("split '\(name)': expected a 'text' string column and a 'label' integer column")
            }
            hash.update(Array((name + "\n").utf8))
            for (text, label) in zip(texts, labels) {
                let bytes = Array(text.utf8)
                withUnsafeBytes(of: Int64(label).littleEndian) { hash.update($0) }
                withUnsafeBytes(of: Int64(bytes.count).littleEndian) { hash.update($0) }
                hash.update(bytes)
            }
            counts[name] = texts.count
        }
        dataSHA256 = hash.hexFinalized()
        examples = counts
        labels = labelNames
        switch source {
        case .builtin(let name):
            self.source = name
            files = [:]
        case .file(let path, let testPath):
            self.source = path
            var hashes: [String: String] = [:]
            for file in [path] + (testPath.map { [$0] } ?? []) {
                hashes[file] = try SHA256.hexDigest(ofFileAt: URL(fileURLWithPath: file))
            }
            files = hashes
        }
    }

    /// Writes `training_data.json` into `folder`, atomically.
    public func write(to folder: URL) throws {
        try AtomicFile.write(TrainerCheckpoint.encoded(self), to: folder.appendingPathComponent(Self.fileName))
    }

    enum CodingKeys: String, CodingKey {
        case dataSHA256 = "data_sha256", source, files, examples, labels
    }
}
