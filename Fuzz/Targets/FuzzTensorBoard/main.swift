import FlintTrain
import FuzzSupport

/// TensorBoard event files: the first byte picks how the rest is read. Even: as a whole event file
/// (TFRecord framing with CRCs, then each Event). Odd: as one Event message, framed here with correct
/// CRCs so the protobuf decoder is reached on every input.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let input = fuzzInput(data, size)
    guard let mode = input.first else { return 0 }
    let body = Array(input.dropFirst())
    let bytes = mode % 2 == 0 ? body : TFRecordFraming.record(body)
    var reader = TensorBoardEventReader(bytes: bytes, path: "events.out.tfevents")
    while let event = try? reader.nextEvent() { _ = event.serialized() }
    return 0
}

/// The process entry SwiftPM links as `main` (see FuzzSupport's runLibFuzzer).
@_cdecl("FuzzTensorBoard_main")
public func fuzzerMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    runLibFuzzer(argc, argv, fuzz)
}
