import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Testing
@testable import FlintServe

/// The start-up refusals and the route protection of the real `flint serve` binary: each refusal is an
/// exit with status 1 (not a signal) and a message on stderr that names what to fix.
@Suite struct ServeSecurityProcessTests {
    /// Runs `flint serve ARGUMENTS` that must refuse to start: returns its exit status and output.
    static func refusal(_ arguments: [String], environment: [String: String] = [:], in directory: URL) async throws -> (Int32?, String) {
        let server = try ServeProcess(arguments, environment: environment, in: directory)
        let status = try await server.waitForExit()
        if status == nil { _ = try await server.stop() }
        #expect(server.process.terminationReason == .exit, "exited, not killed by a signal")
        return (status, server.output)
    }

    @Test("--api-keys-env naming an unset variable: exit 1 naming the variable (flag and serve.yaml)")
    func unsetKeyVariableRefuses() async throws {
        let directory = ServeFixtures.scratch("unset-env")
        defer { try? FileManager.default.removeItem(at: directory) }
        let variable = "FLINT_TEST_UNSET_\(UUID().uuidString.prefix(8))"
        #expect(ProcessInfo.processInfo.environment[variable] == nil)
        let (status, output) = try await Self.refusal(["--model", "m=/nonexistent/model", "--port", "0", "--api-keys-env", variable],
                                                      in: directory)
        #expect(status == 1)
        #expect(output.contains(variable) && output.contains("not set"), "\(output)")

        let config = directory.appendingPathComponent("serve.yaml")
        try "auth: { api_keys_env: \(variable) }\nmodels: [ { name: m, source: /nonexistent/model } ]\n"
            .write(to: config, atomically: true, encoding: .utf8)
        let (yamlStatus, yamlOutput) = try await Self.refusal(["--config", config.path, "--port", "0"], in: directory)
        #expect(yamlStatus == 1)
        #expect(yamlOutput.contains(variable) && yamlOutput.contains("not set"), "\(yamlOutput)")
    }

    @Test("a non-loopback host without keys: exit 1 naming --allow-unauthenticated; with it, the server starts and logs it as critical")
    func nonLoopbackNeedsKeysOrOptIn() async throws {
        let directory = ServeFixtures.scratch("open-host")
        defer { try? FileManager.default.removeItem(at: directory) }
        // A real model, so that only the refusal (not a failed load) can end the process.
        let folder = try ServeFixtures.classifier(in: directory)
        let (status, output) = try await Self.refusal(["--model", "m=\(folder.path)", "--host", "0.0.0.0", "--port", "0"],
                                                      in: directory)
        #expect(status == 1)
        #expect(output.contains("refusing to serve 0.0.0.0") && output.contains("--allow-unauthenticated"), "\(output)")

        let config = directory.appendingPathComponent("serve.yaml")
        try "server: { host: 0.0.0.0 }\nmodels: [ { name: m, source: \(folder.path) } ]\n"
            .write(to: config, atomically: true, encoding: .utf8)
        let (yamlStatus, yamlOutput) = try await Self.refusal(["--config", config.path, "--port", "0"], in: directory)
        #expect(yamlStatus == 1 && yamlOutput.contains("refusing to serve 0.0.0.0"), "\(yamlOutput)")

        // Opting in (flag, or allow_unauthenticated: true in serve.yaml) starts an open server, said loudly.
        try "server: { host: 0.0.0.0 }\nauth: { allow_unauthenticated: true }\n"
            .write(to: config, atomically: true, encoding: .utf8)
        for arguments in [["--host", "0.0.0.0", "--allow-unauthenticated"], ["--config", config.path]] {
            let server = try ServeProcess(arguments + ["--model", "m=\(folder.path)", "--port", "0", "--log-format", "json"],
                                          in: directory)
            let base = try await server.ready()
            #expect(base != nil, "\(server.output)")
            #expect(server.records.contains { $0["level"] == "critical" && $0["message"]?.hasPrefix("UNAUTHENTICATED") == true },
                    "\(server.output)")
            if let base {
                #expect(try await ServeProcess.request(base.appendingPathComponent("predict"), body: #"{"text": "good"}"#).0 == 200)
            }
            #expect(try await server.stop() == 0)
        }
    }

    @Test("/admin/reload and /feedback need a key under the default public routes, however the path is spelled; listing them is a warning")
    func sensitiveRoutesStayProtected() async throws {
        let directory = ServeFixtures.scratch("sensitive")
        defer { try? FileManager.default.removeItem(at: directory) }
        let folder = try ServeFixtures.classifier(in: directory)
        let keys = ["FLINT_TEST_KEYS": "k-1"]
        let server = try ServeProcess(["--model", "m=\(folder.path)", "--port", "0", "--api-keys-env", "FLINT_TEST_KEYS",
                                       "--log-format", "json"], environment: keys, in: directory)
        let ready = try await server.ready()
        #expect(ready != nil, "\(server.output)")
        if let base = ready {
            for path in ["/admin/reload", "/admin/reload/", "//admin/reload", "/feedback", "/feedback/", "/admin//reload"] {
                let url = URL(string: base.absoluteString + path)!
                let (status, body) = try await ServeProcess.request(url, body: #"{"request_id": "x", "label": "y"}"#)
                #expect(status == 401, "\(path) → \(status)")
                #expect((body["error"] as? [String: Any])?["code"] as? String != nil, "\(path): JSON error")
            }
            let (authorized, _) = try await ServeProcess.request(base.appendingPathComponent("admin/reload"), body: "{}",
                                                                 headers: ["Authorization": "Bearer k-1"])
            #expect(authorized == 200)
            for path in ["health", "ready", "metrics", "openapi.json"] {
                #expect(try await ServeProcess.request(base.appendingPathComponent(path)).0 == 200, "\(path) is public")
            }
        }
        #expect(!server.records.contains { $0["level"] == "warning" && $0["message"]?.contains("public_routes") == true })
        #expect(try await server.stop() == 0)

        // Listed explicitly: public, with a warning at start naming the route.
        let config = directory.appendingPathComponent("serve.yaml")
        try "auth: { api_keys_env: FLINT_TEST_KEYS, public_routes: [/health, /ready, /admin/reload] }\n"
            .write(to: config, atomically: true, encoding: .utf8)
        let listed = try ServeProcess(["--config", config.path, "--model", "m=\(folder.path)", "--port", "0", "--log-format", "json"],
                                      environment: keys, in: directory)
        let listedBase = try await listed.ready()
        #expect(listedBase != nil, "\(listed.output)")
        #expect(listed.records.contains { $0["level"] == "warning" && $0["message"]?.contains("public_routes lists /admin/reload") == true },
                "\(listed.output)")
        if let base = listedBase {
            #expect(try await ServeProcess.request(base.appendingPathComponent("admin/reload"), body: "{}").0 == 200)
            #expect(try await ServeProcess.request(base.appendingPathComponent("feedback"), body: #"{"request_id": "x", "label": "y"}"#).0 == 401)
        }
        #expect(try await listed.stop() == 0)

        // A public_routes entry that is not a route (a prefix, a trailing slash) is a configuration error.
        try "auth: { api_keys_env: FLINT_TEST_KEYS, public_routes: [/health, /admin/reload/] }\n"
            .write(to: config, atomically: true, encoding: .utf8)
        let (status, output) = try await Self.refusal(["--config", config.path, "--model", "m=/nonexistent/model", "--port", "0"],
                                                      environment: keys, in: directory)
        #expect(status == 1 && output.contains("auth.public_routes[1]"), "\(output)")
    }

    @Test("out-of-range numbers in serve.yaml and flags: exit 1 naming the field or flag")
    func numbersAreBounded() async throws {
        let directory = ServeFixtures.scratch("bounds")
        defer { try? FileManager.default.removeItem(at: directory) }
        let config = directory.appendingPathComponent("serve.yaml")
        for (yaml, field) in [("server: { shutdown_grace_seconds: .nan }", "server.shutdown_grace_seconds"),
                              ("server: { shutdown_grace_seconds: 1e30 }", "server.shutdown_grace_seconds"),
                              ("batching: { max_queue_delay_us: -1 }", "batching.max_queue_delay_us")] {
            try (yaml + "\nmodels: [ { name: m, source: /nonexistent/model } ]\n").write(to: config, atomically: true, encoding: .utf8)
            let (status, output) = try await Self.refusal(["--config", config.path], in: directory)
            #expect(status == 1 && output.contains(field), "\(yaml) → \(output)")
        }
        for (flags, flag) in [(["--port", "70000"], "--port"), (["--port=-1"], "--port"),
                              (["--max-batch-size", "0"], "--max-batch-size"),
                              (["--max-queue-delay-us", "100000000000"], "--max-queue-delay-us")] {
            let (status, output) = try await Self.refusal(["--model", "m=/nonexistent/model"] + flags, in: directory)
            #expect(status == 1 && output.contains(flag), "\(flags) → \(output)")
        }
    }
}
