import FlintModels
import FuzzSupport

/// `config.json`: the model-folder check (`ModelConfiguration`: `model_type`, `architectures`) and the
/// typed BERT configuration (`BertConfiguration.load`, with its range checks).
private let scratch = ScratchFile(name: "config.json")

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    scratch.write(data, count: size)
    if let configuration = try? ModelConfiguration(contentsOf: scratch.url) {
        _ = try? configuration.decode(BertConfiguration.self)
    }
    if let bert = try? BertConfiguration.load(from: scratch.url) {
        _ = bert.labelNames
        _ = bert.headSize
    }
    return 0
}

/// The process entry SwiftPM links as `main` (see FuzzSupport's runLibFuzzer).
@_cdecl("FuzzBertConfig_main")
public func fuzzerMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    runLibFuzzer(argc, argv, fuzz)
}
