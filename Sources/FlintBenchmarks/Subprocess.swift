import Foundation
import FlintSupport

/// Runs helper processes for benchmarks: this executable in a worker mode, or a peer's Python script.
public enum BenchmarkSubprocess {
    /// The path of the running executable.
    public static var currentExecutable: String {
        (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
    }

    /// Runs `executable arguments…` with `environment` added to this process's, and returns its standard
    /// output. Standard error passes through so that the user sees the peer's warnings. A process that
    /// cannot start or exits non-zero throws: a failing case fails the benchmark.
    public static func run(_ executable: String, _ arguments: [String], environment: [String: String] = [:]) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        var env = ProcessInfo.processInfo.environment
        for (k, v) in environment { env[k] = v }
        process.environment = env
        let pipe = Pipe()
        process.standardOutput = pipe
        let command = ([executable] + arguments).joined(separator: " ")
        do {
            try process.run()
        } catch {
            throw BenchmarkError.launchFailed(command: command, reason: "\(error)")
        }
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationReason == .exit, process.terminationStatus == 0 else {
            throw BenchmarkError.processFailed(command: command, status: process.terminationStatus)
        }
        return String(decoding: data, as: UTF8.self)
    }

    /// Runs a process like `run` and returns the last line of its output that is a JSON object; throws
    /// when it fails or prints none.
    public static func runJSON(_ executable: String, _ arguments: [String], environment: [String: String] = [:]) throws -> [String: Any] {
        let output = try run(executable, arguments, environment: environment)
        guard let object = lastJSONObject(output) else {
            throw BenchmarkError.noResult(command: ([executable] + arguments).joined(separator: " "))
        }
        return object
    }

    /// The last line of `output` that parses as a JSON object.
    public static func lastJSONObject(_ output: String?) -> [String: Any]? {
        guard let output else { return nil }
        for line in output.split(separator: "\n").reversed() {
            if let data = line.data(using: .utf8),
               let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any] {
                return object
            }
        }
        return nil
    }

    /// The peer venv's Python: `$FLINT_PEERS_VENV/bin/python`, default `${FLINT_CACHE:-~/.cache/flint}/peers-venv`.
    public static var peerPython: String? {
        let python = FlintCache.peersVirtualEnvironment.appendingPathComponent("bin/python").path
        return FileManager.default.isExecutableFile(atPath: python) ? python : nil
    }
}
