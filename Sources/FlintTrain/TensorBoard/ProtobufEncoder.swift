/// Appends protobuf wire-format fields to a byte buffer: just the wire types TensorBoard event
/// files need (varint, 64-bit, length-delimited, 32-bit).
///
/// Callers follow proto3 rules themselves: fields holding their default value are skipped unless they
/// are members of a `oneof` (which tracks presence), exactly as the reference implementation does.
struct ProtobufEncoder {
    /// The encoded message so far.
    private(set) var bytes: [UInt8] = []

    /// Protobuf wire types.
    enum WireType: UInt8 {
        case varint = 0, fixed64 = 1, lengthDelimited = 2, fixed32 = 5
    }

    mutating func appendTag(field: Int, wireType: WireType) {
        appendVarint(UInt64(field) << 3 | UInt64(wireType.rawValue))
    }

    mutating func appendVarint(_ value: UInt64) {
        var value = value
        while value >= 0x80 {
            bytes.append(UInt8(truncatingIfNeeded: value) | 0x80)
            value >>= 7
        }
        bytes.append(UInt8(value))
    }

    /// An `int64` field; negative values take ten bytes (two's complement), as in protobuf.
    mutating func appendInt64(field: Int, _ value: Int64) {
        appendTag(field: field, wireType: .varint)
        appendVarint(UInt64(bitPattern: value))
    }

    /// A `double` field (little-endian IEEE 754).
    mutating func appendDouble(field: Int, _ value: Double) {
        appendTag(field: field, wireType: .fixed64)
        appendLittleEndian(value.bitPattern)
    }

    /// A `float` field (little-endian IEEE 754).
    mutating func appendFloat(field: Int, _ value: Float) {
        appendTag(field: field, wireType: .fixed32)
        appendLittleEndian(value.bitPattern)
    }

    /// A `string` field (UTF-8).
    mutating func appendString(field: Int, _ value: String) {
        appendBytes(field: field, Array(value.utf8))
    }

    /// A `bytes` or embedded-message field.
    mutating func appendBytes(field: Int, _ value: [UInt8]) {
        appendTag(field: field, wireType: .lengthDelimited)
        appendVarint(UInt64(value.count))
        bytes.append(contentsOf: value)
    }

    private mutating func appendLittleEndian<Integer: FixedWidthInteger>(_ value: Integer) {
        withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) }
    }
}
