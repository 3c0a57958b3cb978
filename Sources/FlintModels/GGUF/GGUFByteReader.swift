import Flint

/// A little-endian cursor over a GGUF file's header that reports every problem as a
/// ``FlintError/invalidFile(path:field:expected:found:)`` naming the field and its byte offset.
///
/// Every length read from the file is checked against the bytes that remain before anything is
/// allocated for it, so a corrupt count can never make the reader allocate or read past the end.
struct GGUFByteReader {
    let bytes: UnsafeRawBufferPointer
    let path: String
    /// The offset of the next byte to read.
    private(set) var offset = 0

    init(bytes: UnsafeRawBufferPointer, path: String) {
        self.bytes = bytes
        self.path = path
    }

    /// Bytes left after the cursor.
    var remaining: Int { bytes.count - offset }

    /// An error about `field`, which starts at byte `at` (default: the cursor).
    func error(_ field: String, at position: Int? = nil, expected: String, found: String) -> FlintError {
        .invalidFile(path: path, field: "\(field) (byte \(position ?? offset))", expected: expected, found: found)
    }

    /// Checks that `count` more bytes exist for `field`.
    func require(_ count: Int, for field: String) throws {
        if count < 0 || count > remaining {
            throw error(field, expected: "\(count) bytes", found: "\(remaining) bytes left in a \(bytes.count)-byte file")
        }
    }

    /// Reads one fixed-width integer.
    mutating func read<Integer: FixedWidthInteger>(_: Integer.Type, _ field: String) throws -> Integer {
        let size = MemoryLayout<Integer>.size
        try require(size, for: field)
        let value = bytes.loadUnaligned(fromByteOffset: offset, as: Integer.self)
        offset += size
        return Integer(littleEndian: value)
    }

    /// Reads a `u64` that is used as a count or size and must fit an `Int`.
    mutating func readCount(_ field: String) throws -> Int {
        let start = offset
        let value = try read(UInt64.self, field)
        guard let count = Int(exactly: value) else {
            throw error(field, at: start, expected: "a count below 2^63", found: "\(value)")
        }
        return count
    }

    mutating func readFloat(_ field: String) throws -> Float { Float(bitPattern: try read(UInt32.self, field)) }

    mutating func readDouble(_ field: String) throws -> Double { Double(bitPattern: try read(UInt64.self, field)) }

    /// Reads a GGUF string: a `u64` byte length, then that many UTF-8 bytes (no terminator). Invalid
    /// UTF-8 is decoded with U+FFFD replacements, as Python's `errors="replace"` would.
    mutating func readString(_ field: String, maximumLength: Int = .max) throws -> String {
        let start = offset
        let length = try readCount("\(field) length")
        if length > maximumLength {
            throw error("\(field) length", at: start, expected: "at most \(maximumLength) bytes", found: "\(length)")
        }
        try require(length, for: field)
        let text = String(decoding: UnsafeRawBufferPointer(rebasing: bytes[offset..<(offset + length)]), as: UTF8.self)
        offset += length
        return text
    }

    /// Moves the cursor forward by `count` bytes.
    mutating func skip(_ count: Int, _ field: String) throws {
        try require(count, for: field)
        offset += count
    }
}
