import Flint
import FlintModels
import FuzzSupport

/// `pytorch_model.bin`: the first byte picks how the rest is read. Even: as the whole file (a torch.save
/// ZIP archive, or the legacy pickle stream when it starts with a PROTO opcode). Odd: as the `data.pkl`
/// pickle of a ZIP checkpoint built here (with `byteorder` and one 64-byte storage `data/0`), so the
/// pickle machine and state-dict checks are reached without first having to mutate a valid archive.
private let scratch = ScratchFile(name: "pytorch_model.bin")

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let input = fuzzInput(data, size)
    guard let mode = input.first else { return 0 }
    let body = Array(input.dropFirst())
    scratch.write(mode % 2 == 0 ? body : storedArchive([
        ("archive/data.pkl", body),
        ("archive/byteorder", Array("little".utf8)),
        ("archive/data/0", [UInt8](repeating: 0x3F, count: 64)),
    ]))
    guard let checkpoint = try? PyTorchCheckpoint(contentsOf: scratch.url) else { return 0 }
    for (_, tensor) in checkpoint.tensors { _ = tensor.shape }
    return 0
}

/// A ZIP archive of uncompressed (stored) entries.
private func storedArchive(_ entries: [(name: String, bytes: [UInt8])]) -> [UInt8] {
    func le16(_ value: Int) -> [UInt8] { [UInt8(value & 0xFF), UInt8(value >> 8 & 0xFF)] }
    func le32(_ value: UInt32) -> [UInt8] { (0..<4).map { UInt8(value >> (8 * $0) & 0xFF) } }
    var archive: [UInt8] = []
    var directory: [UInt8] = []
    for (name, bytes) in entries {
        let nameBytes = Array(name.utf8)
        let offset = UInt32(archive.count)
        // version needed, flags, method (stored), time, date, CRC-32, sizes, name length, extra length
        var common: [UInt8] = le16(20)
        common += le16(0)
        common += le16(0)
        common += le16(0)
        common += le16(0)
        common += le32(CRC32.checksum(bytes))
        common += le32(UInt32(bytes.count))
        common += le32(UInt32(bytes.count))
        common += le16(nameBytes.count)
        common += le16(0)
        archive += le32(0x0403_4B50)
        archive += common
        archive += nameBytes
        archive += bytes
        // central header: signature, version made by, common part, comment length, disk, internal and
        // external attributes, local header offset, name
        directory += le32(0x0201_4B50)
        directory += le16(20)
        directory += common
        directory += le16(0)
        directory += le16(0)
        directory += le16(0)
        directory += le32(0)
        directory += le32(offset)
        directory += nameBytes
    }
    let directoryOffset = UInt32(archive.count)
    archive += directory
    archive += le32(0x0605_4B50)
    archive += le16(0)
    archive += le16(0)
    archive += le16(entries.count)
    archive += le16(entries.count)
    archive += le32(UInt32(directory.count))
    archive += le32(directoryOffset)
    archive += le16(0)
    return archive
}

/// The process entry SwiftPM links as `main` (see FuzzSupport's runLibFuzzer).
@_cdecl("FuzzPyTorch_main")
public func fuzzerMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    runLibFuzzer(argc, argv, fuzz)
}
