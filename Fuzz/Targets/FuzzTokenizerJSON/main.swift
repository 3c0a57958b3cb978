import Foundation
import FlintText
import FuzzSupport

/// `tokenizer.json`: parsed into a `Tokenizer`; one that loads encodes a mixed-script text (single and
/// pair) and decodes the ids back, so a fuzzed vocabulary, merges or normalizer is also exercised.
private let text = "Hello, WORLD! Héllo wörld — naïve café 你好世界 don't 123.45 \u{1F600} tab\there"

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = fuzzInput(data, size)
    guard let json = try? JSONObject(data: Data(bytes), path: "tokenizer.json"),
          let tokenizer = try? Tokenizer(json: json) else { return 0 }
    let single = tokenizer.encode(text)
    let pair = tokenizer.encode(text, pair: "second sequence")
    _ = tokenizer.decode(single.ids)
    _ = tokenizer.decode(pair.ids, skipSpecialTokens: false)
    return 0
}

/// The process entry SwiftPM links as `main` (see FuzzSupport's runLibFuzzer).
@_cdecl("FuzzTokenizerJSON_main")
public func fuzzerMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    runLibFuzzer(argc, argv, fuzz)
}
