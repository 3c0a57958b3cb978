import Flint
import FlintData
import FuzzSupport

/// IDX (MNIST / Fashion-MNIST) image and label files, plain or gzip: the first byte picks the reader
/// (labels, images as bytes, images as floats), the rest is the file.
private let scratch = ScratchFile(name: "data-ubyte")

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    guard let data, size > 0 else { return 0 }
    scratch.write(data + 1, count: size - 1)
    switch data[0] % 3 {
    case 0: _ = try? IDXReader.readLabels(at: scratch.url)
    case 1: _ = try? IDXReader.readImages(at: scratch.url)
    default: _ = try? IDXReader.readImages(at: scratch.url, scale: 1.0 / 255, bias: 0)
    }
    return 0
}

/// The process entry SwiftPM links as `main` (see FuzzSupport's runLibFuzzer).
@_cdecl("FuzzIDX_main")
public func fuzzerMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    runLibFuzzer(argc, argv, fuzz)
}
