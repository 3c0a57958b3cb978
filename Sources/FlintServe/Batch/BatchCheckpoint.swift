import Foundation
import FlintSupport

/// The progress file of an unfinished `flint batch` job (`<output>.progress.json`), written after every
/// batch once the output and errors files are on disk:
///
/// ```json
/// {"input_sha256_of_first_4KiB": "…", "lines_done": 64, "input_offset": 5120,
///  "output_bytes": 20480, "errors_bytes": 97, "succeeded": 63, "failed": 1}
/// ```
/// On resume the output and errors files are cut back to `output_bytes` / `errors_bytes` (dropping
/// anything a killed run wrote after its last checkpoint) and reading continues at `input_offset`,
/// the start of line `lines_done + 1`.
struct BatchCheckpoint: Codable, Equatable {
    /// Identifies the input: SHA-256 of its first 4 KiB (all of it when shorter).
    var inputFingerprint: String
    /// Input lines fully handled.
    var linesDone: Int
    /// Byte offset in the input where line `linesDone + 1` starts.
    var inputOffset: Int
    /// Size of the output file at the checkpoint.
    var outputBytes: Int
    /// Size of the errors file at the checkpoint.
    var errorsBytes: Int
    /// Lines written to the output so far.
    var succeeded: Int
    /// Lines written to the errors file so far.
    var failed: Int

    enum CodingKeys: String, CodingKey {
        case inputFingerprint = "input_sha256_of_first_4KiB"
        case linesDone = "lines_done"
        case inputOffset = "input_offset"
        case outputBytes = "output_bytes"
        case errorsBytes = "errors_bytes"
        case succeeded, failed
    }

    /// The fingerprint of `url`: SHA-256 of its first 4096 bytes, in hex.
    static func fingerprint(of url: URL) throws -> String {
        do {
            let handle = try FileHandle(forReadingFrom: url)
            defer { try? handle.close() }
            let head = try handle.read(upToCount: 4096) ?? Data()
            return SHA256.hexDigest(head)
        } catch {
            throw BatchJobError(path: url.path, message: "cannot read the input: \(error.localizedDescription)")
        }
    }

    /// Reads a progress file; nil when there is none.
    static func read(from url: URL) throws -> BatchCheckpoint? {
        guard FileManager.default.fileExists(atPath: url.path) else { return nil }
        do {
            return try JSONDecoder().decode(BatchCheckpoint.self, from: Data(contentsOf: url))
        } catch {
            throw BatchJobError(path: url.path,
                message: "the progress file is unreadable (\(error)); rerun with --restart to start over")
        }
    }

    /// Replaces the progress file atomically (``FlintSupport/AtomicFile``): a temporary sibling is written,
    /// fsynced, renamed over `url` and the folder fsynced, so that after a crash the file is either the
    /// old checkpoint or the new one.
    func write(to url: URL) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        do {
            var data = try encoder.encode(self)
            data.append(UInt8(ascii: "\n"))
            try AtomicFile.write(data, to: url)
        } catch {
            throw BatchJobError(path: url.path, message: "cannot write the progress file: \(error)")
        }
    }
}
