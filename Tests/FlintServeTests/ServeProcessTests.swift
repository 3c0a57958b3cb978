import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Testing
@testable import FlintServe

/// The real `flint serve` process: it binds loopback, serves, and on SIGTERM stops accepting, finishes
/// the request in flight and exits 0. Runs the `flint` binary that `swift build --build-tests` put
/// beside the test bundle (skipped with a note when it is not there).
@Suite struct ServeProcessTests {
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

    static func freePort() -> Int { Int.random(in: 20_000..<60_000) }

    static func request(_ url: URL, body: String? = nil) async throws -> (Int, [String: Any]) {
        var request = URLRequest(url: url)
        request.timeoutInterval = 20
        if let body {
            request.httpMethod = "POST"
            request.httpBody = Data(body.utf8)
            request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        }
        let (data, response) = try await URLSession.shared.data(for: request)
        let json = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] ?? [:]
        return ((response as? HTTPURLResponse)?.statusCode ?? 0, json)
    }

    /// Polls `/ready` until it answers 200, at most ~15 s.
    static func waitUntilReady(_ base: URL) async throws -> Bool {
        for _ in 0..<300 {
            if let (status, _) = try? await request(base.appendingPathComponent("ready")), status == 200 { return true }
            try await Task.sleep(for: .milliseconds(50))
        }
        return false
    }

    @Test("SIGTERM during a request: the request completes with 200, the process exits 0, the port closes")
    func sigtermFinishesInFlight() async throws {
        guard let binary = Self.flintBinary else {
            Issue.record("flint binary not found beside the test bundle; run swift build --build-tests")
            return
        }
        let directory = ServeFixtures.scratch("process")
        defer { try? FileManager.default.removeItem(at: directory) }
        let folder = try ServeFixtures.classifier(in: directory)
        let port = Self.freePort()
        let process = Process()
        process.executableURL = binary
        process.arguments = ["serve", "--model", "sentiment=\(folder.path)", "--port", "\(port)",
                             "--max-queue-delay-us", "600000", "--max-batch-size", "64", "--log-format", "json"]
        let log = directory.appendingPathComponent("serve.log")
        _ = FileManager.default.createFile(atPath: log.path, contents: nil)
        let handle = try FileHandle(forWritingTo: log)
        process.standardError = handle
        process.standardOutput = handle
        try process.run()
        defer { if process.isRunning { process.terminate() } }
        let base = URL(string: "http://127.0.0.1:\(port)")!
        let ready = try await Self.waitUntilReady(base)
        #expect(ready, "server became ready: \((try? String(contentsOf: log, encoding: .utf8)) ?? "")")
        guard ready else { return }
        let (health, body) = try await Self.request(base.appendingPathComponent("health"))
        #expect(health == 200 && body["status"] as? String == "healthy")

        // The request waits ~0.6 s in the batcher; SIGTERM arrives meanwhile.
        async let inFlight = Self.request(base.appendingPathComponent("predict"), body: #"{"text": "good"}"#)
        try await Task.sleep(for: .milliseconds(200))
        kill(process.processIdentifier, SIGTERM)
        let (status, answer) = try await inFlight
        #expect(status == 200)
        #expect(answer["model"] as? String == "sentiment")
        for _ in 0..<200 where process.isRunning { try await Task.sleep(for: .milliseconds(50)) }
        #expect(!process.isRunning)
        if !process.isRunning { #expect(process.terminationStatus == 0) }
        let refused = try? await Self.request(base.appendingPathComponent("health"))
        #expect(refused == nil, "the port is closed after exit")
        let lines = try String(contentsOf: log, encoding: .utf8).split(separator: "\n")
        #expect(lines.contains { $0.contains("\"message\":\"flint serve\"") }, "JSON log lines")
        #expect(lines.allSatisfy { (try? JSONSerialization.jsonObject(with: Data($0.utf8))) != nil }, "every log line is JSON")
    }

    @Test("SIGHUP re-resolves a moved registry alias: the next answers come from the new version")
    func sighupReloadsAliases() async throws {
        guard let binary = Self.flintBinary else {
            Issue.record("flint binary not found beside the test bundle; run swift build --build-tests")
            return
        }
        let directory = ServeFixtures.scratch("sighup")
        defer { try? FileManager.default.removeItem(at: directory) }
        let registry = try ModelRegistry(root: directory.appendingPathComponent("registry"))
        let first = try registry.push(name: "sentiment", folder: ServeFixtures.classifier(in: directory, name: "one", seed: 1))
        let second = try registry.push(name: "sentiment", folder: ServeFixtures.classifier(in: directory, name: "two", seed: 2))
        try registry.setAlias(name: "sentiment", version: first.version, alias: "production")
        let port = Self.freePort()
        let process = Process()
        process.executableURL = binary
        process.arguments = ["serve", "--model", "sentiment=sentiment@production", "--registry", registry.root.path,
                             "--port", "\(port)", "--log-level", "warning"]
        process.standardError = FileHandle.nullDevice
        try process.run()
        defer { if process.isRunning { process.terminate() } }
        let base = URL(string: "http://127.0.0.1:\(port)")!
        let ready = try await Self.waitUntilReady(base)
        #expect(ready)
        guard ready else { return }
        let before = try await Self.request(base.appendingPathComponent("predict"), body: #"{"text": "good"}"#).1
        #expect(before["model_version"] as? String == "\(first.version)")
        try registry.setAlias(name: "sentiment", version: second.version, alias: "production")
        kill(process.processIdentifier, SIGHUP)
        var version: String?
        for _ in 0..<200 {
            version = try await Self.request(base.appendingPathComponent("predict"), body: #"{"text": "good"}"#).1["model_version"] as? String
            if version == "\(second.version)" { break }
            try await Task.sleep(for: .milliseconds(50))
        }
        #expect(version == "\(second.version)")
        #expect(process.isRunning, "SIGHUP does not stop the server")
        kill(process.processIdentifier, SIGTERM)
        for _ in 0..<200 where process.isRunning { try await Task.sleep(for: .milliseconds(50)) }
        #expect(!process.isRunning && process.terminationStatus == 0)
    }
}
