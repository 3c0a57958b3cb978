import Foundation
import Flint

/// Reads IDX files, the format of MNIST and Fashion-MNIST, raw or gzip-compressed.
///
/// An IDX file is a big-endian header followed by the array in row-major order:
///
///     offset 0: magic number  00 00 TT DD   (TT = element type, 08 = unsigned byte; DD = rank)
///     offset 4: DD × UInt32   size of each dimension
///     then:     ∏ sizes × element size bytes of data
///
/// Image files are `0x00000803` (unsigned bytes, `[count, rows, columns]`) and label files
/// `0x00000801` (unsigned bytes, `[count]`). The reader checks the magic number, every dimension,
/// and that the payload is exactly as long as the dimensions declare (a shorter file is
/// truncated, a longer one has trailing data); gzip is detected from the content and inflated
/// as it streams in (see ``FileByteStream``). Every failure throws a ``DataError`` naming the
/// file and the field.
public enum IDXReader {
    /// The magic number of an unsigned-byte image file: type `0x08`, three dimensions.
    public static let imagesMagic: UInt32 = 0x0000_0803
    /// The magic number of an unsigned-byte label file: type `0x08`, one dimension.
    public static let labelsMagic: UInt32 = 0x0000_0801

    /// Reads an image file (`0x00000803`): `pixels` is a contiguous `uint8` tensor of shape
    /// `[count, rows, columns]`.
    public static func readImages(at url: URL) throws -> (count: Int, rows: Int, columns: Int, pixels: Tensor) {
        let (dimensions, data) = try readUnsignedBytes(
            path: url.path, magic: imagesMagic,
            dimensionNames: ["dimension 0 (image count)", "dimension 1 (rows)", "dimension 2 (columns)"])
        return (dimensions[0], dimensions[1], dimensions[2], data)
    }

    /// Reads a label file (`0x00000801`): `labels` is a contiguous `uint8` tensor of shape `[count]`.
    public static func readLabels(at url: URL) throws -> (count: Int, labels: Tensor) {
        let (dimensions, data) = try readUnsignedBytes(
            path: url.path, magic: labelsMagic, dimensionNames: ["dimension 0 (label count)"])
        return (dimensions[0], data)
    }

    /// Reads an image file (`0x00000803`) straight into floats: `images` is a contiguous float32
    /// tensor `[count, rows, columns]` holding `Float(pixel) · scale + bias` (for example
    /// `scale = 1/255, bias = 0` for [0, 1]). The pixels are converted block by block as they are
    /// read or inflated, so no byte copy of the whole file is kept.
    public static func readImages(at url: URL, scale: Float, bias: Float) throws
        -> (count: Int, rows: Int, columns: Int, images: Tensor) {
        let path = url.path
        return try readUnsignedBytes(
            path: path, magic: imagesMagic,
            dimensionNames: ["dimension 0 (image count)", "dimension 1 (rows)", "dimension 2 (columns)"]
        ) { dimensions, payloadBytes, stream in
            let out = Tensor(uninitializedShape: dimensions, dtype: .float32)
            let destination = out.floatPointer
            let blockBytes = 1 << 16
            let block = UnsafeMutablePointer<UInt8>.allocate(capacity: blockBytes)
            defer { block.deallocate() }
            var done = 0
            while done < payloadBytes {
                let want = min(blockBytes, payloadBytes - done)
                let got = try stream.read(into: block, count: want)
                affineMap(UnsafePointer(block), destination + done, count: got, scale: scale, bias: bias)
                done += got
                if got < want {
                    throw DataError.truncated(path: path, field: payloadField(dimensions),
                                              expectedBytes: payloadBytes, foundBytes: done)
                }
            }
            return (dimensions[0], dimensions[1], dimensions[2], out)
        }
    }

    /// Reads an unsigned-byte IDX array whose magic number must be `magic` into a `uint8` tensor,
    /// with one name per dimension for error messages.
    static func readUnsignedBytes(path: String, magic: UInt32, dimensionNames: [String]) throws -> ([Int], Tensor) {
        try readUnsignedBytes(path: path, magic: magic, dimensionNames: dimensionNames) { dimensions, payloadBytes, stream in
            let data = Tensor(uninitializedShape: dimensions, dtype: .uint8)
            let readBytes = try stream.read(into: data.storage.data, count: payloadBytes)
            guard readBytes == payloadBytes else {
                throw DataError.truncated(path: path, field: payloadField(dimensions),
                                          expectedBytes: payloadBytes, foundBytes: readBytes)
            }
            return (dimensions, data)
        }
    }

    /// The name of the payload field in errors: `payload (3 × 28 × 28 bytes)`.
    static func payloadField(_ dimensions: [Int]) -> String {
        "payload (\(dimensions.map(String.init).joined(separator: " × ")) bytes)"
    }

    /// Reads and checks the header of an unsigned-byte IDX file whose magic number must be
    /// `magic` (one name per dimension for error messages; dimensions after the first must be at
    /// least 1), then lets `readPayload` consume exactly the payload from the stream, then checks
    /// that nothing follows it.
    static func readUnsignedBytes<Result>(
        path: String, magic: UInt32, dimensionNames: [String],
        readPayload: (_ dimensions: [Int], _ payloadBytes: Int, _ stream: FileByteStream) throws -> Result
    ) throws -> Result {
        let stream = try FileByteStream(path: path)
        let rank = dimensionNames.count
        let headerBytes = 4 + 4 * rank
        let header = UnsafeMutableRawPointer.allocate(byteCount: headerBytes, alignment: 8)
        defer { header.deallocate() }

        let magicBytes = try stream.read(into: header, count: 4)
        guard magicBytes == 4 else {
            throw DataError.truncated(path: path, field: "magic number", expectedBytes: 4, foundBytes: magicBytes)
        }
        let foundMagic = bigEndianWord(header, at: 0)
        guard foundMagic == magic else {
            throw DataError.invalidField(path: path, field: "magic number",
                                         expected: describeMagic(magic), found: describeMagic(foundMagic))
        }

        let sizeBytes = try stream.read(into: header + 4, count: 4 * rank)
        guard sizeBytes == 4 * rank else {
            throw DataError.truncated(path: path, field: "dimension sizes", expectedBytes: 4 * rank, foundBytes: sizeBytes)
        }
        var dimensions = [Int]()
        var payloadBytes = 1
        // The size of one item (the dimensions after the first): the tensor's strides, which must fit
        // even when the count is 0 and the payload is empty.
        var itemBytes = 1
        for axis in 0..<rank {
            let size = Int(bigEndianWord(header, at: 4 + 4 * axis))
            if axis > 0 && size == 0 {
                throw DataError.invalidField(path: path, field: dimensionNames[axis], expected: "at least 1", found: "0")
            }
            dimensions.append(size)
            let (product, overflow) = payloadBytes.multipliedReportingOverflow(by: size)
            let (item, itemOverflow) = axis > 0 ? itemBytes.multipliedReportingOverflow(by: size) : (itemBytes, false)
            itemBytes = item
            if overflow || itemOverflow {
                throw DataError.invalidField(path: path, field: "dimension sizes",
                                             expected: "a payload size that fits in memory",
                                             found: dimensions.map(String.init).joined(separator: " × "))
            }
            payloadBytes = product
        }
        let shapeText = dimensions.map(String.init).joined(separator: " × ")

        // Refuse to allocate more than the file can possibly hold: the remaining raw bytes, or
        // deflate's maximum expansion (about 1032 : 1) of the compressed file.
        let available = stream.isCompressed ? stream.fileSize * 1032 + 1024 : stream.fileSize - headerBytes
        if payloadBytes > available {
            if stream.isCompressed {
                throw DataError.invalidField(
                    path: path, field: "dimension sizes",
                    expected: "a payload a \(stream.fileSize)-byte gzip file can hold (at most \(available) bytes)",
                    found: "\(shapeText) = \(payloadBytes) bytes")
            }
            throw DataError.truncated(path: path, field: payloadField(dimensions),
                                      expectedBytes: payloadBytes, foundBytes: max(available, 0))
        }

        let result = try readPayload(dimensions, payloadBytes, stream)
        let extra = try stream.countRemainingBytes()
        guard extra == 0 else {
            throw DataError.invalidField(
                path: path, field: "payload length",
                expected: "exactly \(payloadBytes) bytes (\(shapeText)) after the \(headerBytes)-byte header",
                found: "\(payloadBytes + extra) bytes (\(extra) trailing)")
        }
        return result
    }

    /// The big-endian 32-bit word at byte `offset`.
    private static func bigEndianWord(_ base: UnsafeMutableRawPointer, at offset: Int) -> UInt32 {
        UInt32(bigEndian: base.loadUnaligned(fromByteOffset: offset, as: UInt32.self))
    }

    /// `0x00000803 (unsigned-byte array with 3 dimensions)` and similar, for error messages.
    static func describeMagic(_ magic: UInt32) -> String {
        let text = "0x" + hex(magic, digits: 8)
        if magic >> 16 == 0x1F8B {
            return text + " (gzip data in a file that did not decompress as gzip)"
        }
        if magic >> 16 != 0 {
            return text + " (not an IDX header: the first two bytes must be zero)"
        }
        let typeNames: [UInt32: String] = [0x08: "unsigned-byte", 0x09: "signed-byte", 0x0B: "int16",
                                           0x0C: "int32", 0x0D: "float32", 0x0E: "float64"]
        let type = (magic >> 8) & 0xFF
        let rank = magic & 0xFF
        guard let name = typeNames[type] else {
            return text + " (unknown IDX element type 0x\(hex(type, digits: 2)))"
        }
        return text + " (\(name) array with \(rank) dimension\(rank == 1 ? "" : "s"))"
    }
}
