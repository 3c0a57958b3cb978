import Foundation
import Testing
@testable import FlintServe

/// The OpenAPI contract, checked from outside: schemathesis (pinned in scripts/setup-peers.sh) generates
/// requests from the real server's `GET /openapi.json` — valid and invalid bodies, path parameters, other
/// methods and content types, missing and wrong API keys — and runs every default check plus
/// `not_a_server_error`, `status_code_conformance` and `response_schema_conformance`. Zero failures.
@Suite struct SchemathesisTests {
    /// The peer environment's `st`: `$FLINT_PEERS_VENV/bin/st`, else `${FLINT_CACHE:-~/.cache/flint}/peers-venv/bin/st`.
    static var schemathesis: URL? {
        let environment = ProcessInfo.processInfo.environment
        let cache = environment["FLINT_CACHE"] ?? (NSHomeDirectory() + "/.cache/flint")
        let venv = environment["FLINT_PEERS_VENV"] ?? (cache + "/peers-venv")
        let st = URL(fileURLWithPath: venv).appendingPathComponent("bin/st")
        return FileManager.default.isExecutableFile(atPath: st.path) ? st : nil
    }

    /// Generated test cases per operation at most (keeps the whole run near a minute on 2 shared cores).
    static let examplesPerOperation = 40

    // Skipped, with this reason, where the peer environment (make peers) is missing.
    @Test("schemathesis against the real flint serve: every default check + not_a_server_error, status_code_conformance, response_schema_conformance; no failure",
          .enabled(if: schemathesis != nil, "schemathesis is not installed: run scripts/setup-peers.sh (make peers) to check the OpenAPI contract"),
          .timeLimit(.minutes(5)))
    func contract() async throws {
        let st = try #require(Self.schemathesis)
        let directory = ServeFixtures.scratch("schemathesis")
        defer { try? FileManager.default.removeItem(at: directory) }
        let classifier = try ServeFixtures.classifier(in: directory)
        let encoder = try ServeFixtures.encoder(in: directory)
        let server = try ServeProcess(["--model", "sentiment=\(classifier.path)", "--model", "embedder=\(encoder.path)",
                                       "--port", "0", "--api-keys-env", "FLINT_TEST_KEYS", "--log-format", "json",
                                       "--log-level", "info"],
                                      environment: ["FLINT_TEST_KEYS": "st-key-1"], in: directory)
        let ready = try await server.ready()
        #expect(ready != nil, "\(server.output)")
        guard let base = ready else { return }

        let run = Process()
        run.executableURL = st
        let seed = ProcessInfo.processInfo.environment["FLINT_SCHEMATHESIS_SEED"] ?? "20261207"
        run.arguments = ["run", base.appendingPathComponent("openapi.json").absoluteString,
                         // No --checks: 4.32.5's default is every check (not_a_server_error, status_code_conformance,
                         // response_schema_conformance, content_type_conformance, negative_data_rejection,
                         // positive_data_acceptance, ignored_auth, unsupported_method, …).
                         "--header", "Authorization: Bearer st-key-1",
                         "--max-examples", "\(Self.examplesPerOperation)", "--seed", seed, "--workers", "1",
                         "--request-timeout", "20"]
        run.currentDirectoryURL = directory
        // The two narrow exceptions, read from ./schemathesis.toml: a schema-valid body may get 422 where validity
        // depends on the served model, which a static schema cannot know — `dimensions` must equal the model's
        // dimension (/v1/embeddings), `label` must be one of the model's labels (/feedback).
        try """
            [[operations]]
            include-operation-id = "createEmbeddings"
            checks.positive_data_acceptance.expected-statuses = ["2xx", "401", "404", "422"]

            [[operations]]
            include-operation-id = "feedback"
            checks.positive_data_acceptance.expected-statuses = ["2xx", "401", "404", "409", "422"]
            """.write(to: directory.appendingPathComponent("schemathesis.toml"), atomically: true, encoding: .utf8)
        var environment = ProcessInfo.processInfo.environment
        environment["SCHEMATHESIS_HOOKS"] = nil
        environment["NO_COLOR"] = "1"
        run.environment = environment
        let log = directory.appendingPathComponent("schemathesis.log")
        _ = FileManager.default.createFile(atPath: log.path, contents: nil)
        let handle = try FileHandle(forWritingTo: log)
        run.standardOutput = handle
        run.standardError = handle
        try run.run()
        while run.isRunning { try await Task.sleep(for: .milliseconds(100)) }
        let output = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
        let generated = output.firstMatch(of: /(\d+) generated/).map { String($0.output.1) } ?? "?"
        print("schemathesis: \(generated) test cases generated (seed \(seed), \(Self.examplesPerOperation) per operation)")
        #expect(run.terminationStatus == 0, "schemathesis failed:\n\(output.suffix(12_000))")
        #expect(output.contains("No issues found") || !output.contains("FAILURES"), "\(output.suffix(4_000))")
        #expect(server.process.isRunning, "the server survived the run")
        #expect(!server.records.contains { $0["message"] == "internal error" }, "no 500: \(server.records.filter { $0["message"] == "internal error" }.prefix(5))")
        #expect(try await server.stop() == 0)
    }
}
