import FlintData
import Foundation
import FlintSupport

/// Reads a TensorBoard event file back: walks the TFRecord framing, verifies both CRCs of every record and
/// decodes each record as an `Event`.
///
///     var reader = try TensorBoardEventReader(contentsOf: url)
///     while let event = try reader.nextEvent() { print(event.step, event.summary ?? []) }
///
/// A damaged file throws `DataError` naming the file and the byte offset of the bad record: a cut-off
/// header or body is `.truncated`, a CRC mismatch or a malformed `Event` is `.invalidField`.
public struct TensorBoardEventReader: Sendable {
    /// The file being read.
    public let path: String
    private let bytes: [UInt8]
    /// The file offset of the next record.
    public private(set) var offset = 0

    /// Reads the whole file at `url` into memory.
    public init(contentsOf url: URL) throws {
        path = url.path
        guard FileManager.default.fileExists(atPath: path) else {
            throw DataError.missingFile(path: path, hint: "TensorBoardWriter creates event files in its log directory.")
        }
        do {
            bytes = [UInt8](try Data(contentsOf: url))
        } catch {
            throw DataError.unreadable(path: path, reason: "\(error.localizedDescription)")
        }
    }

    /// Reads `bytes` as the contents of a file called `path` (used in error messages).
    public init(bytes: [UInt8], path: String) {
        self.path = path
        self.bytes = bytes
    }

    /// The data of the next record with both CRCs verified, or nil at the end of the file.
    public mutating func nextRecord() throws -> [UInt8]? {
        guard offset < bytes.count else { return nil }
        let start = offset
        let remaining = bytes.count - start
        guard remaining >= TFRecordFraming.headerSize else {
            throw DataError.truncated(path: path, field: "header of the record at offset \(start)",
                                      expectedBytes: TFRecordFraming.headerSize, foundBytes: remaining)
        }
        let lengthCRC = TFRecordFraming.readLittleEndian(UInt32.self, from: bytes, at: start + 8)
        let expectedLengthCRC = CRC32C.maskedChecksum(bytes[start..<start + 8])
        guard lengthCRC == expectedLengthCRC else {
            throw DataError.invalidField(path: path, field: "length CRC of the record at offset \(start)",
                                         expected: hex(expectedLengthCRC), found: hex(lengthCRC))
        }
        let length = TFRecordFraming.readLittleEndian(UInt64.self, from: bytes, at: start)
        let available = remaining - TFRecordFraming.headerSize
        guard length <= UInt64(available), Int(length) + TFRecordFraming.footerSize <= available else {
            let needed = length > UInt64(Int.max / 2) ? Int.max : Int(length) + TFRecordFraming.footerSize
            throw DataError.truncated(path: path, field: "data of the record at offset \(start)",
                                      expectedBytes: needed, foundBytes: available)
        }
        let dataStart = start + TFRecordFraming.headerSize
        let data = Array(bytes[dataStart..<dataStart + Int(length)])
        let dataCRC = TFRecordFraming.readLittleEndian(UInt32.self, from: bytes, at: dataStart + Int(length))
        let expectedDataCRC = CRC32C.maskedChecksum(data)
        guard dataCRC == expectedDataCRC else {
            throw DataError.invalidField(path: path, field: "data CRC of the record at offset \(start)",
                                         expected: hex(expectedDataCRC), found: hex(dataCRC))
        }
        offset = dataStart + Int(length) + TFRecordFraming.footerSize
        return data
    }

    /// The next record decoded as an `Event`, or nil at the end of the file.
    public mutating func nextEvent() throws -> TensorBoardEvent? {
        let start = offset
        guard let data = try nextRecord() else { return nil }
        do {
            return try TensorBoardEvent(decoding: data[...])
        } catch {
            throw DataError.invalidField(
                path: path,
                field: "Event in the record at offset \(start) (byte \(error.offset) of the event)",
                expected: error.expected, found: error.found)
        }
    }

    /// Every event in the file at `url`, in order.
    public static func events(in url: URL) throws -> [TensorBoardEvent] {
        var reader = try TensorBoardEventReader(contentsOf: url)
        var events: [TensorBoardEvent] = []
        while let event = try reader.nextEvent() { events.append(event) }
        return events
    }

    private func hex(_ value: UInt32) -> String { "0x" + String(value, radix: 16, uppercase: false).leftPadded(to: 8) }
}

private extension String {
    func leftPadded(to width: Int) -> String { String(repeating: "0", count: max(0, width - count)) + self }
}
