import Foundation

/// One line of a `flint batch` input file.
struct InputLine {
    /// 1-based line number in the file.
    var number: Int
    /// The line's bytes without the newline (and without a trailing `\r`); at most the reader's cap.
    var bytes: [UInt8]
    /// The line's full length in bytes (more than `bytes.count` when the line went over the cap).
    var length: Int
    /// The file offset just after this line's newline (or the end of the file for a last line without one).
    var endOffset: Int

    /// Whether the line went over the cap (only its first bytes are kept).
    var isOverLimit: Bool { length > bytes.count }
}

/// Reads a file line by line in 1 MiB blocks, keeping each line's file offset and number, and keeping
/// at most `maximumLineBytes` of any line (the rest is counted and skipped, so one huge line cannot
/// exhaust memory).
struct InputLineReader {
    private let handle: FileHandle
    private let path: String
    private let maximumLineBytes: Int
    private let blockSize = 1 << 20
    private var block: [UInt8] = []
    private var position = 0
    /// The file offset after the last line returned.
    private(set) var offset: Int
    /// The number of the last line returned (0 before the first).
    private(set) var lineNumber: Int

    /// Opens `url` positioned at `offset`, which must be the start of line `lineNumber + 1`.
    init(url: URL, offset: Int = 0, lineNumber: Int = 0, maximumLineBytes: Int) throws {
        path = url.path
        do {
            handle = try FileHandle(forReadingFrom: url)
            try handle.seek(toOffset: UInt64(offset))
        } catch {
            throw BatchJobError(path: url.path, message: "cannot read the input: \(error.localizedDescription)")
        }
        self.offset = offset
        self.lineNumber = lineNumber
        self.maximumLineBytes = maximumLineBytes
    }

    /// Closes the file.
    func close() { try? handle.close() }

    /// The next line, or nil at the end of the file. A final line without a newline is still a line;
    /// an empty file has none.
    mutating func next() throws -> InputLine? {
        var bytes: [UInt8] = []
        var length = 0
        while true {
            if position == block.count {
                let data: Data?
                do {
                    data = try handle.read(upToCount: blockSize)
                } catch {
                    throw BatchJobError(path: path, message: "cannot read the input: \(error.localizedDescription)")
                }
                guard let data, !data.isEmpty else {
                    if length == 0 { return nil }
                    return finish(bytes, length: length, consumed: length)
                }
                block = [UInt8](data)
                position = 0
            }
            let newline = block[position...].firstIndex(of: UInt8(ascii: "\n"))
            let end = newline ?? block.count
            let room = maximumLineBytes + 1 - bytes.count  // keep one byte past the cap, for a trailing \r
            if room > 0 { bytes.append(contentsOf: block[position..<min(end, position + room)]) }
            length += end - position
            position = end
            if newline != nil {
                position += 1
                return finish(bytes, length: length, consumed: length + 1)
            }
        }
    }

    private mutating func finish(_ raw: [UInt8], length rawLength: Int, consumed: Int) -> InputLine {
        var bytes = raw
        var length = rawLength
        if length <= bytes.count, bytes.last == UInt8(ascii: "\r") {
            bytes.removeLast()
            length -= 1
        }
        if bytes.count > maximumLineBytes { bytes.removeLast(bytes.count - maximumLineBytes) }
        lineNumber += 1
        offset += consumed
        if lineNumber == 1, bytes.starts(with: [0xEF, 0xBB, 0xBF]) {  // a UTF-8 byte-order mark
            bytes.removeFirst(3)
            length -= 3
        }
        return InputLine(number: lineNumber, bytes: bytes, length: length, endOffset: offset)
    }

    /// Lines in `url`: newlines, plus one for a last line without a newline.
    static func countLines(in url: URL) throws -> Int {
        let handle: FileHandle
        do {
            handle = try FileHandle(forReadingFrom: url)
        } catch {
            throw BatchJobError(path: url.path, message: "cannot read the input: \(error.localizedDescription)")
        }
        defer { try? handle.close() }
        var count = 0
        var last: UInt8 = UInt8(ascii: "\n")
        while let data = try handle.read(upToCount: 1 << 20), !data.isEmpty {
            data.withUnsafeBytes { raw in
                for byte in raw where byte == UInt8(ascii: "\n") { count += 1 }
            }
            last = data.last!
        }
        return last == UInt8(ascii: "\n") ? count : count + 1
    }
}
