import CLibFuzzer

/// Runs libFuzzer on `testOneInput` with the process's arguments.
///
/// SwiftPM links every executable with `--defsym main=<Target>_main`, so libFuzzer's own `main` is never
/// used: each target defines `@_cdecl("<Target>_main")` and calls this, which is what libFuzzer's `main` does.
public func runLibFuzzer(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?,
                         _ testOneInput: @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt) -> CInt {
    var argc = argc
    var argv = argv
    return LLVMFuzzerRunDriver(&argc, &argv, testOneInput)
}
