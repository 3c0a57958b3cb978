import Foundation
@testable import FlintServe
import FuzzSupport

/// `flint batch` JSONL input: the whole input is the file, read by `InputLineReader` (with a small line
/// cap so over-long lines are exercised too) and each line decoded by `BatchRecord`.
private let scratch = ScratchFile(name: "input.jsonl")
private let options = BatchJobOptions(input: URL(fileURLWithPath: "/dev/null"), output: URL(fileURLWithPath: "/dev/null"),
                                      textField: "text", batchSize: 4, maximumTextBytes: 64, maximumLineBytes: 256)

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    scratch.write(data, count: size)
    guard var reader = try? InputLineReader(url: scratch.url, maximumLineBytes: options.maximumLineBytes) else { return 0 }
    defer { reader.close() }
    while let line = try? reader.next() {
        switch BatchRecord(line, options: options) {
        case .good(let record, _): _ = try? JSONEncoder().encode(record)
        case .bad: _ = BatchRecord.excerpt(line)
        }
    }
    return 0
}

/// The process entry SwiftPM links as `main` (see FuzzSupport's runLibFuzzer).
@_cdecl("FuzzBatchLine_main")
public func fuzzerMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    runLibFuzzer(argc, argv, fuzz)
}
