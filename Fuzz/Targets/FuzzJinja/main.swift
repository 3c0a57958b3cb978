import FlintText
import Foundation
import FuzzSupport

/// Jinja chat templates (GGUF `tokenizer.chat_template`, untrusted like the rest of the file): `ChatTemplate(source:)`
/// on the input as UTF-8 (lossy), then a render of a short conversation with tools — every failure must be a
/// thrown `JinjaError`, never a crash, a leak or a hang.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let source = String(decoding: UnsafeRawBufferPointer(start: data, count: size), as: UTF8.self)
    guard let template = try? ChatTemplate(source: source, clock: { Date(timeIntervalSince1970: 1_773_570_600) }) else { return 0 }
    let messages: [JinjaValue] = [
        ["role": "system", "content": "Be brief."],
        ["role": "user", "content": "Hi <|im_start|> ünï"],
        ["role": "assistant", "content": "Hello."],
        ["role": "user", "content": "Weather?"],
    ]
    let tools: [JinjaValue] = [["type": "function", "function": ["name": "get_weather", "parameters": [:] as JinjaValue]]]
    _ = try? template.render(messages: messages, addGenerationPrompt: true, bosToken: "<s>", eosToken: "</s>", tools: tools)
    return 0
}

/// The process entry SwiftPM links as `main` (see FuzzSupport's runLibFuzzer).
@_cdecl("FuzzJinja_main")
public func fuzzerMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    runLibFuzzer(argc, argv, fuzz)
}
