import CFlintZlib
import Flint
import Foundation

// The parts of the ZIP format (PKWARE APPNOTE 6.3) a checkpoint reader needs:
//
//   [local header 1][data 1] … [local header n][data n]
//   [central directory: one header per entry]
//   [ZIP64 end-of-central-directory record + locator]   (only when a count, size or offset overflows)
//   [end-of-central-directory record][comment]
//
// The end record is found by scanning back from the end of the file (the comment is at most 64 KiB).
// Sizes and offsets come from the central directory; a 0xFFFFFFFF (or 0xFFFF) value there means the
// real value is in the entry's ZIP64 extra field (id 0x0001). The local header is read only to find
// where the entry's data starts (its name and extra lengths may differ from the central copy).

/// A read-only ZIP archive over a memory-mapped file: stored entries are returned as views of the
/// mapping (no copy); deflated entries are inflated with zlib.
///
/// Every offset and size is checked against the file, so a truncated or corrupted archive throws a
/// ``FlintError`` naming the file and the record at fault instead of reading out of bounds.
public struct ZipArchive: Sendable {
    /// One entry of the central directory.
    public struct Entry: Sendable, Equatable {
        /// The entry's path inside the archive (as stored, `/`-separated).
        public let name: String
        /// 0 for stored (no compression), 8 for deflate.
        public let method: Int
        /// CRC-32 of the uncompressed bytes.
        public let checksum: UInt32
        /// Size of the bytes as stored in the archive.
        public let compressedSize: Int
        /// Size of the entry once uncompressed.
        public let uncompressedSize: Int
        /// Offset of the entry's local header in the file.
        public let localHeaderOffset: Int
        /// The general-purpose flags (bit 0: encrypted).
        let flags: Int
    }

    /// A deflated entry may not expand by more than this factor (deflate's own maximum is 1032:1),
    /// which bounds the memory a corrupted size field can make the reader allocate.
    static let maximumCompressionRatio = 1032

    /// The mapped file.
    public let file: MappedFile
    /// The entries in central-directory order.
    public let entries: [Entry]
    private let index: [String: Int]

    /// The path of the archive.
    public var path: String { file.path }

    /// Maps the archive at `url` and reads its central directory.
    ///
    /// - Throws: ``FlintError/io(path:message:)`` when the file cannot be mapped;
    ///   ``FlintError/invalidFile(path:field:expected:found:)`` when it is not a ZIP archive or any
    ///   record points outside the file.
    public init(contentsOf url: URL) throws {
        try self.init(file: MappedFile(path: url.path))
    }

    /// Reads the central directory of an already mapped archive.
    public init(file: MappedFile) throws {
        self.file = file
        let reader = CheckedByteReader(bytes: file.bytes, path: file.path)
        let (count, directoryOffset, directorySize) = try ZipArchive.locateCentralDirectory(reader)
        var entries: [Entry] = []
        entries.reserveCapacity(min(count, file.byteCount / 46))
        var index: [String: Int] = [:]
        var position = directoryOffset
        let directoryEnd = directoryOffset + directorySize
        for number in 0..<count {
            let field = "central directory entry \(number)"
            guard position + 46 <= directoryEnd else {
                throw reader.invalid(field, "a 46-byte header inside the central directory (bytes \(directoryOffset)..<\(directoryEnd))",
                                     "a header at byte \(position)")
            }
            let signature = try reader.uint32(at: position, field)
            guard signature == 0x0201_4b50 else {
                throw reader.invalid(field, "signature 0x02014b50", String(format: "0x%08x", signature))
            }
            let flags = Int(try reader.uint16(at: position + 8, field))
            let method = Int(try reader.uint16(at: position + 10, field))
            let checksum = try reader.uint32(at: position + 16, field)
            var compressed = Int(try reader.uint32(at: position + 20, field))
            var uncompressed = Int(try reader.uint32(at: position + 24, field))
            let nameLength = Int(try reader.uint16(at: position + 28, field))
            let extraLength = Int(try reader.uint16(at: position + 30, field))
            let commentLength = Int(try reader.uint16(at: position + 32, field))
            var localOffset = Int(try reader.uint32(at: position + 42, field))
            let nameStart = position + 46
            let next = nameStart + nameLength + extraLength + commentLength
            guard next <= directoryEnd else {
                throw reader.invalid(field, "name, extra field and comment inside the central directory (ending at byte \(directoryEnd))",
                                     "\(nameLength + extraLength + commentLength) bytes from byte \(nameStart)")
            }
            let nameBytes = try reader.slice(nameStart, nameLength, field)
            guard let name = String(validating: nameBytes, as: UTF8.self) else {
                throw reader.invalid(field, "a UTF-8 name", "bytes that are not valid UTF-8")
            }
            // ZIP64 extra field: the 64-bit values, in this order, of those fields that hold 0xFFFFFFFF.
            if compressed == 0xFFFF_FFFF || uncompressed == 0xFFFF_FFFF || localOffset == 0xFFFF_FFFF {
                var extra = nameStart + nameLength
                let extraEnd = extra + extraLength
                var found = false
                while extra + 4 <= extraEnd {
                    let tag = try reader.uint16(at: extra, field)
                    let size = Int(try reader.uint16(at: extra + 2, field))
                    let dataStart = extra + 4
                    guard dataStart + size <= extraEnd else { break }
                    if tag == 0x0001 {
                        var cursor = dataStart
                        func next64() throws -> Int {
                            guard cursor + 8 <= dataStart + size else {
                                throw reader.invalid("\(field) (\"\(name)\") ZIP64 extra field",
                                                     "a 64-bit value for every 32-bit field set to 0xFFFFFFFF", "\(size) bytes")
                            }
                            let value = try reader.uint64(at: cursor, field)
                            cursor += 8
                            guard value <= UInt64(Int.max / 2) else {
                                throw reader.invalid("\(field) (\"\(name)\") ZIP64 extra field", "a size or offset below 2^62", "\(value)")
                            }
                            return Int(value)
                        }
                        if uncompressed == 0xFFFF_FFFF { uncompressed = try next64() }
                        if compressed == 0xFFFF_FFFF { compressed = try next64() }
                        if localOffset == 0xFFFF_FFFF { localOffset = try next64() }
                        found = true
                        break
                    }
                    extra = dataStart + size
                }
                guard found else {
                    throw reader.invalid("\(field) (\"\(name)\") extra field",
                                         "a ZIP64 extra field (id 0x0001) for sizes or offsets of 0xFFFFFFFF", "none")
                }
            }
            guard localOffset < directoryOffset, compressed <= directoryOffset - localOffset else {
                throw reader.invalid("\(field) (\"\(name)\")",
                                     "a local header and data before the central directory (byte \(directoryOffset))",
                                     "a local header at byte \(localOffset) with \(compressed) stored bytes")
            }
            if index[name] == nil { index[name] = entries.count }
            entries.append(Entry(name: name, method: method, checksum: checksum, compressedSize: compressed,
                                 uncompressedSize: uncompressed, localHeaderOffset: localOffset, flags: flags))
            position = next
        }
        self.entries = entries
        self.index = index
    }

    /// Finds the end-of-central-directory record (and its ZIP64 counterpart when present).
    /// Returns the entry count and the central directory's offset and size, checked against the file.
    private static func locateCentralDirectory(_ reader: CheckedByteReader) throws -> (count: Int, offset: Int, size: Int) {
        let size = reader.bytes.count
        guard size >= 22 else {
            throw reader.invalid("end of central directory", "a ZIP archive of at least 22 bytes", "a file of \(size) bytes")
        }
        // Scan back for the end record whose comment length reaches exactly the end of the file.
        var end = -1
        var candidate = size - 22
        let lowest = max(0, size - 22 - 0xFFFF)
        while candidate >= lowest {
            if reader.bytes[candidate] == 0x50, try reader.uint32(at: candidate, "end of central directory") == 0x0605_4b50,
               candidate + 22 + Int(try reader.uint16(at: candidate + 20, "end of central directory")) == size {
                end = candidate
                break
            }
            candidate -= 1
        }
        guard end >= 0 else {
            let magic = size >= 4 ? String(format: "0x%08x", (try? reader.uint32(at: 0, "signature")) ?? 0) : "nothing"
            throw reader.invalid("end of central directory",
                                 "a ZIP end record (signature 0x06054b50) in the last 65557 bytes",
                                 "none (the file starts with \(magic))")
        }
        let field = "end of central directory"
        let disk = try reader.uint16(at: end + 4, field)
        let directoryDisk = try reader.uint16(at: end + 6, field)
        var count = Int(try reader.uint16(at: end + 10, field))
        var directorySize = Int(try reader.uint32(at: end + 12, field))
        var directoryOffset = Int(try reader.uint32(at: end + 16, field))
        var recordsStart = end
        if count == 0xFFFF || directorySize == 0xFFFF_FFFF || directoryOffset == 0xFFFF_FFFF {
            // ZIP64: a 20-byte locator right before the end record points at the ZIP64 end record.
            let locator = end - 20
            guard locator >= 0, try reader.uint32(at: locator, "ZIP64 locator") == 0x0706_4b50 else {
                throw reader.invalid("ZIP64 end of central directory locator",
                                     "signature 0x07064b50 right before the end record (fields hold 0xFFFF…)", "none")
            }
            let recordOffset64 = try reader.uint64(at: locator + 8, "ZIP64 locator")
            guard recordOffset64 <= UInt64(locator), Int(recordOffset64) + 56 <= locator else {
                throw reader.invalid("ZIP64 locator record offset", "a 56-byte record before byte \(locator)", "\(recordOffset64)")
            }
            let record = Int(recordOffset64)
            guard try reader.uint32(at: record, "ZIP64 end of central directory") == 0x0606_4b50 else {
                throw reader.invalid("ZIP64 end of central directory", "signature 0x06064b50 at byte \(record)",
                                     String(format: "0x%08x", try reader.uint32(at: record, "ZIP64 end of central directory")))
            }
            let count64 = try reader.uint64(at: record + 32, "ZIP64 end of central directory")
            let size64 = try reader.uint64(at: record + 40, "ZIP64 end of central directory")
            let offset64 = try reader.uint64(at: record + 48, "ZIP64 end of central directory")
            guard count64 <= UInt64(size), size64 <= UInt64(size), offset64 <= UInt64(size) else {
                throw reader.invalid("ZIP64 end of central directory",
                                     "an entry count, directory size and offset within the file (\(size) bytes)",
                                     "\(count64) entries, \(size64) bytes at offset \(offset64)")
            }
            count = Int(count64)
            directorySize = Int(size64)
            directoryOffset = Int(offset64)
            recordsStart = record
        } else if disk != 0 || directoryDisk != 0 {
            throw reader.invalid("end of central directory disk numbers", "0 (a single-file archive)", "disk \(disk), directory on disk \(directoryDisk)")
        }
        guard directoryOffset <= recordsStart, directorySize <= recordsStart - directoryOffset else {
            throw reader.invalid("central directory", "bytes before the end record (byte \(recordsStart))",
                                 "\(directorySize) bytes at offset \(directoryOffset)")
        }
        guard count <= directorySize / 46 else {
            throw reader.invalid("central directory entry count", "at most \(directorySize / 46) entries in \(directorySize) bytes", "\(count)")
        }
        return (count, directoryOffset, directorySize)
    }

    /// The entry named `name`, if any.
    public func entry(named name: String) -> Entry? {
        index[name].map { entries[$0] }
    }

    /// Where the data of `entry` starts in the file, from its local header.
    private func dataOffset(of entry: Entry) throws -> Int {
        let reader = CheckedByteReader(bytes: file.bytes, path: file.path)
        let field = "local header of \"\(entry.name)\""
        guard entry.flags & 1 == 0 else {
            throw reader.invalid(field, "an unencrypted entry", "general-purpose flag bit 0 (encryption) set")
        }
        let header = entry.localHeaderOffset
        let signature = try reader.uint32(at: header, field)
        guard signature == 0x0403_4b50 else {
            throw reader.invalid(field, "signature 0x04034b50 at byte \(header)", String(format: "0x%08x", signature))
        }
        let nameLength = Int(try reader.uint16(at: header + 26, field))
        let extraLength = Int(try reader.uint16(at: header + 28, field))
        let start = header + 30 + nameLength + extraLength
        guard start <= file.byteCount, entry.compressedSize <= file.byteCount - start else {
            throw reader.invalid(field, "\(entry.compressedSize) data bytes inside the file (\(file.byteCount) bytes)",
                                 "data starting at byte \(start)")
        }
        return start
    }

    /// The bytes of `entry` as stored (compressed when the method is deflate), a view of the mapping.
    public func rawBytes(of entry: Entry) throws -> UnsafeRawBufferPointer {
        let start = try dataOffset(of: entry)
        return UnsafeRawBufferPointer(start: file.data + start, count: entry.compressedSize)
    }

    /// The uncompressed bytes of `entry` as tensor storage: a view of the mapping for a stored entry
    /// (kept alive by the storage), a new buffer for a deflated one.
    ///
    /// - Parameter verifyingChecksum: check the CRC-32 of a stored entry too (deflated entries are
    ///   always checked).
    public func storage(of entry: Entry, verifyingChecksum: Bool = false) throws -> TensorStorage {
        let reader = CheckedByteReader(bytes: file.bytes, path: file.path)
        let field = "entry \"\(entry.name)\""
        let start = try dataOffset(of: entry)
        let raw = UnsafeRawBufferPointer(start: file.data + start, count: entry.compressedSize)
        switch entry.method {
        case 0:
            guard entry.uncompressedSize == entry.compressedSize else {
                throw reader.invalid("\(field) sizes", "equal sizes for a stored entry",
                                     "\(entry.compressedSize) stored, \(entry.uncompressedSize) uncompressed")
            }
            if verifyingChecksum { try verifyChecksum(raw, of: entry) }
            return TensorStorage(borrowing: file.data + start, byteCount: raw.count, owner: file)
        case 8:
            let limit = (entry.compressedSize + 1) * ZipArchive.maximumCompressionRatio
            guard entry.uncompressedSize <= limit else {
                throw reader.invalid("\(field) uncompressed size", "at most \(limit) bytes for \(entry.compressedSize) deflated bytes",
                                     "\(entry.uncompressedSize)")
            }
            let storage = TensorStorage(byteCount: entry.uncompressedSize)
            try inflate(raw, into: UnsafeMutableRawBufferPointer(start: storage.data, count: entry.uncompressedSize), entry: entry)
            try verifyChecksum(UnsafeRawBufferPointer(start: storage.data, count: entry.uncompressedSize), of: entry)
            return storage
        default:
            throw reader.invalid("\(field) compression method", "0 (stored) or 8 (deflate)", "\(entry.method)")
        }
    }

    /// The uncompressed bytes of `entry`, copied into an array (for small entries such as `data.pkl`).
    /// The CRC-32 is checked.
    public func contents(of entry: Entry) throws -> [UInt8] {
        let storage = try storage(of: entry, verifyingChecksum: true)
        return Array(UnsafeRawBufferPointer(start: storage.data, count: storage.byteCount))
    }

    private func verifyChecksum(_ bytes: UnsafeRawBufferPointer, of entry: Entry) throws {
        var crc: UInt = crc32(0, nil, 0)
        var position = 0
        while position < bytes.count {
            let chunk = min(bytes.count - position, 1 << 30)
            crc = crc32(crc, bytes.baseAddress!.advanced(by: position).assumingMemoryBound(to: Bytef.self), uInt(chunk))
            position += chunk
        }
        guard UInt32(truncatingIfNeeded: crc) == entry.checksum else {
            throw FlintError.invalidFile(path: path, field: "entry \"\(entry.name)\" CRC-32",
                                         expected: String(format: "0x%08x (from the central directory)", entry.checksum),
                                         found: String(format: "0x%08x", UInt32(truncatingIfNeeded: crc)))
        }
    }

    /// Inflates raw deflate data (no zlib header) into exactly `output.count` bytes.
    private func inflate(_ input: UnsafeRawBufferPointer, into output: UnsafeMutableRawBufferPointer, entry: Entry) throws {
        func failure(_ found: String) -> FlintError {
            .invalidFile(path: path, field: "entry \"\(entry.name)\" deflate data",
                         expected: "a complete deflate stream of \(entry.uncompressedSize) bytes", found: found)
        }
        var stream = z_stream()
        guard inflateInit2_(&stream, -MAX_WBITS, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
            throw failure("a zlib that cannot initialise")
        }
        defer { inflateEnd(&stream) }
        // zlib needs a non-null output pointer even for an empty entry.
        let scratch = UnsafeMutablePointer<Bytef>.allocate(capacity: 1)
        defer { scratch.deallocate() }
        var inputPosition = 0
        var outputPosition = 0
        let chunkLimit = Int(UInt32.max / 2)
        while true {
            let inputChunk = min(input.count - inputPosition, chunkLimit)
            let outputChunk = min(output.count - outputPosition, chunkLimit)
            stream.next_in = UnsafeMutablePointer(mutating: input.baseAddress.map { $0.advanced(by: inputPosition).assumingMemoryBound(to: Bytef.self) })
            stream.avail_in = uInt(inputChunk)
            let outputBase = output.baseAddress.map { $0.advanced(by: outputPosition).assumingMemoryBound(to: Bytef.self) }
            stream.next_out = outputBase ?? scratch
            stream.avail_out = uInt(outputChunk)
            let status = CFlintZlib.inflate(&stream, Z_NO_FLUSH)
            let consumed = inputChunk - Int(stream.avail_in)
            let produced = outputChunk - Int(stream.avail_out)
            inputPosition += consumed
            outputPosition += produced
            if status == Z_STREAM_END {
                guard outputPosition == output.count else { throw failure("a stream of \(outputPosition) bytes") }
                return
            }
            guard status == Z_OK else {
                throw failure("zlib error \(status)\(stream.msg.map { " (\(String(cString: $0)))" } ?? "") after \(outputPosition) bytes")
            }
            if consumed == 0 && produced == 0 {
                throw failure(outputPosition == output.count ? "more data than the declared size" : "a stream that ends after \(outputPosition) bytes")
            }
        }
    }
}

/// Bounds-checked little-endian reads from a byte buffer, throwing errors that name the file.
struct CheckedByteReader {
    let bytes: UnsafeRawBufferPointer
    let path: String

    func invalid(_ field: String, _ expected: String, _ found: String) -> FlintError {
        .invalidFile(path: path, field: field, expected: expected, found: found)
    }

    private func check(_ offset: Int, _ count: Int, _ field: String) throws {
        guard offset >= 0, count >= 0, offset <= bytes.count, count <= bytes.count - offset else {
            throw invalid(field, "\(count) bytes at offset \(offset) inside the file (\(bytes.count) bytes)", "the end of the file")
        }
    }

    func uint16(at offset: Int, _ field: String) throws -> UInt16 {
        try check(offset, 2, field)
        return UInt16(littleEndian: bytes.loadUnaligned(fromByteOffset: offset, as: UInt16.self))
    }

    func uint32(at offset: Int, _ field: String) throws -> UInt32 {
        try check(offset, 4, field)
        return UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: offset, as: UInt32.self))
    }

    func uint64(at offset: Int, _ field: String) throws -> UInt64 {
        try check(offset, 8, field)
        return UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: offset, as: UInt64.self))
    }

    func slice(_ offset: Int, _ count: Int, _ field: String) throws -> UnsafeRawBufferPointer {
        try check(offset, count, field)
        return UnsafeRawBufferPointer(rebasing: bytes[offset..<(offset + count)])
    }
}
