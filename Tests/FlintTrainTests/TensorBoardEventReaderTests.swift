import Foundation
import Testing
import FlintData
import FlintTrain

/// Damaged event files throw `DataError` naming the file and the offset of the bad record.
@Suite("TensorBoard event reader")
struct TensorBoardEventReaderTests {
    /// A file with the version event and three scalars; returns its bytes and each record's offset.
    private func writeSample(in directory: URL) throws -> (url: URL, bytes: [UInt8], offsets: [Int]) {
        let writer = try TensorBoardWriter(logDirectory: directory)
        for step in 1...3 { try writer.addScalar(tag: "loss", value: Float(step), step: step, wallTime: 100) }
        try writer.close()
        let bytes = [UInt8](try Data(contentsOf: writer.fileURL))
        var offsets: [Int] = []
        var reader = TensorBoardEventReader(bytes: bytes, path: writer.fileURL.path)
        while true {
            let offset = reader.offset
            guard try reader.nextRecord() != nil else { break }
            offsets.append(offset)
        }
        return (writer.fileURL, bytes, offsets)
    }

    /// Reads `bytes` as a file named `path` to the end, returning the error it throws.
    private func readError(_ bytes: [UInt8], path: String) throws -> DataError {
        try #require(throws: DataError.self) {
            var reader = TensorBoardEventReader(bytes: bytes, path: path)
            while try reader.nextEvent() != nil {}
        }
    }

    @Test("Each record's offset follows the previous one's length")
    func offsets() throws {
        let directory = try TensorBoardTestDirectory.make()
        defer { try? FileManager.default.removeItem(at: directory) }
        let sample = try writeSample(in: directory)
        #expect(sample.offsets.count == 4)
        #expect(sample.offsets[0] == 0)
        // The version event is 24 bytes of data (wall_time + "brain.Event:2"): 12 + 24 + 4.
        #expect(sample.offsets[1] == 40)
    }

    @Test("A file cut inside a record header is truncated at that record")
    func truncatedHeader() throws {
        let directory = try TensorBoardTestDirectory.make()
        defer { try? FileManager.default.removeItem(at: directory) }
        let sample = try writeSample(in: directory)
        let last = sample.offsets[3]
        let cut = Array(sample.bytes[..<(last + 5)])
        try Data(cut).write(to: sample.url)
        let error = try #require(throws: DataError.self) { try TensorBoardEventReader.events(in: sample.url) }
        #expect(error == .truncated(path: sample.url.path, field: "header of the record at offset \(last)",
                                    expectedBytes: 12, foundBytes: 5))
        #expect(error.description.contains(sample.url.path))
        #expect(error.description.contains("offset \(last)"))
    }

    @Test("A file cut inside a record's data is truncated at that record")
    func truncatedData() throws {
        let directory = try TensorBoardTestDirectory.make()
        defer { try? FileManager.default.removeItem(at: directory) }
        let sample = try writeSample(in: directory)
        let last = sample.offsets[3]
        let recordLength = sample.bytes.count - last
        let error = try readError(Array(sample.bytes.dropLast(1)), path: sample.url.path)
        #expect(error == .truncated(path: sample.url.path, field: "data of the record at offset \(last)",
                                    expectedBytes: recordLength - 12, foundBytes: recordLength - 13))
    }

    @Test("A flipped length byte fails the length CRC of that record")
    func flippedLength() throws {
        let directory = try TensorBoardTestDirectory.make()
        defer { try? FileManager.default.removeItem(at: directory) }
        let sample = try writeSample(in: directory)
        var bytes = sample.bytes
        let record = sample.offsets[2]
        bytes[record] ^= 0x01
        let error = try readError(bytes, path: sample.url.path)
        guard case .invalidField(let path, let field, _, _) = error else {
            Issue.record("expected invalidField, got \(error)")
            return
        }
        #expect(path == sample.url.path)
        #expect(field == "length CRC of the record at offset \(record)")
    }

    @Test("A flipped data byte fails the data CRC of that record, at every position in the data")
    func flippedData() throws {
        let directory = try TensorBoardTestDirectory.make()
        defer { try? FileManager.default.removeItem(at: directory) }
        let sample = try writeSample(in: directory)
        let record = sample.offsets[1]
        for position in (record + 12)..<sample.offsets[2] {
            var bytes = sample.bytes
            bytes[position] ^= 0x20
            let error = try readError(bytes, path: "events.sample")
            guard case .invalidField(let path, let field, let expected, let found) = error else {
                Issue.record("byte \(position): expected invalidField, got \(error)")
                continue
            }
            #expect(path == "events.sample")
            #expect(field == "data CRC of the record at offset \(record)", "byte \(position)")
            #expect(expected != found)
            #expect(error.description.hasPrefix("events.sample: field 'data CRC of the record at offset \(record)': expected 0x"))
        }
    }

    @Test("A malformed Event with valid CRCs names the record and the byte in the event")
    func malformedEvent() throws {
        // wall_time (field 1) with the string wire type.
        let bad = TFRecordFraming.record([0x0A, 0x01, 0x41])
        let good = TFRecordFraming.record(TensorBoardEvent(wallTime: 1, fileVersion: "brain.Event:2").serialized())
        let error = try readError(good + bad, path: "events.bad")
        #expect(error == .invalidField(path: "events.bad", field: "Event in the record at offset \(good.count) (byte 0 of the event)",
                                       expected: "Event.wall_time as a double", found: "a length-delimited value"))
        // A length running past the end of the event.
        let overrun = try readError(TFRecordFraming.record([0x2A, 0x09, 0x0A]), path: "events.bad")
        #expect(overrun == .invalidField(path: "events.bad", field: "Event in the record at offset 0 (byte 2 of the event)",
                                         expected: "9 bytes for field 5", found: "1 bytes left in the message"))
    }

    @Test("A missing file is reported as missing")
    func missingFile() throws {
        let url = URL(fileURLWithPath: "/nonexistent/events.out.tfevents.0")
        let error = try #require(throws: DataError.self) { try TensorBoardEventReader.events(in: url) }
        guard case .missingFile(let path, _) = error else {
            Issue.record("expected missingFile, got \(error)")
            return
        }
        #expect(path == url.path)
    }
}
