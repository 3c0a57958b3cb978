/// What a finished ``BatchJob`` did.
public struct BatchJobSummary: Sendable, Equatable {
    /// Input lines in the file (all of them, including those done by an earlier, interrupted run).
    public var lines: Int
    /// Lines written to the output.
    public var succeeded: Int
    /// Lines written to the errors file.
    public var failed: Int
    /// Lines already done when this run started (0 for a fresh start).
    public var resumedAfterLine: Int
    /// Wall-clock seconds of this run.
    public var seconds: Double
    /// Good texts of this run per second.
    public var textsPerSecond: Double

    /// A summary.
    public init(lines: Int, succeeded: Int, failed: Int, resumedAfterLine: Int, seconds: Double, textsPerSecond: Double) {
        self.lines = lines
        self.succeeded = succeeded
        self.failed = failed
        self.resumedAfterLine = resumedAfterLine
        self.seconds = seconds
        self.textsPerSecond = textsPerSecond
    }
}
