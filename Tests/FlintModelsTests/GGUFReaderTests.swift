import Foundation
import Testing
import Flint
import FlintModels
import FlintTestSupport

/// The GGUF reader: every value type, the layout rules, and an error — never a crash — naming the field and
/// byte offset for every kind of corrupt or truncated file.
@Suite struct GGUFReaderTests {
    /// A small valid file: one of each metadata type, nested arrays, two tensors.
    static var sample: GGUFTestFile {
        var file = GGUFTestFile()
        file.metadata = [
            ("general.architecture", .string("llama")),
            ("u8", .uint8(250)), ("i8", .int8(-7)), ("u16", .uint16(65_000)), ("i16", .int16(-30_000)),
            ("u32", .uint32(4_000_000_000)), ("i32", .int32(-2_000_000_000)), ("u64", .uint64(1 << 40)),
            ("i64", .int64(-(1 << 40))), ("f32", .float32(0.25)), ("f64", .float64(-1e-300)), ("flag", .bool(true)),
            ("text", .string("héllo ✓ 中文")),
            ("tokens", .array(.string(["<s>", "", "Ġthe"]))),
            ("scores", .array(.float32([0, -1.5, 3]))),
            ("nested", .array(.array([.int32([1, 2]), .string(["a"]), .array([.bool([true, false])])]))),
        ]
        file.tensors = [
            ("norm.weight", [4], .f32, GGUFTestFile.floatBytes([1, 2, 3, 4])),
            ("w", [32, 2], .q8_0, [UInt8](repeating: 1, count: 68)),
        ]
        return file
    }

    @Test func readsEveryValueTypeAndTheTensors() throws {
        let header = try GGUFTestFile.parse(Self.sample.bytes)
        #expect(header.version == 3)
        #expect(header.metadataKeys == Self.sample.metadata.map(\.0))
        for (key, value) in Self.sample.metadata { #expect(header.metadata[key] == value, "\(key)") }
        #expect(try header.integer("u64") == 1 << 40)
        #expect(try header.integer("i8") == -7)
        #expect(try header.float("f32") == 0.25)
        #expect(header.architecture == "llama")
        #expect(header.tensors.map(\.name) == ["norm.weight", "w"])
        let w = try #require(header.tensor(named: "w"))
        #expect(w.type == .q8_0 && w.dimensions == [32, 2] && w.shape == [2, 32] && w.rowCount == 2)
        #expect(w.byteCount == 68 && w.offset == 32 && w.elementCount == 64)
        #expect(header.dataOffset % 32 == 0)
    }

    @Test func version2ReadsLikeVersion3() throws {
        var file = Self.sample
        file.version = 2
        #expect(try GGUFTestFile.parse(file.bytes).version == 2)
    }

    @Test func mappedFileGivesTheTensorBytesAndFloats() throws {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("gguf-reader-\(UUID().uuidString).gguf")
        try Data(Self.sample.bytes).write(to: url)
        defer { try? FileManager.default.removeItem(at: url) }
        let file = try GGUFFile(path: url.path)
        let norm = try file.floatTensor(named: "norm.weight")
        #expect(norm.shape == [4] && norm.toArray() == [1, 2, 3, 4])
        #expect(Array(try file.data(named: "w").bytes) == [UInt8](repeating: 1, count: 68))
        #expect(throws: FlintError.missingEntry(path: url.path, name: "nope")) { try file.data(named: "nope") }
    }

    /// Every truncation of a valid file is an error naming a field, never a crash or an out-of-bounds read.
    @Test func everyTruncationIsAnError() {
        let bytes = Self.sample.bytes
        var failures = [Int]()
        for length in 0..<bytes.count where GGUFTestFile.error(Array(bytes[0..<length])) == nil {
            // Only the tensor data may be cut (and then the offsets check must fire): every prefix must fail.
            failures.append(length)
        }
        #expect(failures.isEmpty, "prefixes that parsed: \(failures.prefix(10))")
        #expect(GGUFTestFile.error(Array(bytes[0..<100]))?.contains("(byte ") == true)
    }

    @Test("corrupt headers name the field and the byte offset", arguments: [
        ("magic", "invalid magic (byte 0)"),
        ("version1", "GGUF v1"),
        ("bigEndian", "big-endian"),
        ("version9", "invalid version (byte 4): expected 2 or 3, found 9"),
        ("hugeMetadataCount", "invalid metadata_kv_count (byte 16)"),
        ("hugeTensorCount", "invalid tensor_count (byte 8)"),
        ("hugeStringLength", "metadata[0] key length"),
        ("badValueType", "value type (byte"),
        ("badBool", "expected a BOOL of 0 or 1, found 2"),
        ("duplicateKey", "unique keys"),
        ("deepArrays", "nested at most 8 deep"),
        ("hugeArrayCount", "\"a\" count (byte"),
        ("alignmentNotPowerOfTwo", "general.alignment"),
        ("alignmentWrongType", "general.alignment"),
    ])
    func corruptHeader(kind: String, message: String) {
        var file = GGUFTestFile()
        file.metadata = [("a", .uint32(1))]
        var bytes: [UInt8]
        func put64(_ value: UInt64, at offset: Int) { withUnsafeBytes(of: value.littleEndian) { bytes.replaceSubrange(offset..<offset + 8, with: $0) } }
        switch kind {
        case "magic": bytes = file.bytes; bytes[0] = UInt8(ascii: "X")
        case "version1": file.version = 1; bytes = file.bytes
        case "bigEndian": file.version = UInt32(3).byteSwapped; bytes = file.bytes
        case "version9": file.version = 9; bytes = file.bytes
        case "hugeMetadataCount": bytes = file.bytes; put64(1 << 40, at: 16)
        case "hugeTensorCount": bytes = file.bytes; put64(UInt64(Int64.max), at: 8)
        case "hugeStringLength": bytes = file.bytes; put64(1 << 50, at: 24)
        case "badValueType": bytes = file.bytes; bytes[24 + 8 + 1] = 13
        case "badBool": file.metadata = [("a", .bool(true))]; bytes = file.bytes; bytes[37] = 2
        case "duplicateKey": file.metadata = [("a", .uint32(1)), ("a", .uint32(2))]; bytes = file.bytes
        case "deepArrays":
            var nested = GGUFArray.int32([1])
            for _ in 0..<9 { nested = .array([nested]) }
            file.metadata = [("a", .array(nested))]; bytes = file.bytes
        case "hugeArrayCount": file.metadata = [("a", .array(.uint64([1, 2])))]; bytes = file.bytes; put64(1 << 61, at: 24 + 8 + 1 + 4 + 4)
        case "alignmentNotPowerOfTwo": file.metadata = [("general.alignment", .uint32(24))]; bytes = file.bytes
        case "alignmentWrongType": file.metadata = [("general.alignment", .uint64(32))]; bytes = file.bytes
        default: Issue.record("unknown case \(kind)"); return
        }
        let error = GGUFTestFile.error(bytes)
        #expect(error?.contains(message) == true, "\(kind): \(error ?? "parsed")")
        #expect(error?.hasPrefix("test.gguf: invalid") == true, "\(kind): \(error ?? "parsed")")
    }

    @Test("bad tensor infos name the tensor", arguments: [
        ("tooManyDimensions", "n_dims"),
        ("unknownType", "\"w\" type"),
        ("rowNotWholeBlocks", "a multiple of Q8_0's block size 32"),
        ("misaligned", "a multiple of the alignment 32"),
        ("pastTheEnd", "inside the"),
        ("overlap", "the two tensors overlap"),
        ("duplicateName", "unique tensor names"),
        ("longName", "at most 63 bytes"),
        ("overflowingDimensions", "overflowing"),
    ])
    func badTensor(kind: String, message: String) {
        var file = GGUFTestFile()
        file.tensors = [("v", [32], .f32, [UInt8](repeating: 0, count: 128)), ("w", [32, 2], .q8_0, [UInt8](repeating: 0, count: 68))]
        var bytes: [UInt8]
        // The tensor info of "w" starts after the header (24 bytes) and v's info (8 + 1 + 4 + 8 + 4 + 8 bytes).
        let wInfo = 24 + 33
        switch kind {
        case "tooManyDimensions": bytes = file.bytes; bytes[wInfo + 9] = 5
        case "unknownType": bytes = file.bytes; bytes[wInfo + 9 + 4 + 16] = 99
        case "rowNotWholeBlocks": file.tensors[1].dimensions = [16, 4]; bytes = file.bytes
        case "misaligned": file.offsets = [0, 130]; bytes = file.bytes
        case "pastTheEnd": bytes = file.bytes; bytes.removeLast(10)
        case "overlap": file.offsets = [0, 64]; bytes = file.bytes
        case "duplicateName": file.tensors[1].name = "v"; bytes = file.bytes
        case "longName": file.tensors[1].name = String(repeating: "x", count: 64); bytes = file.bytes
        case "overflowingDimensions": file.tensors[1].dimensions = [32, 1 << 40, 1 << 40]; bytes = file.bytes
        default: Issue.record("unknown case \(kind)"); return
        }
        let error = GGUFTestFile.error(bytes)
        #expect(error?.contains(message) == true, "\(kind): \(error ?? "parsed")")
        #expect(error?.contains("(byte ") == true, "\(kind): \(error ?? "parsed")")
    }

    /// Random single-byte corruptions of a valid file: each parses or throws, and the reader never reads outside
    /// the buffer (the fuzz target FuzzGGUF does this at scale under AddressSanitizer).
    @Test func randomCorruptionsParseOrThrow() {
        let bytes = Self.sample.bytes
        var generator = SystemRandomNumberGenerator()
        var thrown = 0
        for _ in 0..<2_000 {
            var copy = bytes
            let position = Int.random(in: 0..<copy.count, using: &generator)
            copy[position] = UInt8.random(in: 0...255, using: &generator)
            if GGUFTestFile.error(copy) != nil { thrown += 1 }
        }
        #expect(thrown > 0)
    }

    /// The real SmolLM2 file: the numbers of ../shared/fixtures/smollm2/gguf_header.txt (gguf-py's reader).
    @Test func smolLM2HeaderMatchesGGUFPy() throws {
        let file = try GGUFFile(path: try TestModels.smolLM2.path)
        let header = file.header
        #expect(header.fileSize == 98_362_432 && header.version == 3)
        #expect(header.tensors.count == 272 && header.metadataKeys.count == 33)
        #expect(header.alignment == 32 && header.dataOffset == 1_785_664)
        #expect(try header.integer("llama.block_count") == 30)
        #expect(try header.float("llama.rope.freq_base") == 100_000)
        #expect(try header.string("tokenizer.ggml.pre") == "smollm")
        #expect(try header.optionalArray("tokenizer.ggml.tokens")?.strings?.prefix(3) == ["<|endoftext|>", "<|im_start|>", "<|im_end|>"])
        #expect(try header.optionalArray("tokenizer.ggml.merges")?.count == 48_900)
        let embedding = try #require(header.tensor(named: "token_embd.weight"))
        #expect(embedding.type == .q8_0 && embedding.dimensions == [576, 49_152] && embedding.offset == 0)
        let down = try #require(header.tensor(named: "blk.0.ffn_down.weight"))
        #expect(down.type == .q4_1 && down.dimensions == [1536, 576] && down.offset == 30_083_328)
        let summary = GGUFSummary(header)
        #expect(summary.parameterCount == 134_515_008)
        #expect(summary.types.map { "\($0.type.name) \($0.tensorCount) \($0.byteCount)" } == ["Q4_1 210 66355200", "Q8_0 1 30081024", "F32 61 140544"])
        // 368 characters (gguf_header.txt's "375 chars" counts each of the 7 newlines as the two characters `\n`).
        #expect(summary.chatTemplateLength == 368)
        // The last tensor ends exactly at the end of the file.
        let end = header.tensors.map { header.dataOffset + $0.offset + $0.byteCount }.max()
        #expect(end == header.fileSize)
    }
}

/// Files written by gguf-py's `GGUFWriter` (the reference writer) read back with the values gguf-py's
/// `GGUFReader` sees: every metadata type, nested arrays, every supported tensor type's layout and offsets.
@Suite struct GGUFInteropTests {
    @Test(.enabled(if: PeerPython.isAvailable, .init(rawValue: PeerPython.skipComment)))
    func readsWhatGGUFPyWrites() throws {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("gguf-interop-\(UUID().uuidString).gguf")
        defer { try? FileManager.default.removeItem(at: url) }
        let output = try PeerPython.run("""
            import sys, json, numpy as np, gguf
            from gguf import GGMLQuantizationType as T
            w = gguf.GGUFWriter(sys.argv[1], "qwen2")
            w.add_uint8("u8", 200); w.add_int8("i8", -5); w.add_uint16("u16", 60000); w.add_int16("i16", -3000)
            w.add_uint32("u32", 4000000000); w.add_int32("i32", -7); w.add_uint64("u64", 1 << 40); w.add_int64("i64", -(1 << 40))
            w.add_float32("f32", 0.5); w.add_float64("f64", 1e-300); w.add_bool("flag", True); w.add_string("text", "héllo 中文 ✓")
            w.add_array("strings", ["a", "", "Ġthe"]); w.add_array("ints", [1, -2, 3]); w.add_array("floats", [0.5, -1.0])
            w.add_array("nested", [[1, 2], ["x", "y"]])
            rng = np.random.default_rng(7)
            for q in [T.F32, T.F16, T.BF16, T.Q8_0, T.Q4_0, T.Q4_1, T.Q5_0, T.Q5_1, T.Q2_K, T.Q3_K, T.Q4_K, T.Q5_K, T.Q6_K]:
                block, size = gguf.GGML_QUANT_SIZES[q]
                n = max(block, 64)
                if q == T.F32: w.add_tensor(q.name, rng.standard_normal((3, n)).astype(np.float32))
                elif q == T.F16: w.add_tensor(q.name, rng.standard_normal((3, n)).astype(np.float16))
                else: w.add_tensor(q.name, rng.integers(0, 256, size=(3, n // block * size), dtype=np.uint8), raw_dtype=q)
            w.write_header_to_file(); w.write_kv_data_to_file(); w.write_tensors_to_file(); w.close()
            r = gguf.GGUFReader(sys.argv[1])
            out = {"tensors": [[t.name, t.tensor_type.name, [int(x) for x in t.shape], int(t.data_offset)] for t in r.tensors],
                   "data_offset": int(r.data_offset), "keys": list(r.fields.keys())}
            print(json.dumps(out))
            """, [url.path])
        #expect(output.status == 0, "\(output.standardError)")
        let reference = try JSONSerialization.jsonObject(with: Data(output.standardOutput.utf8)) as? [String: Any]
        let file = try GGUFFile(path: url.path)
        let header = file.header
        // gguf-py's fields include the header's own entries (GGUF.version, …) before the key-value pairs.
        let keys = (reference?["keys"] as? [String] ?? []).filter { !$0.hasPrefix("GGUF.") }
        #expect(header.metadataKeys == keys)
        #expect(header.architecture == "qwen2")
        #expect(header.metadata["u8"] == .uint8(200) && header.metadata["i8"] == .int8(-5) && header.metadata["u16"] == .uint16(60000))
        #expect(header.metadata["i16"] == .int16(-3000) && header.metadata["u32"] == .uint32(4_000_000_000) && header.metadata["i32"] == .int32(-7))
        #expect(header.metadata["u64"] == .uint64(1 << 40) && header.metadata["i64"] == .int64(-(1 << 40)))
        #expect(header.metadata["f32"] == .float32(0.5) && header.metadata["f64"] == .float64(1e-300) && header.metadata["flag"] == .bool(true))
        #expect(header.metadata["text"] == .string("héllo 中文 ✓"))
        #expect(header.metadata["strings"] == .array(.string(["a", "", "Ġthe"])))
        #expect(header.metadata["ints"]?.arrayValue?.integers == [1, -2, 3])
        #expect(header.metadata["floats"]?.arrayValue?.floats == [0.5, -1.0])
        #expect(header.metadata["nested"]?.arrayValue?.count == 2)
        #expect(header.dataOffset == reference?["data_offset"] as? Int)
        let tensors = reference?["tensors"] as? [[Any]] ?? []
        #expect(tensors.count == 13 && header.tensors.count == 13)
        for (ours, theirs) in zip(header.tensors, tensors) {
            #expect(ours.name == theirs[0] as? String)
            #expect(ours.type.name == theirs[1] as? String)
            #expect(ours.dimensions == theirs[2] as? [Int], "\(ours.name)")
            #expect(header.dataOffset + ours.offset == theirs[3] as? Int, "\(ours.name)")
        }
    }
}
