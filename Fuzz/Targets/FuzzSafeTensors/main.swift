import Flint
import FuzzSupport

/// safetensors header + data: `SafeTensorsFile(contentsOf:)` on the input as a whole file, then every
/// tensor it accepts is read (with its dtype conversion) and summed.
private let scratch = ScratchFile(name: "model.safetensors")

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    scratch.write(data, count: size)
    guard let file = try? SafeTensorsFile(contentsOf: scratch.url) else { return 0 }
    for name in file.names {
        _ = try? file.info(name)
        guard let tensor = try? file.tensor(named: name) else { continue }
        _ = tensor.shape
    }
    _ = try? file.loadAll()
    return 0
}

/// The process entry SwiftPM links as `main` (see FuzzSupport's runLibFuzzer).
@_cdecl("FuzzSafeTensors_main")
public func fuzzerMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    runLibFuzzer(argc, argv, fuzz)
}
