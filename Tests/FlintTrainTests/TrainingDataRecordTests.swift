import Foundation
import Testing
import FlintData
import FlintModels
@testable import FlintTrain
import FlintSupport

@Suite struct TrainingDataRecordTests {
    static func splits(labels: [Int] = [0, 1, 1]) throws -> DataTableDict {
        DataTableDict([
            ("train", try DataTable(columns: [("text", .strings(["good", "bad é", "ok"])), ("label", .integers(labels))])),
            ("test", try DataTable(columns: [("text", .strings(["fine"])), ("label", .integers([1]))])),
        ])
    }

    /// The documented encoding, written out by hand: per split in name order, "name\n", then per
    /// example the label and the text's UTF-8 length (Int64 little-endian) and the text bytes.
    static func expectedHash(_ splits: [(String, [(String, Int)])]) -> String {
        var bytes: [UInt8] = []
        func int64(_ value: Int) { bytes += (0..<8).map { UInt8(truncatingIfNeeded: UInt64(bitPattern: Int64(value)) >> (8 * UInt64($0))) } }
        for (name, examples) in splits.sorted(by: { $0.0 < $1.0 }) {
            bytes += Array((name + "\n").utf8)
            for (text, label) in examples {
                int64(label)
                int64(text.utf8.count)
                bytes += Array(text.utf8)
            }
        }
        return SHA256.hexDigest(bytes)
    }

    @Test func hashesTheExamplesAndTheDataFiles() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("flint-data-record-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let csv = directory.appendingPathComponent("reviews.csv")
        try Data("text,label\ngood,pos\n".utf8).write(to: csv)

        let record = try TrainingDataRecord(source: .file(csv.path, testFile: nil), splits: Self.splits(), labelNames: ["neg", "pos"])
        #expect(record.dataSHA256 == Self.expectedHash([("train", [("good", 0), ("bad é", 1), ("ok", 1)]), ("test", [("fine", 1)])]))
        #expect(record.files == [csv.path: SHA256.hexDigest(Data("text,label\ngood,pos\n".utf8))])
        #expect(record.examples == ["train": 3, "test": 1])
        #expect(record.source == csv.path)

        // One label changed: another hash.
        let changed = try TrainingDataRecord(source: .builtin("bbc-news"), splits: Self.splits(labels: [0, 1, 0]), labelNames: ["neg", "pos"])
        #expect(changed.dataSHA256 != record.dataSHA256)
        #expect(changed.files.isEmpty && changed.source == "bbc-news")

        // Written as training_data.json with the registry's key.
        try record.write(to: directory)
        let json = try JSONSerialization.jsonObject(with: Data(contentsOf: directory.appendingPathComponent("training_data.json"))) as? [String: Any]
        #expect(json?["data_sha256"] as? String == record.dataSHA256)
        #expect(try JSONDecoder().decode(TrainingDataRecord.self, from: Data(contentsOf: directory.appendingPathComponent("training_data.json"))) == record)
    }
}
