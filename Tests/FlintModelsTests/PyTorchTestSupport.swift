import Foundation
import Flint

/// Fixture files and scratch folders for the Hub, PyTorch and ModelFolder tests.
enum HubFixtures {
    /// A fixture file in `Fixtures/` (with its extension). Binary checkpoints made by torch.save are kept as
    /// base64 text (`NAME.b64`, so no binary model files sit in the repository); they are decoded once
    /// into a temporary folder and that copy's URL is returned.
    static func url(_ name: String) throws -> URL {
        if let url = Bundle.module.url(forResource: "Fixtures/\((name as NSString).deletingPathExtension)",
                                       withExtension: (name as NSString).pathExtension) {
            return url
        }
        guard let encoded = Bundle.module.url(forResource: "Fixtures/\(name)", withExtension: "b64") else {
            throw FlintError.missingEntry(path: "Fixtures", name: name)
        }
        let decoded = decodedFolder.appendingPathComponent(name)
        if !FileManager.default.fileExists(atPath: decoded.path) {
            let text = try String(contentsOf: encoded, encoding: .utf8)
            guard let bytes = Data(base64Encoded: text, options: .ignoreUnknownCharacters) else {
                throw FlintError.invalidFile(path: encoded.path, field: "base64", expected: "base64 text", found: "undecodable")
            }
            try FileManager.default.createDirectory(at: decoded.deletingLastPathComponent(), withIntermediateDirectories: true)
            try bytes.write(to: decoded, options: .atomic)
        }
        return decoded
    }

    /// Where base64 fixtures are decoded: one folder per test process.
    static let decodedFolder: URL = FileManager.default.temporaryDirectory
        .appendingPathComponent("flint-fixtures-\(getpid())-\(UUID().uuidString)", isDirectory: true)

    /// The `tiny_bert` model folder (config.json + pytorch_model.bin), assembled in a temporary folder.
    static func tinyBertFolder() throws -> URL {
        let weights = try url("tiny_bert/pytorch_model.bin")
        let folder = weights.deletingLastPathComponent()
        let config = folder.appendingPathComponent("config.json")
        if !FileManager.default.fileExists(atPath: config.path) {
            try FileManager.default.copyItem(at: url("tiny_bert/config.json"), to: config)
        }
        return folder
    }

    /// A new empty temporary folder.
    static func temporaryFolder(_ label: String) throws -> URL {
        let url = FileManager.default.temporaryDirectory
            .appendingPathComponent("flint-\(label)-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    /// The expected values in a `*.expected.json` fixture (by default `tiny_state_dict.expected.json`):
    /// name → (dtype, shape, values).
    static func expectedTinyStateDict(_ name: String = "tiny_state_dict.expected.json") throws -> [String: (dtype: String, shape: [Int], values: [Double])] {
        let data = try Data(contentsOf: url(name))
        let object = try JSONSerialization.jsonObject(with: data) as! [String: [String: Any]]
        var result: [String: (dtype: String, shape: [Int], values: [Double])] = [:]
        for (name, entry) in object {
            let values = (entry["values"] as! [NSNumber]).map(\.doubleValue)
            result[name] = (entry["dtype"] as! String, entry["shape"] as! [Int], values)
        }
        return result
    }

    /// A tensor's elements as doubles, exact for every integer dtype.
    static func values(_ tensor: Tensor) -> [Double] {
        tensor.dtype.isFloatingPoint ? tensor.toArray().map(Double.init) : tensor.toIntArray().map(Double.init)
    }
}

/// Writes ZIP archives of stored entries, optionally with every size and offset in ZIP64 form
/// (the form an archive over 4 GB must use), to test the reader on layouts the fixtures lack.
struct TestZipWriter {
    private(set) var bytes: [UInt8] = []
    private var central: [UInt8] = []
    private var count = 0
    /// Write every entry and the end record in ZIP64 form.
    let zip64: Bool

    init(zip64: Bool) { self.zip64 = zip64 }

    private static func append<T: FixedWidthInteger>(_ value: T, to buffer: inout [UInt8]) {
        withUnsafeBytes(of: value.littleEndian) { buffer.append(contentsOf: $0) }
    }

    /// Adds a stored entry, its data aligned to 64 bytes like torch.save's.
    mutating func add(_ name: String, _ data: [UInt8]) {
        let nameBytes = Array(name.utf8)
        let crc = UInt32(TestZipWriter.crc32(data))
        let headerOffset = bytes.count
        var zip64Extra: [UInt8] = []
        if zip64 {
            TestZipWriter.append(UInt16(1), to: &zip64Extra)
            TestZipWriter.append(UInt16(24), to: &zip64Extra)
            TestZipWriter.append(UInt64(data.count), to: &zip64Extra)
            TestZipWriter.append(UInt64(data.count), to: &zip64Extra)
            TestZipWriter.append(UInt64(headerOffset), to: &zip64Extra)
        }
        // Local header, padded with an unknown extra field so the data starts 64-byte aligned.
        let unpadded = headerOffset + 30 + nameBytes.count
        let padding = (64 - (unpadded + 4) % 64) % 64
        var local: [UInt8] = []
        TestZipWriter.append(UInt32(0x0403_4b50), to: &local)
        TestZipWriter.append(UInt16(45), to: &local)
        TestZipWriter.append(UInt16(0), to: &local)  // flags
        TestZipWriter.append(UInt16(0), to: &local)  // stored
        TestZipWriter.append(UInt32(0), to: &local)  // time, date
        TestZipWriter.append(crc, to: &local)
        TestZipWriter.append(UInt32(data.count), to: &local)
        TestZipWriter.append(UInt32(data.count), to: &local)
        TestZipWriter.append(UInt16(nameBytes.count), to: &local)
        TestZipWriter.append(UInt16(4 + padding), to: &local)
        local += nameBytes
        TestZipWriter.append(UInt16(0xCAFE), to: &local)
        TestZipWriter.append(UInt16(padding), to: &local)
        local += [UInt8](repeating: 0, count: padding)
        bytes += local
        bytes += data

        TestZipWriter.append(UInt32(0x0201_4b50), to: &central)
        TestZipWriter.append(UInt16(45), to: &central)
        TestZipWriter.append(UInt16(45), to: &central)
        TestZipWriter.append(UInt16(0), to: &central)
        TestZipWriter.append(UInt16(0), to: &central)
        TestZipWriter.append(UInt32(0), to: &central)
        TestZipWriter.append(crc, to: &central)
        TestZipWriter.append(zip64 ? UInt32.max : UInt32(data.count), to: &central)
        TestZipWriter.append(zip64 ? UInt32.max : UInt32(data.count), to: &central)
        TestZipWriter.append(UInt16(nameBytes.count), to: &central)
        TestZipWriter.append(UInt16(zip64Extra.count), to: &central)
        TestZipWriter.append(UInt16(0), to: &central)  // comment
        TestZipWriter.append(UInt16(0), to: &central)  // disk
        TestZipWriter.append(UInt16(0), to: &central)  // internal attributes
        TestZipWriter.append(UInt32(0), to: &central)  // external attributes
        TestZipWriter.append(zip64 ? UInt32.max : UInt32(headerOffset), to: &central)
        central += nameBytes
        central += zip64Extra
        count += 1
    }

    /// The finished archive.
    func finished() -> [UInt8] {
        var out = bytes
        let directoryOffset = out.count
        out += central
        if zip64 {
            let recordOffset = out.count
            TestZipWriter.append(UInt32(0x0606_4b50), to: &out)
            TestZipWriter.append(UInt64(44), to: &out)
            TestZipWriter.append(UInt16(45), to: &out)
            TestZipWriter.append(UInt16(45), to: &out)
            TestZipWriter.append(UInt32(0), to: &out)
            TestZipWriter.append(UInt32(0), to: &out)
            TestZipWriter.append(UInt64(count), to: &out)
            TestZipWriter.append(UInt64(count), to: &out)
            TestZipWriter.append(UInt64(central.count), to: &out)
            TestZipWriter.append(UInt64(directoryOffset), to: &out)
            TestZipWriter.append(UInt32(0x0706_4b50), to: &out)
            TestZipWriter.append(UInt32(0), to: &out)
            TestZipWriter.append(UInt64(recordOffset), to: &out)
            TestZipWriter.append(UInt32(1), to: &out)
        }
        TestZipWriter.append(UInt32(0x0605_4b50), to: &out)
        TestZipWriter.append(UInt16(0), to: &out)
        TestZipWriter.append(UInt16(0), to: &out)
        TestZipWriter.append(zip64 ? UInt16.max : UInt16(count), to: &out)
        TestZipWriter.append(zip64 ? UInt16.max : UInt16(count), to: &out)
        TestZipWriter.append(zip64 ? UInt32.max : UInt32(central.count), to: &out)
        TestZipWriter.append(zip64 ? UInt32.max : UInt32(directoryOffset), to: &out)
        TestZipWriter.append(UInt16(0), to: &out)
        return out
    }

    /// CRC-32 (IEEE, reflected), bit by bit: independent of the zlib the reader uses.
    static func crc32(_ data: [UInt8]) -> UInt32 {
        var crc: UInt32 = 0xFFFF_FFFF
        for byte in data {
            crc ^= UInt32(byte)
            for _ in 0..<8 { crc = crc & 1 != 0 ? (crc >> 1) ^ 0xEDB8_8320 : crc >> 1 }
        }
        return ~crc
    }
}
