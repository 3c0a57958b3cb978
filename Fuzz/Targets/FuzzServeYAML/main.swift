import FlintServe
import FuzzSupport

/// `serve.yaml`: YAML text decoded and validated by `ServeConfiguration.parse`.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let text = String(decoding: fuzzInput(data, size), as: UTF8.self)
    _ = try? ServeConfiguration.parse(text, path: "serve.yaml")
    return 0
}

/// The process entry SwiftPM links as `main` (see FuzzSupport's runLibFuzzer).
@_cdecl("FuzzServeYAML_main")
public func fuzzerMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    runLibFuzzer(argc, argv, fuzz)
}
