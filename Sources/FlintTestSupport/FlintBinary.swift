import Foundation

/// Runs the real `flint` executable that `swift build --build-tests` puts beside the test bundle, so
/// tests can check what a user sees: standard error and the exit status (1 for a reported error, not a
/// signal).
public enum FlintBinary {
    /// What a run of `flint` gave.
    public struct Run: Sendable {
        /// The exit status (meaningful when ``signaled`` is false).
        public let status: Int32
        /// Whether the process died of a signal (a crash) instead of exiting.
        public let signaled: Bool
        /// Standard output.
        public let standardOutput: String
        /// Standard error.
        public let standardError: String
    }

    /// The `flint` binary beside the test bundle (`.build/debug/flint`), or nil when it was not built.
    public static var url: URL? {
        for start in [URL(fileURLWithPath: CommandLine.arguments[0]).standardizedFileURL, Bundle.main.bundleURL] {
            var directory = start
            for _ in 0..<3 {
                directory = directory.deletingLastPathComponent()
                let candidate = directory.appendingPathComponent("flint")
                if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
            }
        }
        return nil
    }

    /// Runs `flint` with `arguments`, extra `environment` variables and `input` on standard input (none when
    /// nil), waiting for it to exit.
    ///
    /// - Throws: ``TestResourceError`` when the binary has not been built.
    public static func run(_ arguments: [String], environment: [String: String] = [:], input: String? = nil) throws -> Run {
        guard let binary = url else {
            throw TestResourceError.missing("the flint binary beside the test bundle", fetch: "swift build --build-tests")
        }
        let run = try CapturedProcess.run(binary, arguments,
                                          environment: ProcessInfo.processInfo.environment.merging(environment) { $1 },
                                          input: input.map { Data($0.utf8) })
        return Run(status: run.status, signaled: run.signaled, standardOutput: run.standardOutput, standardError: run.standardError)
    }
}
