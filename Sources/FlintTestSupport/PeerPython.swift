import Foundation
import FlintSupport

/// The Python peer environment that interoperability tests compare Flint against (PyTorch,
/// safetensors, transformers, NumPy): the virtual environment `scripts/setup-peers.sh` (`make peers`)
/// creates at `$FLINT_PEERS_VENV`, default `$FLINT_CACHE/peers-venv` (`~/.cache/flint/peers-venv`).
///
/// The rule for every test that needs Python: it is enabled exactly when that environment exists
/// (`@Test(.enabled(if: PeerPython.isAvailable, PeerPython.skipComment))`) and then runs its script
/// with ``interpreter`` — a package missing from the environment fails the test (Python's
/// ImportError in the message) instead of skipping it. Without the environment the test is skipped,
/// and `make test`'s summary line lists it with ``skipComment``.
public enum PeerPython {
    /// The environment's folder.
    public static var environment: URL { FlintCache.peersVirtualEnvironment }

    /// The environment's Python, when the environment exists.
    public static var interpreter: URL? {
        let python = environment.appendingPathComponent("bin/python")
        return FileManager.default.isExecutableFile(atPath: python.path) ? python : nil
    }

    /// Whether the environment exists (checked once per test run).
    public static let isAvailable = interpreter != nil

    /// Why a Python test is skipped.
    public static let skipComment = "needs the Python peer environment (make peers, or set FLINT_PEERS_VENV)"

    /// The output of a Python run.
    public struct Output: Sendable {
        /// The exit status.
        public let status: Int32
        /// Standard output.
        public let standardOutput: String
        /// Standard error (a traceback when the script failed).
        public let standardError: String
    }

    /// Runs `script` (`python -c script arguments…`) with the environment's Python.
    ///
    /// - Throws: ``TestResourceError`` when the environment does not exist.
    public static func run(_ script: String, _ arguments: [String] = []) throws -> Output {
        try run(arguments: ["-c", script] + arguments)
    }

    /// Runs the environment's Python with `arguments` (for example a script path and its arguments).
    public static func run(arguments: [String]) throws -> Output {
        guard let interpreter else {
            throw TestResourceError.missing("the Python peer environment (\(environment.path))", fetch: "make peers")
        }
        let run = try CapturedProcess.run(interpreter, arguments)
        return Output(status: run.status, standardOutput: run.standardOutput, standardError: run.standardError)
    }
}
