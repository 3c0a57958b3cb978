import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Testing

/// A real `flint serve` process for the tests: the `flint` binary that `swift build --build-tests` put beside
/// the test bundle, its stderr and stdout in a log file, port 0 (the server logs the port it bound, so no
/// test guesses a free port), and a controlled environment.
final class ServeProcess: @unchecked Sendable {
    let process = Process()
    let log: URL

    /// The binary, or nil (the caller records an issue) when it has not been built.
    static var flintBinary: URL? {
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

    /// Starts `flint serve ARGUMENTS` with `environment` added to the test's own.
    init(_ arguments: [String], environment: [String: String] = [:], in directory: URL) throws {
        guard let binary = Self.flintBinary else {
            throw ServeProcessError(message: "flint binary not found beside the test bundle; run swift build --build-tests")
        }
        log = directory.appendingPathComponent("serve-\(UUID().uuidString).log")
        _ = FileManager.default.createFile(atPath: log.path, contents: nil)
        let handle = try FileHandle(forWritingTo: log)
        process.executableURL = binary
        // The Batch API's files stay in the test's folder, never in ~/.flint.
        let dataDirectory = arguments.contains("--data-dir") ? [] : ["--data-dir", directory.appendingPathComponent("data").path]
        process.arguments = ["serve"] + arguments + dataDirectory
        var base = ProcessInfo.processInfo.environment
        base.merge(environment) { $1 }
        process.environment = base
        process.standardError = handle
        process.standardOutput = handle
        try process.run()
    }

    deinit { if process.isRunning { process.terminate() } }

    /// What the last readiness probe saw (for the failure message).
    var lastProbe = "no probe yet"

    /// Everything the process wrote so far.
    var output: String { (try? String(contentsOf: log, encoding: .utf8)) ?? "" }

    /// The JSON log lines written so far (`--log-format json`).
    var records: [[String: String]] {
        output.split(separator: "\n").compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: String] }
    }

    /// Waits at most `seconds` for the process to exit; its exit status, or nil while it still runs.
    func waitForExit(seconds: Double = 20) async throws -> Int32? {
        let deadline = Date().addingTimeInterval(seconds)
        while process.isRunning && Date() < deadline { try await Task.sleep(for: .milliseconds(20)) }
        return process.isRunning ? nil : process.terminationStatus
    }

    /// The port of the `listening` log line (JSON logs), waiting at most `seconds`; nil if the process
    /// exits or never logs it.
    func port(seconds: Double = 120) async throws -> Int? {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if let port = records.first(where: { $0["message"] == "listening" })?["port"].flatMap(Int.init) { return port }
            if !process.isRunning { return nil }
            try await Task.sleep(for: .milliseconds(20))
        }
        return nil
    }

    /// The base URL once the process listens and `/ready` answers 200 (nil otherwise, within ~30 s).
    func ready() async throws -> URL? {
        guard let port = try await port() else { return nil }
        let base = URL(string: "http://127.0.0.1:\(port)")!
        for _ in 0..<600 {
            do {
                let (status, body) = try await Self.request(base.appendingPathComponent("ready"))
                if status == 200 { return base }
                lastProbe = "GET /ready → \(status) \(body)"
            } catch {
                lastProbe = "GET /ready → \(error)"
            }
            if !process.isRunning { return nil }
            try await Task.sleep(for: .milliseconds(50))
        }
        FileHandle.standardError.write(Data("ServeProcess: never ready on port \(port); last readiness probe: \(lastProbe)\n".utf8))
        return nil
    }

    /// Polls `GET /metrics` (at most `seconds`) until one of its lines satisfies `line`.
    func waitForMetric(_ base: URL, seconds: Double = 10, line: (Substring) -> Bool) async throws -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            var request = URLRequest(url: base.appendingPathComponent("metrics"))
            request.timeoutInterval = 5
            if let (data, _) = try? await Self.session.data(for: request),
               String(decoding: data, as: UTF8.self).split(separator: "\n").contains(where: line) {
                return true
            }
            try await Task.sleep(for: .milliseconds(10))
        }
        return false
    }

    /// SIGTERM, then the exit status (nil if it did not exit within 20 s).
    func stop() async throws -> Int32? {
        if process.isRunning { kill(process.processIdentifier, SIGTERM) }
        return try await waitForExit()
    }

    /// The tests' own HTTP session: other suites load `URLSession.shared` with thousands of requests while the
    /// whole test run goes on in parallel, and a readiness probe queued behind them timed out.
    static let session = URLSession(configuration: .ephemeral)

    /// One HTTP request: the status and the body as a JSON object (empty when it is not one).
    static func request(_ url: URL, method: String? = nil, body: String? = nil,
                        headers: [String: String] = [:]) async throws -> (Int, [String: Any]) {
        var request = URLRequest(url: url)
        request.timeoutInterval = 20
        if let body {
            request.httpMethod = "POST"
            request.httpBody = Data(body.utf8)
            request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        }
        if let method { request.httpMethod = method }
        for (name, value) in headers { request.setValue(value, forHTTPHeaderField: name) }
        let (data, response) = try await session.data(for: request)
        let json = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] ?? [:]
        return ((response as? HTTPURLResponse)?.statusCode ?? 0, json)
    }
}

/// The process could not be started.
struct ServeProcessError: Error, CustomStringConvertible {
    var message: String
    var description: String { message }
}
