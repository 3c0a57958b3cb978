import FlintSupport

/// TFRecord framing, the container format of TensorBoard event files: each record is
///
///     u64 length (little-endian) | u32 masked CRC-32C of the 8 length bytes | data | u32 masked CRC-32C of data
///
/// (`tensorflow/python/lib/io/python_io.py`; `CRC32C.masked(_:)` gives the masking).
public enum TFRecordFraming {
    /// Bytes before the data: the length and its CRC.
    public static let headerSize = 12
    /// Bytes after the data: its CRC.
    public static let footerSize = 4

    /// Appends `data` as one framed record to `buffer`.
    public static func appendRecord(_ data: [UInt8], to buffer: inout [UInt8]) {
        let lengthBytes = littleEndianBytes(UInt64(data.count))
        buffer.append(contentsOf: lengthBytes)
        buffer.append(contentsOf: littleEndianBytes(CRC32C.maskedChecksum(lengthBytes)))
        buffer.append(contentsOf: data)
        buffer.append(contentsOf: littleEndianBytes(CRC32C.maskedChecksum(data)))
    }

    /// `data` framed as one record.
    public static func record(_ data: [UInt8]) -> [UInt8] {
        var buffer: [UInt8] = []
        buffer.reserveCapacity(data.count + headerSize + footerSize)
        appendRecord(data, to: &buffer)
        return buffer
    }

    static func littleEndianBytes<Integer: FixedWidthInteger>(_ value: Integer) -> [UInt8] {
        withUnsafeBytes(of: value.littleEndian) { Array($0) }
    }

    static func readLittleEndian<Integer: FixedWidthInteger>(_: Integer.Type, from bytes: [UInt8], at offset: Int) -> Integer {
        var value: Integer = 0
        for k in 0..<MemoryLayout<Integer>.size { value |= Integer(bytes[offset + k]) << (8 * k) }
        return value
    }
}
