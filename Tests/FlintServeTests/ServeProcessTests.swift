import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Testing
@testable import FlintServe

/// The real `flint serve` process: it binds loopback, serves, and on SIGTERM stops accepting, finishes
/// the request in flight and exits 0. Runs the `flint` binary that `swift build --build-tests` put
/// beside the test bundle (an issue is recorded when it is not there). Every server binds port 0.
@Suite struct ServeProcessTests {
    @Test("SIGTERM during a request: the request completes with 200, the process exits 0, the port closes")
    func sigtermFinishesInFlight() async throws {
        let directory = ServeFixtures.scratch("process")
        defer { try? FileManager.default.removeItem(at: directory) }
        let folder = try ServeFixtures.classifier(in: directory)
        let server = try ServeProcess(["--model", "sentiment=\(folder.path)", "--port", "0",
                                       "--max-queue-delay-us", "10000000", "--max-batch-size", "64", "--log-format", "json"],
                                      in: directory)
        let ready = try await server.ready()
        #expect(ready != nil, "server became ready: \(server.output)")
        guard let base = ready else { return }
        let (health, body) = try await ServeProcess.request(base.appendingPathComponent("health"))
        #expect(health == 200 && body["status"] as? String == "healthy")

        // The request waits up to 10 s (the most serve.yaml allows) in the batcher; SIGTERM arrives once the server's queue-depth gauge shows it
        // waiting (a fixed sleep raced the request's connection on a loaded machine, and with a 3 s wait a clean-clone
        // `make test` once polled the gauge too slowly to see it).
        async let inFlight = ServeProcess.request(base.appendingPathComponent("predict"), body: #"{"text": "good"}"#)
        let queued = try await server.waitForMetric(base, line: { $0.hasPrefix("model_queue_depth{") && ($0.split(separator: " ").last.flatMap { Double($0) } ?? 0) >= 1 })
        #expect(queued, "the request reached the batcher's queue")
        kill(server.process.processIdentifier, SIGTERM)
        let (status, answer) = try await inFlight
        #expect(status == 200)
        #expect(answer["model"] as? String == "sentiment")
        #expect(try await server.waitForExit() == 0)
        #expect(server.process.terminationReason == .exit)
        let refused = try? await ServeProcess.request(base.appendingPathComponent("health"))
        #expect(refused == nil, "the port is closed after exit")
        let lines = server.output.split(separator: "\n")
        #expect(lines.contains { $0.contains("\"message\":\"flint serve\"") }, "JSON log lines")
        #expect(lines.allSatisfy { (try? JSONSerialization.jsonObject(with: Data($0.utf8))) != nil }, "every log line is JSON")
    }

    @Test("SIGHUP re-resolves a moved registry alias: the next answers come from the new version")
    func sighupReloadsAliases() async throws {
        let directory = ServeFixtures.scratch("sighup")
        defer { try? FileManager.default.removeItem(at: directory) }
        let registry = try ModelRegistry(root: directory.appendingPathComponent("registry"))
        let first = try registry.push(name: "sentiment", folder: ServeFixtures.classifier(in: directory, name: "one", seed: 1))
        let second = try registry.push(name: "sentiment", folder: ServeFixtures.classifier(in: directory, name: "two", seed: 2))
        try registry.setAlias(name: "sentiment", version: first.version, alias: "production")
        let server = try ServeProcess(["--model", "sentiment=sentiment@production", "--registry", registry.root.path,
                                       "--port", "0", "--log-format", "json"], in: directory)
        let ready = try await server.ready()
        #expect(ready != nil, "\(server.output)")
        guard let base = ready else { return }
        let before = try await ServeProcess.request(base.appendingPathComponent("predict"), body: #"{"text": "good"}"#).1
        #expect(before["model_version"] as? String == "\(first.version)")
        try registry.setAlias(name: "sentiment", version: second.version, alias: "production")
        kill(server.process.processIdentifier, SIGHUP)
        var version: String?
        for _ in 0..<200 {
            version = try await ServeProcess.request(base.appendingPathComponent("predict"), body: #"{"text": "good"}"#).1["model_version"] as? String
            if version == "\(second.version)" { break }
            try await Task.sleep(for: .milliseconds(50))
        }
        #expect(version == "\(second.version)")
        #expect(server.process.isRunning, "SIGHUP does not stop the server")
        #expect(try await server.stop() == 0)
    }
}
