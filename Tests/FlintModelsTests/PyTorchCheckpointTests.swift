import Foundation
import Testing
import Flint
@testable import FlintModels

/// The checkpoint reader against files made by `torch.save` (scripts/fixtures/make_pytorch_checkpoints.py).
@Suite struct PyTorchCheckpointTests {
    /// Every tensor of the fixture has PyTorch's dtype, shape and values.
    private func expectMatchesFixture(_ tensors: [String: Tensor]) throws {
        let expected = try HubFixtures.expectedTinyStateDict()
        #expect(Set(tensors.keys) == Set(expected.keys))
        for (name, reference) in expected {
            let tensor = try #require(tensors[name], "missing \(name)")
            #expect(tensor.dtype.rawValue == reference.dtype, "\(name) dtype")
            #expect(tensor.shape == reference.shape, "\(name) shape")
            #expect(tensor.isContiguous, "\(name) contiguous")
            if tensor.dtype.isFloatingPoint {
                // Compared as float32: every stored value is a float32 (or narrower) value.
                #expect(tensor.toArray() == reference.values.map { Float($0) }, "\(name) values")
            } else {
                #expect(HubFixtures.values(tensor) == reference.values, "\(name) values")
            }
        }
    }

    @Test func readsEveryDtypeShapeAndLayoutOfTheFixture() throws {
        let checkpoint = try PyTorchCheckpoint(contentsOf: HubFixtures.url("tiny_state_dict.pt.bin"))
        try expectMatchesFixture(checkpoint.tensors)
        #expect(checkpoint.nestedKey == nil)
        // Spot checks by hand, independent of the JSON.
        #expect(checkpoint.tensors["transposed"]!.toArray() == [-1, 0, 1, -0.75, 0.25, 1.25, -0.5, 0.5, 1.5, -0.25, 0.75, 1.75])
        #expect(checkpoint.tensors["scalar"]!.shape == [])
        #expect(checkpoint.tensors["scalar"]!.item() == 3.25)
        #expect(checkpoint.tensors["empty"]!.shape == [0, 5])
        #expect(checkpoint.tensors["int32"]!.toIntArray() == [-7, 0, 2_147_483_647])
    }

    @Test func tensorsViewTheMappedFileAndShareStorages() throws {
        let checkpoint = try PyTorchCheckpoint(contentsOf: HubFixtures.url("tiny_state_dict.pt.bin"))
        let first = try #require(checkpoint.tensors["shared.first"])
        let second = try #require(checkpoint.tensors["shared.second"])
        // One storage, as in PyTorch; the second tensor starts 3 elements in.
        #expect(first.storage === second.storage)
        #expect(first.offset == 0 && second.offset == 3)
        #expect(second.toArray() == [1.5, 2, 2.5, 3, 3.5, 4])
        // Zero copy: the weight's storage is borrowed from the mapping (aligned by torch.save to 64 bytes).
        let weight = try #require(checkpoint.tensors["linear.weight"])
        #expect(Int(bitPattern: weight.storage.data) % 64 == 0)
        let mapping = UnsafeRawPointer(checkpoint.file.data)..<UnsafeRawPointer(checkpoint.file.data + checkpoint.file.byteCount)
        #expect(mapping.contains(UnsafeRawPointer(weight.storage.data)))
        #expect(mapping.contains(UnsafeRawPointer(second.storage.data)))
        // The transposed tensor is a contiguous copy, outside the mapping.
        #expect(!mapping.contains(UnsafeRawPointer(checkpoint.tensors["transposed"]!.storage.data)))
    }

    @Test func readsADeflatedArchiveUnderAnotherTopFolder() throws {
        let archive = try ZipArchive(contentsOf: HubFixtures.url("tiny_deflated.pt.bin"))
        #expect(archive.entry(named: "archive/data.pkl")?.method == 8)
        let checkpoint = try PyTorchCheckpoint(contentsOf: HubFixtures.url("tiny_deflated.pt.bin"))
        try expectMatchesFixture(checkpoint.tensors)
    }

    @Test func readsZip64Archives() throws {
        // Re-pack the fixture's entries with every size and offset in ZIP64 form.
        let source = try ZipArchive(contentsOf: HubFixtures.url("tiny_state_dict.pt.bin"))
        var writer = TestZipWriter(zip64: true)
        for entry in source.entries { writer.add(entry.name, try source.contents(of: entry)) }
        let folder = try HubFixtures.temporaryFolder("zip64")
        defer { try? FileManager.default.removeItem(at: folder) }
        let url = folder.appendingPathComponent("pytorch_model.bin")
        try Data(writer.finished()).write(to: url)
        let archive = try ZipArchive(contentsOf: url)
        #expect(archive.entries.map(\.name) == source.entries.map(\.name))
        try expectMatchesFixture(PyTorchCheckpoint(contentsOf: url).tensors)
    }

    @Test func findsAStateDictNestedOneLevel() throws {
        let checkpoint = try PyTorchCheckpoint(contentsOf: HubFixtures.url("tiny_nested.pt.bin"))
        #expect(checkpoint.nestedKey == "state_dict")
        #expect(Set(checkpoint.tensors.keys) == ["w", "b"])
        #expect(checkpoint.tensors["w"]!.toArray() == [1, 2])
        #expect(checkpoint.tensors["b"]!.dtype == .int64)
        #expect(checkpoint.tensors["b"]!.shape == [1, 1])
        #expect(checkpoint.tensors["b"]!.toIntArray() == [3])
    }

    @Test func convertsFloat64ToFloat32() throws {
        let checkpoint = try PyTorchCheckpoint(contentsOf: HubFixtures.url("tiny_float64.pt.bin"))
        #expect(checkpoint.tensors["weight"]!.dtype == .float32)
        #expect(checkpoint.tensors["weight"]!.toArray() == [1, 2])
    }

    @Test func rejectsUnsupportedDtypesByName() throws {
        let url = try HubFixtures.url("tiny_complex.pt.bin")
        let error = try #require(throws: FlintError.self) { try PyTorchCheckpoint(contentsOf: url) }
        #expect(error.description.contains("found torch.ComplexFloatStorage (dtype complex64)"))
        #expect(error.description.contains(url.path))
        let float8 = try HubFixtures.url("tiny_float8.pt.bin")
        let float8Error = try #require(throws: FlintError.self) { try PyTorchCheckpoint(contentsOf: float8) }
        #expect(float8Error.description.contains("_rebuild_tensor_v3 dtype"))
        #expect(float8Error.description.hasSuffix("found torch.float8_e4m3fn"))
    }

    @Test func readsUnsignedDtypesSavedWithUntypedStorages() throws {
        let checkpoint = try PyTorchCheckpoint(contentsOf: HubFixtures.url("tiny_unsigned.pt.bin"))
        let u16 = try #require(checkpoint.tensors["u16"])
        #expect(u16.dtype == .int32 && u16.shape == [2, 2])
        #expect(u16.toIntArray() == [65535, 7, 2, 3])
        #expect(checkpoint.tensors["u32"]?.dtype == .int64)
        #expect(checkpoint.tensors["u32"]?.toIntArray() == [4_000_000_000, 1])
        #expect(checkpoint.tensors["u64"]?.toIntArray() == [1 << 62, 5])
    }

    @Test func readsTheLegacyFormat() throws {
        // torch.save(..., _use_new_zipfile_serialization=False): pickles followed by raw storages.
        let checkpoint = try PyTorchCheckpoint(contentsOf: HubFixtures.url("tiny_legacy.pt.bin"))
        try expectMatchesFixture(checkpoint.tensors)
        #expect(checkpoint.tensors["shared.first"]!.storage === checkpoint.tensors["shared.second"]!.storage)
    }

    @Test func rejectsPicklesThatAreNotCheckpoints() throws {
        // A bare pickle of a dict (pickle.dumps({"a": 1}, protocol=2)) is neither format.
        let folder = try HubFixtures.temporaryFolder("bare-pickle")
        defer { try? FileManager.default.removeItem(at: folder) }
        let url = folder.appendingPathComponent("pytorch_model.bin")
        try Data([0x80, 0x02, 0x7D, 0x71, 0x00, 0x58, 0x01, 0x00, 0x00, 0x00, 0x61, 0x71, 0x01, 0x4B, 0x01, 0x73, 0x2E]).write(to: url)
        let error = try #require(throws: FlintError.self) { try PyTorchCheckpoint(contentsOf: url) }
        #expect(error.description == "\(url.path): invalid format: expected a PyTorch checkpoint (a ZIP archive, or the legacy format's magic number 0x1950a86a20f9469cfc6c), found a pickle of a dict of 1 entries")
    }

    @Test func refusesGlobalsOutsideTheAllowList() throws {
        // A pickle that would call os.system("echo pwned") in Python.
        var pickle: [UInt8] = [0x80, 0x02]
        pickle += Array("cos\nsystem\n".utf8)
        pickle += [0x58] + withUnsafeBytes(of: UInt32(10).littleEndian) { Array($0) } + Array("echo pwned".utf8)
        pickle += [0x85, 0x52, 0x2E]  // TUPLE1 REDUCE STOP
        var writer = TestZipWriter(zip64: false)
        writer.add("archive/data.pkl", pickle)
        writer.add("archive/version", Array("3\n".utf8))
        let folder = try HubFixtures.temporaryFolder("evil")
        defer { try? FileManager.default.removeItem(at: folder) }
        let url = folder.appendingPathComponent("pytorch_model.bin")
        try Data(writer.finished()).write(to: url)
        let error = try #require(throws: FlintError.self) { try PyTorchCheckpoint(contentsOf: url) }
        #expect(error.description.contains("os.system"))
        #expect(error.description.contains("never runs code"))
    }

    @Test func pickleReaderBuildsPlainValues() throws {
        // {"a": [1, -2, 300, 70000, -(2**40)], "b": (True, None, 1.5), "c": "é"} written by pickle protocol 4
        // (bytes from Python 3.11: pickle.dumps(value, protocol=4)).
        let bytes: [UInt8] = [
            0x80, 0x04, 0x95, 0x3E, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x7D, 0x94, 0x28, 0x8C, 0x01, 0x61, 0x94,
            0x5D, 0x94, 0x28, 0x4B, 0x01, 0x4A, 0xFE, 0xFF, 0xFF, 0xFF, 0x4D, 0x2C, 0x01, 0x4A, 0x70, 0x11, 0x01, 0x00,
            0x8A, 0x06, 0x00, 0x00, 0x00, 0x00, 0x00, 0xFF, 0x65, 0x8C, 0x01, 0x62, 0x94, 0x88, 0x4E, 0x47, 0x3F, 0xF8,
            0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x87, 0x94, 0x8C, 0x01, 0x63, 0x94, 0x8C, 0x02, 0xC3, 0xA9, 0x94, 0x75,
            0x2E,
        ]
        // The reader's containers stay filled while its arena lives (PickleContainerArena).
        let (value, containers) = try bytes.withUnsafeBytes { raw in
            var reader = PickleReader(bytes: raw, path: "inline", field: "pickle", allowedGlobals: [])
            return (try reader.load(reduce: { _, _, _ in .none }, persistentLoad: { _ in .none }), reader.containers)
        }
        defer { withExtendedLifetime(containers) {} }
        guard case .dictionary(let dictionary) = value else {
            Issue.record("expected a dict, found \(value.kind)")
            return
        }
        #expect(dictionary.entries.compactMap(\.key.stringValue) == ["a", "b", "c"])
        #expect(dictionary["a"]?.sequenceItems?.compactMap(\.integerValue) == [1, -2, 300, 70000, -(1 << 40)])
        let b = try #require(dictionary["b"]?.sequenceItems)
        #expect(b.count == 3)
        if case .bool(true) = b[0] {} else { Issue.record("b[0] is \(b[0].kind)") }
        if case .none = b[1] {} else { Issue.record("b[1] is \(b[1].kind)") }
        if case .float(let x) = b[2] { #expect(x == 1.5) } else { Issue.record("b[2] is \(b[2].kind)") }
        #expect(dictionary["c"]?.stringValue == "é")
    }
}
