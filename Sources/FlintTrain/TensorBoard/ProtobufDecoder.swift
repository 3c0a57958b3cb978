/// Reads protobuf wire-format fields from a message: the inverse of `ProtobufEncoder`, skipping fields it
/// is not asked about (any of the four wire types above).
struct ProtobufDecoder {
    /// A malformed message; `offset` is relative to the start of the message being decoded.
    struct Failure: Error {
        let offset: Int
        let expected: String
        let found: String

        /// The same failure with `offset` made relative to an enclosing message that starts `delta` bytes earlier.
        func shifted(by delta: Int) -> Failure {
            Failure(offset: offset + delta, expected: expected, found: found)
        }
    }

    /// One decoded field: its number and payload.
    enum Field {
        case varint(UInt64)
        case fixed64(UInt64)
        case lengthDelimited(ArraySlice<UInt8>)
        case fixed32(UInt32)
    }

    private let bytes: ArraySlice<UInt8>
    private(set) var position: Int

    init(_ bytes: ArraySlice<UInt8>) {
        self.bytes = bytes
        self.position = bytes.startIndex
    }

    /// The offset of `position` within the message.
    var offset: Int { position - bytes.startIndex }

    /// The offset of the key of the field `next()` returned last.
    private(set) var fieldOffset = 0

    /// The next field, or nil at the end of the message.
    mutating func next() throws(Failure) -> (number: Int, field: Field)? {
        guard position < bytes.endIndex else { return nil }
        let start = offset
        fieldOffset = start
        let key = try readVarint(what: "field key")
        let number = Int(truncatingIfNeeded: key >> 3)
        guard number > 0, key >> 3 <= 0x1FFF_FFFF else {
            throw Failure(offset: start, expected: "a field number in 1...536870911", found: "\(key >> 3)")
        }
        switch key & 7 {
        case 0:
            return (number, .varint(try readVarint(what: "varint of field \(number)")))
        case 1:
            return (number, .fixed64(try readLittleEndian(UInt64.self, field: number)))
        case 2:
            let length = try readVarint(what: "length of field \(number)")
            let remaining = bytes.endIndex - position
            guard length <= UInt64(remaining) else {
                throw Failure(offset: offset, expected: "\(length) bytes for field \(number)",
                              found: "\(remaining) bytes left in the message")
            }
            let slice = bytes[position..<position + Int(length)]
            position += Int(length)
            return (number, .lengthDelimited(slice))
        case 5:
            return (number, .fixed32(try readLittleEndian(UInt32.self, field: number)))
        default:
            throw Failure(offset: start, expected: "wire type 0, 1, 2 or 5 (field \(number))", found: "wire type \(key & 7)")
        }
    }

    private mutating func readVarint(what: String) throws(Failure) -> UInt64 {
        let start = offset
        var value: UInt64 = 0
        var shift: UInt64 = 0
        while true {
            guard position < bytes.endIndex else {
                throw Failure(offset: start, expected: "a complete \(what)", found: "end of message")
            }
            let byte = bytes[position]
            position += 1
            guard shift < 64 else {
                throw Failure(offset: start, expected: "a \(what) of at most 10 bytes", found: "a longer varint")
            }
            value |= UInt64(byte & 0x7F) << shift
            if byte & 0x80 == 0 { return value }
            shift += 7
        }
    }

    private mutating func readLittleEndian<Integer: FixedWidthInteger>(_: Integer.Type, field: Int) throws(Failure) -> Integer {
        let size = MemoryLayout<Integer>.size
        guard bytes.endIndex - position >= size else {
            throw Failure(offset: offset, expected: "\(size) bytes for field \(field)",
                          found: "\(bytes.endIndex - position) bytes left in the message")
        }
        var value: Integer = 0
        for k in 0..<size { value |= Integer(bytes[position + k]) << (8 * k) }
        position += size
        return value
    }
}
