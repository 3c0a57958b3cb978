import Foundation
import Testing
import FlintSupport

@Suite struct SHA256Tests {
    @Test func knownVectors() {
        #expect(SHA256.hexDigest(Data()) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        #expect(SHA256.hexDigest(Data("abc".utf8)) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        // FIPS 180-4 two-block message (448 bits: the padding needs a second block).
        #expect(SHA256.hexDigest(Data("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".utf8))
                == "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
        // 55 and 56 bytes: the last lengths with one and the first with two padding blocks.
        #expect(SHA256.hexDigest(Data(repeating: UInt8(ascii: "a"), count: 55))
                == "9f4390f8d30c2dd92ec9f095b65e2b9ae9b0a925a5258e241c9f1e910f734318")
        #expect(SHA256.hexDigest(Data(repeating: UInt8(ascii: "a"), count: 56))
                == "b35439a4ac6f0948b6d6f9e3c6af0f5f590ce20f1bde7090ef7970686ec6738a")
        #expect(SHA256.hexDigest(Data(repeating: UInt8(ascii: "a"), count: 1_000_000))
                == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
    }

    @Test func incrementalUpdatesMatchOneShot() {
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<10_000).map { _ in UInt8.random(in: 0...255, using: &generator) }
        let expected = SHA256.hexDigest(bytes)
        for pieces in [[1, 63, 64, 65, 127], [7, 5000, 3], [64, 64, 64], [9999]] {
            var hash = SHA256()
            var offset = 0
            for piece in pieces where offset < bytes.count {
                let end = min(bytes.count, offset + piece)
                hash.update(Array(bytes[offset..<end]))
                offset = end
            }
            hash.update(Array(bytes[offset...]))
            #expect(hash.hexFinalized() == expected, "pieces \(pieces)")
        }
        // finalized() leaves the hash usable.
        var hash = SHA256()
        hash.update(Data("ab".utf8))
        _ = hash.finalized()
        hash.update(Data("c".utf8))
        #expect(hash.hexFinalized() == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
    }

    @Test func oneMegabyteFileMatchesSha256sum() throws {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("flint-sha256-\(UUID().uuidString).bin")
        defer { try? FileManager.default.removeItem(at: url) }
        var state: UInt32 = 12345
        let bytes = (0..<(1 << 20) + 17).map { _ -> UInt8 in
            state = state &* 1_664_525 &+ 1_013_904_223
            return UInt8(truncatingIfNeeded: state >> 24)
        }
        try Data(bytes).write(to: url)

        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["sha256sum", url.path]
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
        let reference = String(output.prefix(64))
        #expect(reference.count == 64)

        #expect(try SHA256.hexDigest(ofFileAt: url) == reference)
        #expect(try SHA256.hexDigest(ofFileAt: url, bufferSize: 4099) == reference)
        #expect(SHA256.hexDigest(bytes) == reference)
    }

    @Test func missingFileNamesThePath() {
        let path = "/nonexistent/flint-\(UUID().uuidString)"
        do {
            _ = try SHA256.hexDigest(ofFileAt: URL(fileURLWithPath: path))
            Issue.record("expected an error")
        } catch {
            #expect("\(error)".contains(path))
            #expect("\(error)".contains("open"))
            #expect((error as? FileSystemError)?.code == ENOENT)
        }
    }
}
