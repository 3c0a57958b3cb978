import Testing
import Foundation
#if canImport(Glibc)
import Glibc
#endif
import Flint
import FlintTestSupport
import FlintSupport

@Suite struct SafeTensorsTests {
    /// A fresh empty directory for one test.
    func temporaryDirectory() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("flint-safetensors-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    /// A safetensors file: length prefix, `header` padded with spaces to `headerLength` bytes, `data`.
    func rawFile(_ header: String, headerLength: Int? = nil, data: [UInt8]) -> [UInt8] {
        var json = Array(header.utf8)
        let length = headerLength ?? json.count
        while json.count < length { json.append(UInt8(ascii: " ")) }
        var bytes: [UInt8] = []
        withUnsafeBytes(of: UInt64(json.count).littleEndian) { bytes.append(contentsOf: $0) }
        return bytes + json + data
    }

    func littleEndianBytes<T: FixedWidthInteger>(_ values: [T]) -> [UInt8] {
        values.flatMap { value in withUnsafeBytes(of: value.littleEndian) { Array($0) } }
    }

    /// Writes `bytes` to `url` without flushing to disk (the fuzz test writes hundreds of files).
    func write(_ bytes: [UInt8], to url: URL) throws {
        let descriptor = open(url.path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        guard descriptor >= 0 else { throw FlintError.io(path: url.path, message: "test: cannot create") }
        defer { close(descriptor) }
        let written = bytes.withUnsafeBytes { Glibc.write(descriptor, $0.baseAddress, $0.count) }
        guard written == bytes.count else { throw FlintError.io(path: url.path, message: "test: short write") }
    }

    /// Opens `url` and expects a FlintError whose message names the file and mentions `fragment`.
    func expectInvalid(_ url: URL, mentioning fragment: String, sourceLocation: SourceLocation = #_sourceLocation) {
        do {
            _ = try SafeTensorsFile(contentsOf: url)
            Issue.record("expected an error for \(fragment)", sourceLocation: sourceLocation)
        } catch let error as FlintError {
            #expect(error.description.contains(url.path), sourceLocation: sourceLocation)
            #expect(error.description.contains(fragment), "\(error)", sourceLocation: sourceLocation)
        } catch {
            Issue.record("unexpected error type \(error)", sourceLocation: sourceLocation)
        }
    }

    /// One tensor of every Flint dtype.
    func everyDType() -> [String: Tensor] {
        [
            "f32": Tensor([1.5, -2.25, 3e-8, 1e30, 0, -0.0], shape: [2, 3]),
            "f16": Tensor([1.5, -2.25, 65504, 0.000061035156], shape: [4]).to(.float16),
            "bf16": Tensor([1.5, -2.25, 3.0e38, 1], shape: [2, 2]).to(.bfloat16),
            "i64": Tensor(integers: [1 << 40, -(1 << 50), 0, 7], shape: [2, 2]),
            "i32": Tensor(integers: [Int(Int32.max), Int(Int32.min), 5], dtype: .int32),
            "u8": Tensor([0, 1, 128, 255], shape: [4]).to(.uint8),
            "bool": Tensor([1, 0, 0, 1, 1], shape: [5]).to(.bool),
            "scalar": Tensor(42),
            "empty": Tensor.zeros([0, 3]),
        ]
    }

    @Test func roundTripOfEveryDType() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let url = directory.appendingPathComponent("all.safetensors")
        let tensors = everyDType()
        let metadata = ["format": "pt", "note": "quotes \" and \\ and ünïcode\n"]
        try SafeTensors.save(tensors, metadata: metadata, to: url)
        let file = try SafeTensorsFile(contentsOf: url)
        #expect(file.names == tensors.keys.sorted())
        #expect(file.metadata == metadata)
        let names: [String: String] = ["f32": "F32", "f16": "F16", "bf16": "BF16", "i64": "I64", "i32": "I32",
                                       "u8": "U8", "bool": "BOOL", "scalar": "F32", "empty": "F32"]
        let loaded = try file.loadAll()
        for (name, original) in tensors {
            let info = try file.info(name)
            #expect(info.dtype == names[name] && info.shape == original.shape, "\(name)")
            let copy = try #require(loaded[name])
            #expect(copy.dtype == original.dtype && copy.shape == original.shape, "\(name)")
            if original.dtype.isFloatingPoint {
                #expect(copy.toArray().map(\.bitPattern) == original.toArray().map(\.bitPattern), "\(name)")
            } else {
                #expect(copy.toIntArray() == original.toIntArray(), "\(name)")
            }
        }
        // Native dtypes borrow the mapping: two reads see the same memory.
        let a = try file.tensor(named: "f32"), b = try file.tensor(named: "f32")
        #expect(a.storage.data == b.storage.data)
        // Writing to a loaded tensor changes neither the file nor other readers' view of the file.
        a.copy(from: Tensor.zeros([2, 3]))
        #expect(try SafeTensorsFile(contentsOf: url).tensor(named: "f32").toArray() == tensors["f32"]!.toArray())
        // The tensor keeps the mapping alive after the file object is gone.
        let survivor = try SafeTensorsFile(contentsOf: url).tensor(named: "i64")
        #expect(survivor.toIntArray() == [1 << 40, -(1 << 50), 0, 7])
    }

    @Test func savesNonContiguousTensorsInLogicalOrder() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let url = directory.appendingPathComponent("t.safetensors")
        let t = Tensor([1, 2, 3, 4, 5, 6], shape: [2, 3]).transposed()
        try SafeTensors.save(["t": t, "s": t.slice(axis: 0, start: 0, end: 3, step: 2)], to: url)
        let file = try SafeTensorsFile(contentsOf: url)
        #expect(try file.tensor(named: "t").toArray() == [1, 4, 2, 5, 3, 6])
        #expect(try file.tensor(named: "s").toArray() == [1, 4, 3, 6])
        #expect(file.metadata.isEmpty)
    }

    @Test func writtenBytesAreExactlyTheFormat() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let url = directory.appendingPathComponent("exact.safetensors")
        try SafeTensors.save(["b": Tensor(integers: [1, 2]), "a": Tensor([1], shape: [1])], metadata: ["k": "v"], to: url)
        let bytes = [UInt8](try Data(contentsOf: url))
        // Keys are sorted in the header; in the buffer the 8-byte int64 elements come before the
        // 4-byte float32 one, so both are aligned.
        let json = #"{"__metadata__":{"k":"v"},"a":{"dtype":"F32","shape":[1],"data_offsets":[16,20]},"b":{"dtype":"I64","shape":[2],"data_offsets":[0,16]}}"#
        // 135 JSON bytes padded with one space to 136, a multiple of 8.
        #expect(json.utf8.count == 135)
        let expected = [136, 0, 0, 0, 0, 0, 0, 0] + Array(json.utf8) + [0x20]
            + [1, 0, 0, 0, 0, 0, 0, 0] + [2, 0, 0, 0, 0, 0, 0, 0] + [0x00, 0x00, 0x80, 0x3F]
        #expect(bytes == expected)
        // No temporary file is left behind, and saving again replaces the file.
        try SafeTensors.save(["a": Tensor([7], shape: [1])], to: url)
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path) == ["exact.safetensors"])
        #expect(try SafeTensorsFile(contentsOf: url).tensor(named: "a").toArray() == [7])
    }

    @Test func readsHandBuiltFilesOfEveryFormatDType() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let url = directory.appendingPathComponent("hand.safetensors")
        let parts: [(String, String, [Int], [UInt8])] = [
            ("a_i8", "I8", [3], littleEndianBytes([Int8(-128), 5, 127])),
            ("b_i16", "I16", [2], littleEndianBytes([Int16(-30000), 300])),
            ("c_u16", "U16", [2], littleEndianBytes([UInt16(65535), 2])),
            ("d_u32", "U32", [2], littleEndianBytes([UInt32.max, 9])),
            ("e_u64", "U64", [1], littleEndianBytes([UInt64(1) << 62])),
            ("f_f64", "F64", [2], littleEndianBytes([(0.1 as Double).bitPattern, (-1e300 as Double).bitPattern])),
            ("g_bool", "BOOL", [3], [0, 1, 2]),
            ("h_f32", "F32", [2], littleEndianBytes([Float(2.5).bitPattern, Float(-1).bitPattern])),
        ]
        var entries: [String] = []
        var data: [UInt8] = []
        for (name, dtype, shape, bytes) in parts {
            entries.append("\"\(name)\": {\"dtype\": \"\(dtype)\", \"shape\": \(shape), \"data_offsets\": [\(data.count), \(data.count + bytes.count)], \"extra\": null}")
            data += bytes
        }
        // A header length of 8k + 1 puts the data buffer at an odd address: misaligned reads are copied.
        var header = "{" + entries.joined(separator: ", ") + "}"
        while (header.utf8.count + 8) % 8 != 1 { header += " " }
        try write(rawFile(header, data: data), to: url)
        let file = try SafeTensorsFile(contentsOf: url)
        #expect(file.names == parts.map(\.0))
        let i8 = try file.tensor(named: "a_i8")
        #expect(i8.dtype == .int32 && i8.toIntArray() == [-128, 5, 127])
        #expect(try file.tensor(named: "b_i16").toIntArray() == [-30000, 300])
        #expect(try file.tensor(named: "c_u16").toIntArray() == [65535, 2])
        let u32 = try file.tensor(named: "d_u32")
        #expect(u32.dtype == .int64 && u32.toIntArray() == [Int(UInt32.max), 9])
        #expect(try file.tensor(named: "e_u64").toIntArray() == [1 << 62])
        let f64 = try file.tensor(named: "f_f64")
        #expect(f64.dtype == .float32 && f64.toArray() == [0.1, -.infinity])
        let flags = try file.tensor(named: "g_bool")
        #expect(flags.dtype == .bool && flags.toIntArray() == [0, 1, 1])
        #expect(try file.tensor(named: "h_f32").toArray() == [2.5, -1])
        #expect(try file.info("f_f64").dtype == "F64")
        #expect(throws: FlintError.missingEntry(path: url.path, name: "nope")) { try file.tensor(named: "nope") }
        #expect(throws: FlintError.missingEntry(path: url.path, name: "nope")) { try file.info("nope") }
    }

    @Test func rejectsU64ValuesBeyondInt64() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let url = directory.appendingPathComponent("u64.safetensors")
        try write(rawFile(#"{"x":{"dtype":"U64","shape":[],"data_offsets":[0,8]}}"#, data: littleEndianBytes([UInt64.max])), to: url)
        let file = try SafeTensorsFile(contentsOf: url)
        do {
            _ = try file.tensor(named: "x")
            Issue.record("U64 max should not load")
        } catch let error as FlintError {
            #expect(error.description.contains(url.path) && error.description.contains("tensor \"x\""))
        }
    }

    @Test func rejectsInvalidFilesNamingTheField() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let url = directory.appendingPathComponent("bad.safetensors")
        let four = [UInt8](repeating: 0, count: 4)
        let cases: [([UInt8], String)] = [
            ([1, 2, 3], "header length"),
            (littleEndianBytes([UInt64(200_000_000)]) + four, "at most 100000000"),
            (littleEndianBytes([UInt64(64)]) + Array("{}".utf8), "header length"),
            (rawFile("[]", data: []), "starting with '{'"),
            (rawFile("", data: []), "empty header"),
            (littleEndianBytes([UInt64(4)]) + [0x7B, 0xFF, 0xFE, 0x7D], "UTF-8"),
            (rawFile(#"{"a":}"#, data: []), "header JSON at byte 13"),
            (rawFile(#"{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}} x"#, data: four), "end of the header"),
            (rawFile(#"{"a":1,"a":2}"#, data: []), "unique keys"),
            (rawFile(#"{"a":{"dtype":"F128","shape":[1],"data_offsets":[0,4]}}"#, data: four), "tensor \"a\" dtype"),
            (rawFile(#"{"a":{"dtype":"F32","shape":[-1],"data_offsets":[0,4]}}"#, data: four), "tensor \"a\" shape"),
            (rawFile(#"{"a":{"dtype":"F32","shape":[1.0],"data_offsets":[0,4]}}"#, data: four), "tensor \"a\" shape"),
            (rawFile(#"{"a":{"dtype":"F32","shape":[4294967296,4294967296],"data_offsets":[0,4]}}"#, data: four), "tensor \"a\" shape"),
            (rawFile(#"{"a":{"dtype":"F32","data_offsets":[0,4]}}"#, data: four), "tensor \"a\" shape"),
            (rawFile(#"{"a":{"dtype":"F32","shape":[1],"data_offsets":[4,0]}}"#, data: four), "tensor \"a\" data_offsets"),
            (rawFile(#"{"a":{"dtype":"F32","shape":[1],"data_offsets":[0]}}"#, data: four), "tensor \"a\" data_offsets"),
            (rawFile(#"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,4]}}"#, data: four), "8 bytes for dtype F32"),
            (rawFile(#"{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"b":{"dtype":"F32","shape":[1],"data_offsets":[2,6]}}"#,
                     data: four + four), "overlapping"),
            (rawFile(#"{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"b":{"dtype":"F32","shape":[1],"data_offsets":[8,12]}}"#,
                     data: four + four + four), "leaving a gap"),
            (rawFile(#"{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}"#, data: four + [9]), "data buffer"),
            (rawFile(#"{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}"#, data: [1, 2]), "data buffer"),
            (rawFile(#"{"__metadata__":{"k":1}}"#, data: []), "__metadata__ \"k\""),
            (rawFile(#"{"__metadata__":[]}"#, data: []), "__metadata__"),
            (rawFile(#"{"a":"F32"}"#, data: []), "tensor \"a\""),
            (rawFile(#"{"a":"\ud800"}"#, data: []), "low surrogate"),
            (rawFile("{\"a\":\"tab\there\"}", data: []), "control characters"),
            (rawFile(#"{"a":[01]}"#, data: []), "leading zeros"),
            (rawFile("{\"a\":" + String(repeating: "[", count: 10_000) + String(repeating: "]", count: 10_000) + "}", data: []),
             "levels of nesting"),
        ]
        for (bytes, fragment) in cases {
            try write(bytes, to: url)
            expectInvalid(url, mentioning: fragment)
        }
        // Files that cannot be opened at all.
        let missing = directory.appendingPathComponent("missing.safetensors")
        expectInvalid(missing, mentioning: "cannot open")
        expectInvalid(directory, mentioning: "not a regular file")
        // A reserved name cannot be saved.
        #expect(throws: FlintError.self) { try SafeTensors.save(["__metadata__": Tensor(1)], to: url) }
        #expect(throws: FlintError.self) {
            try SafeTensors.save(["a": Tensor(1)], to: directory.appendingPathComponent("no/such/dir/x.safetensors"))
        }
    }

    @Test func acceptsEdgeCasesOfTheFormat() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let url = directory.appendingPathComponent("edge.safetensors")
        // Empty file of tensors, null metadata, escapes in names, zero-size tensors sharing an offset.
        try write(rawFile("{}", data: []), to: url)
        #expect(try SafeTensorsFile(contentsOf: url).names.isEmpty)
        let header = #"{"__metadata__":null,"w\u00e9\"x":{"dtype":"I32","shape":[1],"data_offsets":[0,4]},"#
            + #""z1":{"dtype":"F32","shape":[0],"data_offsets":[4,4]},"z2":{"dtype":"F64","shape":[2,0],"data_offsets":[4,4]}}"#
        try write(rawFile(header, headerLength: 200, data: littleEndianBytes([Int32(-9)])), to: url)
        let file = try SafeTensorsFile(contentsOf: url)
        #expect(file.names == ["wé\"x", "z1", "z2"])
        #expect(try file.tensor(named: "wé\"x").toIntArray() == [-9])
        #expect(try file.tensor(named: "z2").shape == [2, 0])
        #expect(file.metadata.isEmpty)
    }

    @Test func fuzzedFilesThrowNeverCrash() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let validURL = directory.appendingPathComponent("valid.safetensors")
        try SafeTensors.save(["weight": Tensor([1, 2, 3, 4, 5, 6], shape: [2, 3]),
                              "ids": Tensor(integers: [3, 1]),
                              "half": Tensor([1, 2]).to(.float16)],
                             metadata: ["epoch": "3"], to: validURL)
        let valid = [UInt8](try Data(contentsOf: validURL))
        let url = directory.appendingPathComponent("fuzz.safetensors")
        // Every truncation is invalid.
        for length in 0..<valid.count {
            try write(Array(valid[..<length]), to: url)
            do {
                _ = try SafeTensorsFile(contentsOf: url)
                Issue.record("truncation to \(length) bytes was accepted")
            } catch let error as FlintError {
                #expect(error.description.contains(url.path))
            }
        }
        // Random byte changes in the length prefix and header: an error or a file that loads.
        let headerEnd = 8 + Int(valid[0]) + Int(valid[1]) << 8
        var generator = RandomGenerator(seed: 2718)
        var rejected = 0
        for _ in 0..<300 {
            var bytes = valid
            for _ in 0...generator.nextInt(below: 3) {
                let position = generator.nextInt(below: headerEnd)
                bytes[position] = generator.nextInt(below: 4) == 0
                    ? [UInt8(ascii: "\""), UInt8(ascii: "{"), UInt8(ascii: "]"), UInt8(ascii: ","), 0x80, 0][generator.nextInt(below: 6)]
                    : UInt8(generator.nextInt(below: 256))
            }
            try write(bytes, to: url)
            do {
                let file = try SafeTensorsFile(contentsOf: url)
                for (_, tensor) in try file.loadAll() { _ = tensor.toArray() }
            } catch let error as FlintError {
                rejected += 1
                #expect(error.description.contains(url.path))
            }
        }
        #expect(rejected > 200)
    }

    /// Runs `script` with the Python peer environment's interpreter and returns its standard output;
    /// a failing script (say, a package missing from the environment) fails the test with its traceback.
    func python(_ script: String, _ arguments: [String]) throws -> String {
        let output = try PeerPython.run(script, arguments)
        #expect(output.status == 0, "python exited \(output.status): \(output.standardError)")
        return output.standardOutput
    }

    @Test(.enabled(if: PeerPython.isAvailable, .init(rawValue: PeerPython.skipComment)))
    func interoperatesWithTheReferenceImplementation() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let ours = directory.appendingPathComponent("flint.safetensors")
        try SafeTensors.save(everyDType(), metadata: ["source": "flint"], to: ours)
        // The reference reader (safetensors' Rust core) validates the whole file. NumPy has no
        // bfloat16, so that tensor is checked as raw bytes.
        let report = try python("""
            import sys, json
            from safetensors import safe_open, deserialize
            raw = dict(deserialize(open(sys.argv[1], 'rb').read()))['bf16']
            out = {'bf16': [raw['dtype'], raw['shape'], list(raw['data'])]}
            with safe_open(sys.argv[1], 'np') as f:
                out['meta'] = f.metadata()
                for name in sorted(f.keys()):
                    if name != 'bf16':
                        array = f.get_tensor(name)
                        out[name] = [str(array.dtype), list(array.shape), array.reshape(-1).tolist()]
            print(json.dumps(out, sort_keys=True))
            """, [ours.path])
        // bf16 bits of 1.5, -2.25, 3e38 (0x7F61B1E6 rounds to 0x7F62) and 1, little-endian.
        let expected = #"{"bf16": ["BF16", [2, 2], [192, 63, 16, 192, 98, 127, 128, 63]], "bool": ["bool", [5], [true, false, false, true, true]], "#
            + #""empty": ["float32", [0, 3], []], "f16": ["float16", [4], [1.5, -2.25, 65504.0, 6.103515625e-05]], "#
            + #""f32": ["float32", [2, 3], [1.5, -2.25, 2.999999892949745e-08, 1.0000000150474662e+30, 0.0, -0.0]], "#
            + #""i32": ["int32", [3], [2147483647, -2147483648, 5]], "i64": ["int64", [2, 2], [1099511627776, -1125899906842624, 0, 7]], "#
            + #""meta": {"source": "flint"}, "scalar": ["float32", [], [42.0]], "u8": ["uint8", [4], [0, 1, 128, 255]]}"#
        #expect(report.trimmingCharacters(in: .whitespacesAndNewlines) == expected)

        // And the other way: a file written by the reference writer.
        let theirs = directory.appendingPathComponent("python.safetensors")
        _ = try python("""
            import sys, numpy as np
            from safetensors.numpy import save_file
            save_file({'x': np.arange(6, dtype=np.float32).reshape(2, 3), 'y': np.array([1.0, -2.0]),
                       'z': np.array([-3, 4], dtype=np.int16)}, sys.argv[1], metadata={'m': 'n'})
            """, [theirs.path])
        let file = try SafeTensorsFile(contentsOf: theirs)
        #expect(file.names == ["x", "y", "z"] && file.metadata == ["m": "n"])
        #expect(try file.tensor(named: "x").toArray() == [0, 1, 2, 3, 4, 5])
        #expect(try file.tensor(named: "y").toArray() == [1, -2])
        #expect(try file.tensor(named: "z").toIntArray() == [-3, 4])
    }

    @Test(.enabled(if: PeerPython.isAvailable, .init(rawValue: PeerPython.skipComment)))
    func loadsInPyTorch() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let ours = directory.appendingPathComponent("flint.safetensors")
        var tensors = everyDType()
        tensors["empty"] = nil  // printed separately below
        try SafeTensors.save(tensors, metadata: ["source": "flint"], to: ours)
        let theirs = directory.appendingPathComponent("torch.safetensors")
        let report = try python("""
            import sys, torch
            from safetensors.torch import load_file, save_file
            loaded = load_file(sys.argv[1])
            for name in sorted(loaded):
                t = loaded[name]
                print(name, str(t.dtype), list(t.shape), (t.float() if t.is_floating_point() else t).flatten().tolist())
            save_file({'w': torch.arange(6, dtype=torch.bfloat16).reshape(2, 3) / 4, 'b': torch.tensor([True, False]),
                       'h': torch.tensor([0.5, -1.0], dtype=torch.float16), 'i': torch.tensor([-7, 1 << 40])},
                      sys.argv[2], metadata={'x': 'y'})
            """, [ours.path, theirs.path])
        let expected = """
            bf16 torch.bfloat16 [2, 2] [1.5, -2.25, 3.00405527047391e+38, 1.0]
            bool torch.bool [5] [True, False, False, True, True]
            f16 torch.float16 [4] [1.5, -2.25, 65504.0, 6.103515625e-05]
            f32 torch.float32 [2, 3] [1.5, -2.25, 2.999999892949745e-08, 1.0000000150474662e+30, 0.0, -0.0]
            i32 torch.int32 [3] [2147483647, -2147483648, 5]
            i64 torch.int64 [2, 2] [1099511627776, -1125899906842624, 0, 7]
            scalar torch.float32 [] [42.0]
            u8 torch.uint8 [4] [0, 1, 128, 255]
            """
        #expect(report.trimmingCharacters(in: .whitespacesAndNewlines) == expected)
        let file = try SafeTensorsFile(contentsOf: theirs)
        #expect(file.names == ["b", "h", "i", "w"] && file.metadata == ["x": "y"])
        let w = try file.tensor(named: "w")
        #expect(w.dtype == .bfloat16 && w.shape == [2, 3] && w.toArray() == [0, 0.25, 0.5, 0.75, 1, 1.25])
        let b = try file.tensor(named: "b")
        #expect(b.dtype == .bool && b.toIntArray() == [1, 0])
        #expect(try file.tensor(named: "h").toArray() == [0.5, -1])
        #expect(try file.tensor(named: "i").toIntArray() == [-7, 1 << 40])
    }
}
