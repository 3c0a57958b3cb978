/// Errors of the benchmark driver. Any of them fails `flint bench` (exit status 1).
public enum BenchmarkError: Error, CustomStringConvertible, Equatable {
    /// `bench-worker` was asked for a case it does not know.
    case unknownCase(String)
    /// A thread count (`--threads` or `FLINT_NUM_THREADS`) that is not a positive integer.
    case invalidThreadCount(source: String, value: String)
    /// A worker or peer process could not be started.
    case launchFailed(command: String, reason: String)
    /// A worker or peer process exited with a non-zero status (or was killed).
    case processFailed(command: String, status: Int32)
    /// A worker or peer process printed no JSON result line.
    case noResult(command: String)
    /// A result line lacks a field, or has one of the wrong type.
    case missingField(String, in: String)
    /// One side ran with a different thread count than the benchmark asked for.
    case threadMismatch(side: String, expected: Int, actual: Int)
    /// The two sides did different work (e.g. different token counts on the same corpus).
    case differentWork(String)
    /// A file the benchmark needs is missing.
    case missingFile(String)
    /// A benchmark's input does not give the state it measures (the message says which and why).
    case unusableInput(String)

    public var description: String {
        switch self {
        case .unknownCase(let name): return "bench-worker: unknown case '\(name)'"
        case .invalidThreadCount(let source, let value): return "\(source): '\(value)' is not a positive number of threads"
        case .launchFailed(let command, let reason): return "bench: cannot start '\(command)': \(reason)"
        case .processFailed(let command, let status): return "bench: '\(command)' failed (exit status \(status))"
        case .noResult(let command): return "bench: '\(command)' printed no JSON result"
        case .missingField(let field, let command): return "bench: result of '\(command)' has no numeric field '\(field)'"
        case .threadMismatch(let side, let expected, let actual):
            return "bench: \(side) ran with \(actual) threads, not the \(expected) asked for"
        case .differentWork(let message): return "bench: the two sides did different work: \(message)"
        case .missingFile(let path): return "bench: missing file \(path)"
        case .unusableInput(let message): return "bench: \(message)"
        }
    }
}
