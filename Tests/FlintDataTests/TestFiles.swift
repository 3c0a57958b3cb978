import Foundation
import Flint
@testable import FlintData

/// A fresh directory under the system temporary directory, removed when released.
final class TemporaryDirectory {
    let path: String

    init() {
        path = (NSTemporaryDirectory() as NSString).appendingPathComponent("flint-data-tests-\(UUID().uuidString)")
        try! FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    deinit {
        try? FileManager.default.removeItem(atPath: path)
    }

    /// Writes `bytes` to `name` in the directory and returns its path.
    @discardableResult
    func write(_ bytes: [UInt8], to name: String) -> String {
        let file = (path as NSString).appendingPathComponent(name)
        let created = FileManager.default.createFile(atPath: file, contents: Data(bytes))
        precondition(created, "cannot write \(file)")
        return file
    }

    /// Writes `bytes` gzip-compressed (by the `gzip` tool) to `name` and returns its path.
    @discardableResult
    func writeGzip(_ bytes: [UInt8], to name: String) -> String {
        let file = (path as NSString).appendingPathComponent(name)
        let created = FileManager.default.createFile(atPath: file, contents: Data(gzip(bytes)))
        precondition(created, "cannot write \(file)")
        return file
    }

    /// `bytes` compressed by `gzip -c -n`.
    func gzip(_ bytes: [UInt8]) -> [UInt8] {
        let source = (path as NSString).appendingPathComponent("gzip-input-\(UUID().uuidString)")
        let created = FileManager.default.createFile(atPath: source, contents: Data(bytes))
        precondition(created, "cannot write \(source)")
        defer { try? FileManager.default.removeItem(atPath: source) }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/gzip")
        process.arguments = ["-c", "-n", source]
        let output = Pipe()
        process.standardOutput = output
        try! process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        precondition(process.terminationStatus == 0, "gzip failed")
        return [UInt8](data)
    }
}

/// An IDX file: big-endian `magic`, the dimension sizes, then `payload`.
func idxBytes(magic: UInt32, dimensions: [Int], payload: [UInt8]) -> [UInt8] {
    var bytes = [UInt8]()
    func word(_ value: UInt32) {
        bytes += [UInt8(value >> 24), UInt8((value >> 16) & 0xFF), UInt8((value >> 8) & 0xFF), UInt8(value & 0xFF)]
    }
    word(magic)
    for d in dimensions { word(UInt32(d)) }
    return bytes + payload
}

/// An image file holding `count` images of `rows` × `columns` pixels.
func imageFile(count: Int, rows: Int, columns: Int, pixels: [UInt8]) -> [UInt8] {
    idxBytes(magic: 0x0000_0803, dimensions: [count, rows, columns], payload: pixels)
}

/// A label file.
func labelFile(_ labels: [UInt8]) -> [UInt8] {
    idxBytes(magic: 0x0000_0801, dimensions: [labels.count], payload: labels)
}

/// `count` pseudo-random bytes.
func randomBytes(_ count: Int, seed: UInt64) -> [UInt8] {
    var generator = RandomGenerator(seed: seed)
    var bytes = [UInt8](repeating: 0, count: count)
    var i = 0
    while i < count {
        var word = generator.next()
        for _ in 0..<8 {
            if i == count { break }
            bytes[i] = UInt8(word & 0xFF)
            word >>= 8
            i += 1
        }
    }
    return bytes
}

/// Runs `body`, which must throw a ``DataError``, and returns the error (nil if it did not throw
/// one).
func dataError(_ body: () throws -> Void) -> DataError? {
    do {
        try body()
        return nil
    } catch let error as DataError {
        return error
    } catch {
        return nil
    }
}
