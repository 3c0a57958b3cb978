import Foundation
import Synchronization
import Testing
import HummingbirdTesting
@testable import FlintServe

/// A registry stand-in: references resolve through a table the test can change.
final class ReloadAliasTable: Sendable {
    let table: Mutex<[String: ResolvedSource]>
    let gate = DispatchSemaphore(value: 0)
    let blocksFirstResolve: Mutex<Bool>

    init(_ table: [String: ResolvedSource], blocksFirstResolve: Bool = false) {
        self.table = Mutex(table)
        self.blocksFirstResolve = Mutex(blocksFirstResolve)
    }

    var resolver: ModelSourceResolver {
        ModelSourceResolver { reference in
            if self.blocksFirstResolve.withLock({ blocks in defer { blocks = false }; return blocks }) {
                _ = self.gate.wait(timeout: .now() + 120)   // a bound only: the test signals it (a loaded test run can take >10 s to get there)
            }
            guard let resolved = self.table.withLock({ $0[reference] }) else {
                throw ServeConfigurationError(path: reference, message: "unknown reference")
            }
            return resolved
        }
    }
}

/// A stop flag shared with worker tasks.
final class StopFlag: Sendable {
    private let flag = Mutex(false)
    var isSet: Bool { flag.withLock { $0 } }
    func set() { flag.withLock { $0 = true } }
}

/// Readiness while loading, and hot reload: a moved alias swaps the model without a failed request.
@Suite struct ReloadTests {
    @Test("/ready is 503 until the models are loaded and warmed, /health is 200 throughout")
    func readinessWaitsForModels() async throws {
        let directory = ServeFixtures.scratch("ready")
        defer { try? FileManager.default.removeItem(at: directory) }
        let folder = try ServeFixtures.classifier(in: directory)
        let aliases = ReloadAliasTable(["sentiment@production": .init(folder: folder, version: "1", source: "sentiment@production")],
                                 blocksFirstResolve: true)
        let server = try ServeFixtures.server(directory, models: [ModelSpecification(name: "sentiment", source: "sentiment@production")],
                                              resolver: aliases.resolver)
        try await server.makeApplication().test(.router) { client in
            let loading = try await client.get("/ready")
            #expect(loading.status == .serviceUnavailable)
            #expect(loading.json["status"] as? String == "loading")
            #expect(try await client.get("/health").status == .ok)
            let early = try await client.post("/predict", #"{"text": "good"}"#)
            #expect(early.status == .serviceUnavailable, "not a 404 for a model that is still loading")
            #expect(early.errorCode == "not_ready" && early.headers[.retryAfter] == "1")
            aliases.gate.signal()
            try await client.waitUntilReady()
            #expect(try await client.post("/predict", #"{"text": "good"}"#).status == .ok)
        }
    }

    @Test("an optional model not in the registry yet: the server starts without it; a reload after its push serves it")
    func optionalModelJoinsOnReload() async throws {
        let directory = ServeFixtures.scratch("optional")
        defer { try? FileManager.default.removeItem(at: directory) }
        let classifier = try ServeFixtures.classifier(in: directory)
        let encoder = try ServeFixtures.encoder(in: directory)
        final class Registry: Sendable { let table = Mutex<[String: ResolvedSource]>([:]) }
        let registry = Registry()
        let resolver = ModelSourceResolver { reference in
            guard let resolved = registry.table.withLock({ $0[reference] }) else {
                throw RegistryError.unknownModel(name: "sentiment-zh", root: "/registry")
            }
            return resolved
        }
        var sentiment = ModelSpecification(name: "sentiment", task: .textClassification, source: "sentiment-zh@production")
        sentiment.optional = true
        let server = try ServeFixtures.server(directory, models: [sentiment, ModelSpecification(name: "embedder", source: encoder.path)],
                                              resolver: resolver)
        try await withServer(server) { client in
            let ready = try await client.get("/ready")
            #expect(ready.status == .ok)
            #expect((ready.json["models"] as? [[String: Any]])?.compactMap { $0["name"] as? String } == ["embedder"])
            #expect(try await client.post("/predict", #"{"text": "good"}"#).status == .notFound)
            registry.table.withLock { $0["sentiment-zh@production"] = .init(folder: classifier, version: "1", source: "sentiment-zh@production") }
            let reload = try await client.post("/admin/reload", "")
            #expect(reload.status == .ok)
            #expect(reload.json["loaded"] as? [String] == ["sentiment@1"])
            let answer = try await client.post("/predict", #"{"text": "good"}"#)
            #expect(answer.status == .ok && answer.json["model"] as? String == "sentiment")
        }
        // Not optional: the same missing reference stops the start.
        let strict = try ServeFixtures.server(directory, models: [ModelSpecification(name: "sentiment", source: "sentiment-zh@production")],
                                              resolver: ModelSourceResolver { _ in throw RegistryError.unknownModel(name: "sentiment-zh", root: "/registry") })
        await #expect(throws: RegistryError.self) { _ = try await strict.host.reload() }
    }

    @Test("POST /admin/reload after an alias moves: the new version answers, no request fails during the swap")
    func hotReloadDropsNothing() async throws {
        let directory = ServeFixtures.scratch("reload")
        defer { try? FileManager.default.removeItem(at: directory) }
        let one = try ServeFixtures.classifier(in: directory, name: "one", seed: 1)
        let two = try ServeFixtures.classifier(in: directory, name: "two", seed: 2)
        let aliases = ReloadAliasTable(["sentiment@production": .init(folder: one, version: "1", source: "sentiment@production")])
        let server = try ServeFixtures.server(directory, models: [ModelSpecification(name: "sentiment", source: "sentiment@production")],
                                              resolver: aliases.resolver)
        try await withServer(server) { client in
            let unchanged = try await client.post("/admin/reload", "")
            #expect(unchanged.status == .ok)
            #expect((unchanged.json["loaded"] as? [String])?.isEmpty == true, "nothing changed, nothing reloaded")

            let stop = StopFlag()
            let results = try await withThrowingTaskGroup(of: [String: Int].self) { group in
                for worker in 0..<4 {
                    group.addTask {
                        var seen: [String: Int] = [:]
                        var count = 0
                        while !stop.isSet || count < 20 {
                            let response = try await client.post("/predict", #"{"text": "good \#(worker)"}"#)
                            let key = response.status == .ok ? (response.json["model_version"] as? String ?? "?") : "status \(response.status.code)"
                            seen[key, default: 0] += 1
                            count += 1
                        }
                        return seen
                    }
                }
                try await Task.sleep(for: .milliseconds(100))
                aliases.table.withLock { $0["sentiment@production"] = .init(folder: two, version: "2", source: "sentiment@production") }
                let reload = try await client.post("/admin/reload", "")
                #expect(reload.status == .ok)
                #expect(reload.json["loaded"] as? [String] == ["sentiment@2"])
                #expect(reload.json["unloaded"] as? [String] == ["sentiment@1"])
                try await Task.sleep(for: .milliseconds(100))
                stop.set()
                var total: [String: Int] = [:]
                for try await seen in group { total.merge(seen, uniquingKeysWith: +) }
                return total
            }
            #expect(Set(results.keys).isSubset(of: ["1", "2"]), "every request succeeded: \(results)")
            #expect((results["1"] ?? 0) > 0 && (results["2"] ?? 0) > 0, "\(results)")
            let after = try await client.post("/predict", #"{"text": "good"}"#)
            #expect(after.json["model_version"] as? String == "2")

            // A reload that cannot resolve keeps serving the current version.
            aliases.table.withLock { $0["sentiment@production"] = nil }
            let failed = try await client.post("/admin/reload", "")
            #expect(failed.status == .internalServerError)
            #expect(failed.errorCode == "reload_failed")
            #expect(try await client.post("/predict", #"{"text": "good"}"#).json["model_version"] as? String == "2")
        }
    }
}
