import Foundation
import Testing
import Flint
@testable import FlintModels

/// Truncated and mutated safetensors weights and shard indexes in a model folder: every variant
/// loads or throws an error naming the file — never crashes, never hangs.
@Suite(.timeLimit(.minutes(2))) struct ModelFolderFuzzTests {
    /// Loads the folder's weights; returns whether they loaded (touching every value) or threw.
    static func attempt(_ folder: URL, naming file: String) throws -> Bool {
        do {
            let weights = try ModelFolder(url: folder).loadWeights()
            for tensor in weights.values { _ = HubFixtures.values(tensor) }
            return true
        } catch let error as FlintError {
            #expect(error.description.contains(file), "error does not name \(file): \(error)")
            return false
        }
    }

    @Test func truncatedAndMutatedSafeTensorsLoadOrThrow() throws {
        let folder = try ModelFolderTests.makeFolder("fuzz-safetensors")
        defer { try? FileManager.default.removeItem(at: folder) }
        let url = folder.appendingPathComponent("model.safetensors")
        try SafeTensors.save(ModelFolderTests.sampleWeights(), to: url)
        let original = Array(try Data(contentsOf: url))
        var loaded = 0, rejected = 0
        for length in 0..<original.count {
            try Data(original[..<length]).write(to: url)
            if try Self.attempt(folder, naming: "model.safetensors") { loaded += 1 } else { rejected += 1 }
        }
        // The layout check rejects every cut: the data buffer must end exactly at the last tensor.
        #expect(loaded == 0 && rejected == original.count)

        var random = RandomGenerator(seed: 99)
        loaded = 0
        rejected = 0
        for variant in 0..<400 {
            var bytes = original
            // Half the variants hit the header (length prefix and JSON), where the structure is.
            let span = variant % 2 == 0 ? min(bytes.count, 8 + Int(bytes[0])) : bytes.count
            for _ in 0...random.nextInt(below: 3) {
                bytes[random.nextInt(below: span)] = UInt8(truncatingIfNeeded: random.next())
            }
            try Data(bytes).write(to: url)
            if try Self.attempt(folder, naming: "model.safetensors") { loaded += 1 } else { rejected += 1 }
        }
        print("fuzz model.safetensors: \(loaded) loaded, \(rejected) rejected")
        #expect(loaded + rejected == 400)
        #expect(rejected > 100)
        #expect(loaded > 0)  // mutations of tensor values still load
    }

    @Test func mutatedShardIndexesLoadOrThrow() throws {
        let folder = try ModelFolderTests.makeFolder("fuzz-index")
        defer { try? FileManager.default.removeItem(at: folder) }
        try ModelFolderTests.writeShardedSafeTensors(in: folder)
        let url = folder.appendingPathComponent("model.safetensors.index.json")
        let original = Array(try Data(contentsOf: url))
        var random = RandomGenerator(seed: 3)
        var loaded = 0, rejected = 0
        for variant in 0..<300 {
            var bytes = original
            if variant % 3 == 0 {
                bytes = Array(bytes[..<random.nextInt(below: bytes.count)])
            } else {
                for _ in 0...random.nextInt(below: 2) {
                    bytes[random.nextInt(below: bytes.count)] = UInt8(truncatingIfNeeded: random.next())
                }
            }
            try Data(bytes).write(to: url)
            do {
                if try Self.attempt(folder, naming: "model.safetensors.index.json") { loaded += 1 } else { rejected += 1 }
            } catch let error as HubError {
                Issue.record("unexpected \(error)")
            }
        }
        print("fuzz model.safetensors.index.json: \(loaded) loaded, \(rejected) rejected")
        #expect(loaded + rejected == 300)
        #expect(rejected > 50)
    }
}
