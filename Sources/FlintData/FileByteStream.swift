#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import CFlintZlib

/// A forward-only reader of a file's bytes that transparently decompresses gzip.
///
/// The format is detected from the content, not the name: a file starting with the gzip magic
/// bytes `1F 8B` is inflated with zlib (`inflateInit2_` with `windowBits = 15 + 32`, which parses
/// the gzip header and verifies the CRC-32 and length trailer), streaming through a 1 MiB input
/// buffer straight into the caller's memory; anything else is read as is. Concatenated gzip
/// members (as `cat a.gz b.gz` makes) are read as one stream. A file whose name ends in `.gz`
/// must be gzip. Errors are ``DataError`` values naming the file.
final class FileByteStream {
    /// The path the stream reads, used in error messages.
    let path: String
    /// Whether the file is gzip-compressed.
    let isCompressed: Bool
    /// The size of the file on disk, in bytes (compressed size for gzip).
    let fileSize: Int

    private let descriptor: Int32
    private let inputCapacity = 1 << 20
    private let input: UnsafeMutablePointer<UInt8>
    /// Unconsumed bytes in `input` start here (raw mode; gzip mode uses `zstream.next_in`).
    private var inputStart = 0
    private var inputEnd = 0
    private var fileExhausted = false
    private var compressedBytesRead = 0
    private let zstream: UnsafeMutablePointer<z_stream>?
    /// True after a gzip member's trailer; the next read starts a new member or ends cleanly.
    private var memberEnded = false

    /// Opens `path`, reads the first block, and sets up decompression when it is gzip.
    init(path: String) throws {
        self.path = path
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        if fd < 0 {
            let code = errno
            if code == ENOENT {
                throw DataError.missingFile(path: path, hint: "Check the path.")
            }
            throw DataError.unreadable(path: path, reason: String(cString: strerror(code)))
        }
        var info = stat()
        if fstat(fd, &info) != 0 {
            let code = errno
            close(fd)
            throw DataError.unreadable(path: path, reason: String(cString: strerror(code)))
        }
        if (info.st_mode & S_IFMT) == S_IFDIR {
            close(fd)
            throw DataError.unreadable(path: path, reason: "it is a directory")
        }
        descriptor = fd
        fileSize = Int(info.st_size)
        input = .allocate(capacity: inputCapacity)

        // Fill the first block to look at the magic bytes; `fillInput` cannot be used before all
        // stored properties are set, so read directly.
        var filled = 0
        var failure: Int32 = 0
        while filled < inputCapacity {
            let n = Glibc.read(fd, input + filled, inputCapacity - filled)
            if n > 0 { filled += n; continue }
            if n < 0 && errno == EINTR { continue }
            if n < 0 { failure = errno }
            break
        }
        if failure != 0 {
            input.deallocate()
            close(fd)
            throw DataError.unreadable(path: path, reason: String(cString: strerror(failure)))
        }
        inputEnd = filled
        compressedBytesRead = filled
        fileExhausted = filled < inputCapacity

        let gzipMagic = filled >= 2 && input[0] == 0x1F && input[1] == 0x8B
        if path.hasSuffix(".gz") && !gzipMagic {
            let buffer = input
            let head = (0..<min(filled, 2)).map { hex(buffer[$0], digits: 2) }.joined(separator: " ")
            input.deallocate()
            close(fd)
            throw DataError.corruptCompression(
                path: path, expected: "the gzip magic bytes 1F 8B at the start of a .gz file",
                found: filled == 0 ? "an empty file" : head)
        }
        isCompressed = gzipMagic
        if gzipMagic {
            let stream = UnsafeMutablePointer<z_stream>.allocate(capacity: 1)
            stream.initialize(to: z_stream())
            stream.pointee.next_in = input
            stream.pointee.avail_in = UInt32(filled)
            let status = inflateInit2_(stream, 15 + 32, zlibVersion(), Int32(MemoryLayout<z_stream>.size))
            if status != Z_OK {
                stream.deallocate()
                input.deallocate()
                close(fd)
                throw DataError.unreadable(path: path, reason: "zlib inflateInit2 failed with status \(status)")
            }
            zstream = stream
        } else {
            zstream = nil
        }
    }

    deinit {
        if let zstream {
            inflateEnd(zstream)
            zstream.deallocate()
        }
        input.deallocate()
        close(descriptor)
    }

    /// Reads up to `count` bytes into `destination`; returns fewer only at the end of the data.
    func read(into destination: UnsafeMutableRawPointer, count: Int) throws -> Int {
        if count <= 0 { return 0 }
        let out = destination.assumingMemoryBound(to: UInt8.self)
        return isCompressed ? try inflate(into: out, count: count) : try readRaw(into: out, count: count)
    }

    /// Reads and discards the rest of the data, returning how many bytes there were.
    func countRemainingBytes() throws -> Int {
        let scratchSize = 1 << 16
        let scratch = UnsafeMutableRawPointer.allocate(byteCount: scratchSize, alignment: 64)
        defer { scratch.deallocate() }
        var total = 0
        while true {
            let n = try read(into: scratch, count: scratchSize)
            total += n
            if n < scratchSize { return total }
        }
    }

    // MARK: Raw files

    private func readRaw(into out: UnsafeMutablePointer<UInt8>, count: Int) throws -> Int {
        var produced = 0
        let buffered = min(inputEnd - inputStart, count)
        if buffered > 0 {
            out.update(from: input + inputStart, count: buffered)
            inputStart += buffered
            produced = buffered
        }
        // Large reads go straight from the file into the destination.
        while produced < count && !fileExhausted {
            let n = Glibc.read(descriptor, out + produced, count - produced)
            if n > 0 {
                produced += n
            } else if n == 0 {
                fileExhausted = true
            } else if errno != EINTR {
                throw DataError.unreadable(path: path, reason: String(cString: strerror(errno)))
            }
        }
        return produced
    }

    // MARK: Gzip files

    /// Refills the input buffer when zlib has consumed it; returns false at end of file.
    private func refillCompressedInput(_ stream: UnsafeMutablePointer<z_stream>) throws -> Bool {
        if stream.pointee.avail_in > 0 { return true }
        if fileExhausted { return false }
        while true {
            let n = Glibc.read(descriptor, input, inputCapacity)
            if n > 0 {
                compressedBytesRead += n
                stream.pointee.next_in = input
                stream.pointee.avail_in = UInt32(n)
                return true
            }
            if n == 0 {
                fileExhausted = true
                return false
            }
            if errno != EINTR {
                throw DataError.unreadable(path: path, reason: String(cString: strerror(errno)))
            }
        }
    }

    private func inflate(into out: UnsafeMutablePointer<UInt8>, count: Int) throws -> Int {
        guard let stream = zstream else { return 0 }
        var produced = 0
        while produced < count {
            if memberEnded {
                // Another gzip member may follow; otherwise the data ends cleanly here.
                if try !refillCompressedInput(stream) { return produced }
                if inflateReset(stream) != Z_OK {
                    throw DataError.corruptCompression(path: path, expected: "a resettable zlib stream",
                                                       found: "inflateReset failure")
                }
                memberEnded = false
            }
            if try !refillCompressedInput(stream) {
                throw DataError.corruptCompression(
                    path: path, expected: "a complete gzip stream ending in its CRC-32 and length trailer",
                    found: "end of file after \(compressedBytesRead) compressed bytes (the file is truncated)")
            }
            let chunk = min(count - produced, 1 << 30)
            stream.pointee.next_out = out + produced
            stream.pointee.avail_out = UInt32(chunk)
            let status = CFlintZlib.inflate(stream, Z_NO_FLUSH)
            produced += chunk - Int(stream.pointee.avail_out)
            switch status {
            case Z_OK, Z_BUF_ERROR:
                continue
            case Z_STREAM_END:
                memberEnded = true
            default:
                let message = stream.pointee.msg.map { String(cString: $0) } ?? "zlib status \(status)"
                let consumed = compressedBytesRead - Int(stream.pointee.avail_in)
                throw DataError.corruptCompression(
                    path: path, expected: "valid deflate data with a matching CRC-32",
                    found: "zlib error '\(message)' near compressed byte \(consumed)")
            }
        }
        return produced
    }
}

/// `value` as upper-case hexadecimal, zero-padded to `digits`.
func hex<T: BinaryInteger>(_ value: T, digits: Int) -> String {
    let text = String(value, radix: 16, uppercase: true)
    return String(repeating: "0", count: max(0, digits - text.count)) + text
}
