@testable import FlintServe
import FuzzSupport

/// The HTTP request body decoders of `flint serve`. The first byte picks the route, the rest is the
/// body: `JSONRequest.parse` (what every route's `state.body` runs after collecting the bytes) and then
/// that route's own field accessors, in the route's order.
private let limits: ServeConfiguration.Limits = {
    var limits = ServeConfiguration.Limits()
    limits.maxTexts = 8
    limits.maxTextBytes = 64
    return limits
}()

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let input = fuzzInput(data, size)
    guard let route = input.first, let body = try? JSONRequest.parse(Array(input.dropFirst()), limits: limits) else { return 0 }
    switch route % 5 {
    case 0:  // POST /predict
        _ = try? body.text("text")
        _ = try? body.optionalString("model")
    case 1:  // POST /batch_predict
        _ = try? body.texts("texts")
        _ = try? body.optionalString("model")
    case 2:  // POST /v1/embeddings (OpenAI)
        _ = try? body.texts("input", allowsSingle: true)
        _ = try? body.optionalString("encoding_format")
        _ = try? body.optionalString("model")
        _ = try? body.optionalInteger("dimensions")
    case 3:  // POST /v1/models/{name}:predict (KServe v1)
        _ = try? ModelRoutes.instanceTexts(body, maxTexts: limits.maxTexts)
    default:  // POST /feedback
        _ = try? body.optionalString("request_id")
        _ = try? body.optionalString("label")
    }
    return 0
}

/// The process entry SwiftPM links as `main` (see FuzzSupport's runLibFuzzer).
@_cdecl("FuzzRequestBodies_main")
public func fuzzerMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    runLibFuzzer(argc, argv, fuzz)
}
