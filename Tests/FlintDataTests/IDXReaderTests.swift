import Foundation
import Testing
import Flint
@testable import FlintData

@Suite struct IDXReaderTests {
    let pixels: [UInt8] = [0, 1, 2, 3, 4, 5, 6, 7, 250, 251, 252, 253, 254, 255, 128, 64, 9, 8, 7, 6, 5, 4, 3, 2]

    @Test func readsRawImagesAndLabels() throws {
        let directory = TemporaryDirectory()
        let images = directory.write(imageFile(count: 3, rows: 2, columns: 4, pixels: pixels), to: "images-idx3-ubyte")
        let labels = directory.write(labelFile([0, 9, 3]), to: "labels-idx1-ubyte")
        let read = try IDXReader.readImages(at: URL(fileURLWithPath: images))
        #expect(read.count == 3 && read.rows == 2 && read.columns == 4)
        #expect(read.pixels.shape == [3, 2, 4] && read.pixels.dtype == .uint8)
        #expect(read.pixels.toIntArray() == pixels.map(Int.init))
        let readLabels = try IDXReader.readLabels(at: URL(fileURLWithPath: labels))
        #expect(readLabels.count == 3)
        #expect(readLabels.labels.shape == [3] && readLabels.labels.toIntArray() == [0, 9, 3])
    }

    @Test func readsGzipImagesAndLabels() throws {
        let directory = TemporaryDirectory()
        let images = directory.writeGzip(imageFile(count: 3, rows: 2, columns: 4, pixels: pixels), to: "images-idx3-ubyte.gz")
        let labels = directory.writeGzip(labelFile([0, 9, 3]), to: "labels-idx1-ubyte.gz")
        let read = try IDXReader.readImages(at: URL(fileURLWithPath: images))
        #expect(read.count == 3 && read.rows == 2 && read.columns == 4)
        #expect(read.pixels.toIntArray() == pixels.map(Int.init))
        let scaled = try IDXReader.readImages(at: URL(fileURLWithPath: images), scale: 1 / 255, bias: 0)
        #expect(zip(scaled.images.toArray(), pixels).allSatisfy { abs($0 - Float($1) / 255) < 1e-7 })
        #expect(try IDXReader.readLabels(at: URL(fileURLWithPath: labels)).labels.toIntArray() == [0, 9, 3])
    }

    /// Incompressible data larger than the 1 MiB input buffer: raw reads go partly through the
    /// buffer and partly straight into the tensor, gzip refills its input several times.
    @Test func largeFilesStreamAcrossBufferRefills() throws {
        let directory = TemporaryDirectory()
        let payload = randomBytes(1800 * 28 * 28, seed: 7)
        let file = imageFile(count: 1800, rows: 28, columns: 28, pixels: payload)
        let raw = directory.write(file, to: "big-idx3-ubyte")
        let compressed = directory.writeGzip(file, to: "big-idx3-ubyte.gz")
        #expect(try FileManager.default.attributesOfItem(atPath: compressed)[.size] as! Int > 1 << 20)
        for path in [raw, compressed] {
            let read = try IDXReader.readImages(at: URL(fileURLWithPath: path))
            #expect(read.count == 1800)
            let bytes = UnsafeBufferPointer(start: read.pixels.pointer(as: UInt8.self), count: read.pixels.count)
            #expect(bytes.elementsEqual(payload), "\(path)")
            // Converted to floats block by block while streaming.
            let floats = try IDXReader.readImages(at: URL(fileURLWithPath: path), scale: 0.5, bias: -1)
            #expect(floats.count == 1800 && floats.rows == 28 && floats.columns == 28)
            #expect(floats.images.shape == [1800, 28, 28] && floats.images.dtype == .float32)
            let values = UnsafeBufferPointer(start: floats.images.floatPointer, count: floats.images.count)
            #expect(values.elementsEqual(payload.map { Float($0) * 0.5 - 1 }), "\(path)")
        }
    }

    /// `cat a.gz b.gz` is a valid gzip file holding both parts.
    @Test func readsConcatenatedGzipMembers() throws {
        let directory = TemporaryDirectory()
        let file = imageFile(count: 3, rows: 2, columns: 4, pixels: pixels)
        let joined = directory.gzip(Array(file[..<10])) + directory.gzip(Array(file[10...]))
        let path = directory.write(joined, to: "joined-idx3-ubyte.gz")
        #expect(try IDXReader.readImages(at: URL(fileURLWithPath: path)).pixels.toIntArray() == pixels.map(Int.init))
    }

    /// Every way a file can end early, raw and gzip-compressed, names the field that is cut.
    @Test func truncatedFilesNameTheCutField() throws {
        let directory = TemporaryDirectory()
        let full = imageFile(count: 3, rows: 2, columns: 4, pixels: pixels)
        // (bytes kept, field, expected bytes, found bytes)
        let cases: [(Int, String, Int, Int)] = [
            (0, "magic number", 4, 0),
            (3, "magic number", 4, 3),
            (4, "dimension sizes", 12, 0),
            (9, "dimension sizes", 12, 5),
            (16, "payload (3 × 2 × 4 bytes)", 24, 0),
            (30, "payload (3 × 2 × 4 bytes)", 24, 14),
            (39, "payload (3 × 2 × 4 bytes)", 24, 23),
        ]
        for (kept, field, expected, found) in cases {
            let raw = directory.write(Array(full[..<kept]), to: "cut-\(kept)-idx3-ubyte")
            let gzip = directory.writeGzip(Array(full[..<kept]), to: "cut-\(kept)-idx3-ubyte.gz")
            for path in [raw, gzip] {
                let error = dataError { _ = try IDXReader.readImages(at: URL(fileURLWithPath: path)) }
                #expect(error == .truncated(path: path, field: field, expectedBytes: expected, foundBytes: found),
                        "\(path): \(String(describing: error))")
                let floatError = dataError { _ = try IDXReader.readImages(at: URL(fileURLWithPath: path), scale: 1, bias: 0) }
                #expect(floatError == error)
            }
        }
        let labels = directory.write(Array(labelFile([1, 2, 3, 4])[..<10]), to: "cut-labels-idx1-ubyte")
        let error = dataError { _ = try IDXReader.readLabels(at: URL(fileURLWithPath: labels)) }
        #expect(error == .truncated(path: labels, field: "payload (4 bytes)", expectedBytes: 4, foundBytes: 2))
        #expect(error?.description.contains(labels) == true)
        #expect(error?.description.contains("'payload (4 bytes)' is truncated: expected 4 bytes, found 2") == true)
    }

    /// A gzip file cut short (its deflate stream or trailer missing) is a compression error.
    @Test func truncatedGzipStreamIsCorrupt() throws {
        let directory = TemporaryDirectory()
        let compressed = directory.gzip(imageFile(count: 100, rows: 28, columns: 28, pixels: randomBytes(78_400, seed: 3)))
        for kept in [compressed.count / 2, compressed.count - 4] {
            let path = directory.write(Array(compressed[..<kept]), to: "cut-\(kept)-idx3-ubyte.gz")
            let error = dataError { _ = try IDXReader.readImages(at: URL(fileURLWithPath: path)) }
            guard case .corruptCompression(let errorPath, _, let found)? = error else {
                Issue.record("expected a compression error, got \(String(describing: error))")
                continue
            }
            #expect(errorPath == path)
            #expect(found.contains("truncated"))
            #expect(error?.field == "gzip stream")
        }
    }

    @Test func corruptGzipBytesAreReported() throws {
        let directory = TemporaryDirectory()
        let compressed = directory.gzip(imageFile(count: 100, rows: 28, columns: 28, pixels: randomBytes(78_400, seed: 4)))
        // Damage the deflate data in the middle; then, separately, only the CRC-32 trailer.
        var middle = compressed
        for i in stride(from: middle.count / 2, to: middle.count / 2 + 64, by: 1) { middle[i] ^= 0x5A }
        var checksum = compressed
        checksum[checksum.count - 6] ^= 0xFF
        for (name, bytes) in [("middle", middle), ("checksum", checksum)] {
            let path = directory.write(bytes, to: "\(name)-idx3-ubyte.gz")
            let error = dataError { _ = try IDXReader.readImages(at: URL(fileURLWithPath: path)) }
            guard case .corruptCompression(let errorPath, _, let found)? = error else {
                Issue.record("\(name): expected a compression error, got \(String(describing: error))")
                continue
            }
            #expect(errorPath == path)
            #expect(found.contains("zlib error"), "\(found)")
        }
        // Garbage appended after the last gzip member.
        let trailing = directory.write(compressed + [1, 2, 3, 4, 5, 6, 7, 8, 9, 10], to: "trailing-idx3-ubyte.gz")
        let error = dataError { _ = try IDXReader.readImages(at: URL(fileURLWithPath: trailing)) }
        guard case .corruptCompression? = error else {
            Issue.record("expected a compression error, got \(String(describing: error))")
            return
        }
    }

    @Test func gzNameWithoutGzipContentIsRejected() throws {
        let directory = TemporaryDirectory()
        let path = directory.write(imageFile(count: 3, rows: 2, columns: 4, pixels: pixels), to: "plain-idx3-ubyte.gz")
        let error = dataError { _ = try IDXReader.readImages(at: URL(fileURLWithPath: path)) }
        #expect(error == .corruptCompression(path: path, expected: "the gzip magic bytes 1F 8B at the start of a .gz file",
                                             found: "00 00"))
    }

    @Test func wrongMagicNumberIsReported() throws {
        let directory = TemporaryDirectory()
        let labels = directory.write(labelFile([1, 2, 3]), to: "labels-idx1-ubyte")
        var error = dataError { _ = try IDXReader.readImages(at: URL(fileURLWithPath: labels)) }
        #expect(error == .invalidField(path: labels, field: "magic number",
                                       expected: "0x00000803 (unsigned-byte array with 3 dimensions)",
                                       found: "0x00000801 (unsigned-byte array with 1 dimension)"))
        #expect(error?.description == "\(labels): field 'magic number': expected 0x00000803 (unsigned-byte array with 3 dimensions), found 0x00000801 (unsigned-byte array with 1 dimension)")

        let images = directory.write(imageFile(count: 3, rows: 2, columns: 4, pixels: pixels), to: "images-idx3-ubyte")
        error = dataError { _ = try IDXReader.readLabels(at: URL(fileURLWithPath: images)) }
        #expect(error?.field == "magic number" && error?.path == images)

        let floats = directory.write(idxBytes(magic: 0x0000_0D03, dimensions: [1, 1, 1], payload: [0, 0, 0, 0]), to: "floats")
        error = dataError { _ = try IDXReader.readImages(at: URL(fileURLWithPath: floats)) }
        #expect(error == .invalidField(path: floats, field: "magic number",
                                       expected: "0x00000803 (unsigned-byte array with 3 dimensions)",
                                       found: "0x00000D03 (float32 array with 3 dimensions)"))

        let text = directory.write(Array("hello, world, this is text".utf8), to: "text")
        error = dataError { _ = try IDXReader.readImages(at: URL(fileURLWithPath: text)) }
        #expect(error == .invalidField(path: text, field: "magic number",
                                       expected: "0x00000803 (unsigned-byte array with 3 dimensions)",
                                       found: "0x68656C6C (not an IDX header: the first two bytes must be zero)"))
    }

    @Test func badDimensionsAreReported() throws {
        let directory = TemporaryDirectory()
        let zeroRows = directory.write(imageFile(count: 3, rows: 0, columns: 4, pixels: []), to: "zero-rows")
        var error = dataError { _ = try IDXReader.readImages(at: URL(fileURLWithPath: zeroRows)) }
        #expect(error == .invalidField(path: zeroRows, field: "dimension 1 (rows)", expected: "at least 1", found: "0"))

        let zeroColumns = directory.write(imageFile(count: 3, rows: 2, columns: 0, pixels: []), to: "zero-columns")
        error = dataError { _ = try IDXReader.readImages(at: URL(fileURLWithPath: zeroColumns)) }
        #expect(error?.field == "dimension 2 (columns)")

        // Declared dimensions far beyond the file: reported without allocating the payload.
        let huge = directory.write(imageFile(count: 60_000, rows: 28, columns: 28, pixels: pixels), to: "huge")
        error = dataError { _ = try IDXReader.readImages(at: URL(fileURLWithPath: huge)) }
        #expect(error == .truncated(path: huge, field: "payload (60000 × 28 × 28 bytes)",
                                    expectedBytes: 47_040_000, foundBytes: 24))
        let hugeGzip = directory.writeGzip(imageFile(count: 4_000_000_000, rows: 4_000_000_000, columns: 2, pixels: pixels),
                                           to: "huge.gz")
        error = dataError { _ = try IDXReader.readImages(at: URL(fileURLWithPath: hugeGzip)) }
        #expect(error?.field == "dimension sizes" && error?.path == hugeGzip)

        // No images, but rows × columns beyond Int.max (found by FuzzIDX: the tensor's strides trapped).
        let emptyHuge = directory.write(imageFile(count: 0, rows: 0xFFFF_FFFF, columns: 0xFFFF_FFFF, pixels: []), to: "empty-huge")
        error = dataError { _ = try IDXReader.readImages(at: URL(fileURLWithPath: emptyHuge)) }
        #expect(error == .invalidField(path: emptyHuge, field: "dimension sizes", expected: "a payload size that fits in memory",
                                       found: "0 × 4294967295 × 4294967295"))
        error = dataError { _ = try IDXReader.readImages(at: URL(fileURLWithPath: emptyHuge), scale: 1, bias: 0) }
        #expect(error?.field == "dimension sizes" && error?.path == emptyHuge)

        // More payload than the dimensions declare.
        let long = directory.write(imageFile(count: 2, rows: 2, columns: 4, pixels: pixels), to: "long")
        error = dataError { _ = try IDXReader.readImages(at: URL(fileURLWithPath: long)) }
        #expect(error == .invalidField(path: long, field: "payload length",
                                       expected: "exactly 16 bytes (2 × 2 × 4) after the 16-byte header",
                                       found: "24 bytes (8 trailing)"))
        let longGzip = directory.writeGzip(labelFile([1, 2, 3]) + [4], to: "long.gz")
        error = dataError { _ = try IDXReader.readLabels(at: URL(fileURLWithPath: longGzip)) }
        #expect(error?.field == "payload length" && error?.path == longGzip)
    }

    @Test func missingAndUnreadableFiles() throws {
        let directory = TemporaryDirectory()
        let missing = (directory.path as NSString).appendingPathComponent("absent-idx3-ubyte.gz")
        var error = dataError { _ = try IDXReader.readImages(at: URL(fileURLWithPath: missing)) }
        #expect(error?.path == missing)
        guard case .missingFile? = error else {
            Issue.record("expected missingFile, got \(String(describing: error))")
            return
        }
        error = dataError { _ = try IDXReader.readImages(at: URL(fileURLWithPath: directory.path)) }
        #expect(error == .unreadable(path: directory.path, reason: "it is a directory"))
    }
}
