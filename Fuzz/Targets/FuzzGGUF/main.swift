import Flint
import FlintModels
import FuzzSupport

/// GGUF header + data: `GGUFHeader(parsing:)` on the input as a whole file, then the `flint inspect` summary,
/// every typed metadata accessor, and the dequantization of the first row of every supported tensor (the
/// reader's offsets checks are what keep those reads inside the input).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = UnsafeRawBufferPointer(start: data, count: size)
    guard let header = try? GGUFHeader(parsing: bytes, path: "input.gguf") else { return 0 }
    let summary = GGUFSummary(header)
    _ = summary.text
    _ = summary.json
    for key in header.metadataKeys {
        _ = try? header.integer(key)
        _ = try? header.float(key)
        _ = try? header.string(key)
        _ = try? header.optionalArray(key)?.integers
    }
    var sink: Float = 0
    for tensor in header.tensors where tensor.type.isSupported && tensor.rowLength > 0 && tensor.rowLength <= 1 << 16 && tensor.byteCount > 0 {
        let values = tensor.type.dequantize(bytes.baseAddress! + header.dataOffset + tensor.offset, count: tensor.rowLength)
        sink += values[0]
    }
    blackHole(sink)
    return 0
}

@inline(never)
func blackHole(_ value: Float) { _ = value }

/// The process entry SwiftPM links as `main` (see FuzzSupport's runLibFuzzer).
@_cdecl("FuzzGGUF_main")
public func fuzzerMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    runLibFuzzer(argc, argv, fuzz)
}
