import Foundation
import Testing
import Flint
@testable import FlintModels

/// Truncated and mutated checkpoints: every variant loads or throws a FlintError — never crashes,
/// never hangs (the time limits fail a test that would).
@Suite(.timeLimit(.minutes(2))) struct PyTorchCheckpointFuzzTests {
    /// Outcome counts of a fuzz run.
    struct Tally {
        var loaded = 0
        var rejected = 0
    }

    /// Writes `bytes` to `url` and loads it; a load touches every tensor's values.
    static func attempt(_ bytes: [UInt8], at url: URL, tally: inout Tally) throws {
        try Data(bytes).write(to: url)
        do {
            let checkpoint = try PyTorchCheckpoint(contentsOf: url)
            for tensor in checkpoint.tensors.values { _ = HubFixtures.values(tensor) }
            tally.loaded += 1
        } catch let error as FlintError {
            #expect(error.description.hasPrefix(url.path), "error does not name the file: \(error)")
            tally.rejected += 1
        }
    }

    @Test func truncatedFilesThrow() throws {
        let original = Array(try Data(contentsOf: HubFixtures.url("tiny_state_dict.pt.bin")))
        let folder = try HubFixtures.temporaryFolder("fuzz-truncate")
        defer { try? FileManager.default.removeItem(at: folder) }
        let url = folder.appendingPathComponent("pytorch_model.bin")
        var tally = Tally()
        // Every length near the start and the end (headers, central directory), a stride in between.
        var lengths = Set(0..<min(200, original.count))
        lengths.formUnion(max(0, original.count - 300)..<original.count)
        lengths.formUnion(stride(from: 0, to: original.count, by: 23))
        for length in lengths.sorted() {
            try Self.attempt(Array(original[..<length]), at: url, tally: &tally)
        }
        // A ZIP cut anywhere loses its end record: nothing shorter than the whole file loads.
        #expect(tally.loaded == 0)
        #expect(tally.rejected == lengths.count)
    }

    @Test func mutatedArchivesLoadOrThrow() throws {
        let original = Array(try Data(contentsOf: HubFixtures.url("tiny_state_dict.pt.bin")))
        let folder = try HubFixtures.temporaryFolder("fuzz-mutate")
        defer { try? FileManager.default.removeItem(at: folder) }
        let url = folder.appendingPathComponent("pytorch_model.bin")
        var random = RandomGenerator(seed: 20_261_129)
        var tally = Tally()
        // The central directory and end record hold most of the structure: aim half the mutations there.
        let directoryStart = try ZipArchive(contentsOf: HubFixtures.url("tiny_state_dict.pt.bin")).entries.map {
            $0.localHeaderOffset + $0.compressedSize
        }.max()!
        for variant in 0..<400 {
            var bytes = original
            for _ in 0...random.nextInt(below: 4) {
                let position = variant % 2 == 0
                    ? directoryStart + random.nextInt(below: bytes.count - directoryStart)
                    : random.nextInt(below: bytes.count)
                bytes[position] = UInt8(truncatingIfNeeded: random.next())
            }
            try Self.attempt(bytes, at: url, tally: &tally)
        }
        print("fuzz pytorch_model.bin bytes: \(tally.loaded) loaded, \(tally.rejected) rejected")
        #expect(tally.loaded + tally.rejected == 400)
        #expect(tally.rejected > 100)
    }

    @Test func mutatedPicklesLoadOrThrow() throws {
        // Mutate data.pkl itself and re-pack it with a correct CRC, so the pickle reader sees the damage.
        let source = try ZipArchive(contentsOf: HubFixtures.url("tiny_state_dict.pt.bin"))
        let entries = try source.entries.map { ($0.name, try source.contents(of: $0)) }
        let pickleIndex = try #require(entries.firstIndex { $0.0.hasSuffix("/data.pkl") })
        let folder = try HubFixtures.temporaryFolder("fuzz-pickle")
        defer { try? FileManager.default.removeItem(at: folder) }
        let url = folder.appendingPathComponent("pytorch_model.bin")
        var random = RandomGenerator(seed: 7)
        var tally = Tally()
        for variant in 0..<400 {
            var pickle = entries[pickleIndex].1
            switch variant % 4 {
            case 0:  // truncate
                pickle = Array(pickle[..<random.nextInt(below: pickle.count)])
            case 1:  // delete a run of bytes
                let start = random.nextInt(below: pickle.count)
                pickle.removeSubrange(start..<min(pickle.count, start + 1 + random.nextInt(below: 8)))
            default:  // overwrite a few bytes
                for _ in 0...random.nextInt(below: 3) {
                    pickle[random.nextInt(below: pickle.count)] = UInt8(truncatingIfNeeded: random.next())
                }
            }
            var writer = TestZipWriter(zip64: false)
            for (index, entry) in entries.enumerated() { writer.add(entry.0, index == pickleIndex ? pickle : entry.1) }
            try Self.attempt(writer.finished(), at: url, tally: &tally)
        }
        print("fuzz data.pkl: \(tally.loaded) loaded, \(tally.rejected) rejected")
        #expect(tally.loaded + tally.rejected == 400)
        #expect(tally.rejected > 100)
        #expect(tally.loaded > 0)  // some mutations (a value byte, say) leave a valid pickle
    }

    @Test func truncatedAndMutatedLegacyFilesLoadOrThrow() throws {
        let original = Array(try Data(contentsOf: HubFixtures.url("tiny_legacy.pt.bin")))
        let folder = try HubFixtures.temporaryFolder("fuzz-legacy")
        defer { try? FileManager.default.removeItem(at: folder) }
        let url = folder.appendingPathComponent("pytorch_model.bin")
        var tally = Tally()
        for length in 0..<original.count {
            try Self.attempt(Array(original[..<length]), at: url, tally: &tally)
        }
        // The last storage's bytes end the file: any cut loses some of them.
        #expect(tally.loaded == 0 && tally.rejected == original.count)
        var random = RandomGenerator(seed: 1_600)
        tally = Tally()
        for _ in 0..<400 {
            var bytes = original
            for _ in 0...random.nextInt(below: 3) {
                bytes[random.nextInt(below: bytes.count)] = UInt8(truncatingIfNeeded: random.next())
            }
            try Self.attempt(bytes, at: url, tally: &tally)
        }
        print("fuzz legacy format: \(tally.loaded) loaded, \(tally.rejected) rejected")
        #expect(tally.loaded + tally.rejected == 400)
        #expect(tally.rejected > 100)
    }

    @Test func mutatedDeflatedArchivesLoadOrThrow() throws {
        // Damage inside deflate streams reaches zlib; the CRC-32 catches what zlib accepts.
        let original = Array(try Data(contentsOf: HubFixtures.url("tiny_deflated.pt.bin")))
        let folder = try HubFixtures.temporaryFolder("fuzz-deflate")
        defer { try? FileManager.default.removeItem(at: folder) }
        let url = folder.appendingPathComponent("pytorch_model.bin")
        var random = RandomGenerator(seed: 8)
        var tally = Tally()
        for _ in 0..<300 {
            var bytes = original
            for _ in 0...random.nextInt(below: 2) {
                bytes[random.nextInt(below: bytes.count)] = UInt8(truncatingIfNeeded: random.next())
            }
            try Self.attempt(bytes, at: url, tally: &tally)
        }
        print("fuzz deflated archive: \(tally.loaded) loaded, \(tally.rejected) rejected")
        #expect(tally.loaded + tally.rejected == 300)
        #expect(tally.rejected > 150)
    }
}
