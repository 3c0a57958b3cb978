import Foundation
import Testing
import HummingbirdTesting
@testable import FlintServe

/// API keys: `Authorization: Bearer <key>` on every non-public route; keys from a file and an
/// environment variable; constant-time comparison.
@Suite struct AuthenticationTests {
    @Test("with keys configured, protected routes answer 401 without or with a wrong key and 200 with either key; public routes stay open")
    func keysProtectRoutes() async throws {
        let directory = ServeFixtures.scratch("auth")
        defer { try? FileManager.default.removeItem(at: directory) }
        let keyFile = directory.appendingPathComponent("keys")
        try "# team keys\nfile-key-1\n\n".write(to: keyFile, atomically: true, encoding: .utf8)
        let server = try ServeFixtures.server(directory, configure: { configuration in
            configuration.auth.apiKeysFile = keyFile.path
            configuration.auth.apiKeysEnv = "TEST_FLINT_KEYS"
        }, environment: ["TEST_FLINT_KEYS": "env-key-2, env-key-3"])
        #expect(server.requiresAPIKeys)
        try await withServer(server) { client in
            for route in ["/health", "/ready", "/metrics"] {
                #expect(try await client.get(route).status == .ok, "\(route)")
            }
            let body = #"{"text": "good"}"#
            let missing = try await client.post("/predict", body)
            #expect(missing.status == .unauthorized)
            #expect(missing.errorCode == "invalid_api_key")
            for wrong in ["Bearer nope", "Bearer file-key-", "Bearer file-key-12", "Basic file-key-1", "file-key-1"] {
                #expect(try await client.post("/predict", body, headers: [.authorization: wrong]).status == .unauthorized, "\(wrong)")
            }
            for key in ["file-key-1", "env-key-2", "env-key-3"] {
                #expect(try await client.post("/predict", body, headers: [.authorization: "Bearer \(key)"]).status == .ok, "\(key)")
            }
            #expect(try await client.get("/v1/models").status == .unauthorized)
            #expect(try await client.post("/admin/reload", "{}").status == .unauthorized)
        }
    }

    @Test("constant-time matching: equal keys match, any difference in bytes or length does not")
    func matching() {
        let keys = [Array("secret-one".utf8), Array("two".utf8)]
        #expect(APIKeyMiddleware.matches(Array("secret-one".utf8), keys))
        #expect(APIKeyMiddleware.matches(Array("two".utf8), keys))
        for candidate in ["secret-on", "secret-onee", "Secret-one", "", "tw", "two ", "twO"] {
            #expect(!APIKeyMiddleware.matches(Array(candidate.utf8), keys), "\(candidate)")
        }
        #expect(!APIKeyMiddleware.matches(Array("anything".utf8), []))
    }

    @Test("a key file without keys is a configuration error, not an open server")
    func emptyKeyFileFails() throws {
        let directory = ServeFixtures.scratch("auth-empty")
        defer { try? FileManager.default.removeItem(at: directory) }
        let keyFile = directory.appendingPathComponent("keys")
        try "# none yet\n".write(to: keyFile, atomically: true, encoding: .utf8)
        #expect(throws: ServeConfigurationError.self) {
            _ = try ServeFixtures.server(directory, models: [ModelSpecification(name: "m", source: "/nonexistent/m")]) {
                $0.auth.apiKeysFile = keyFile.path
            }
        }
    }

    @Test("api_keys_env naming an unset variable refuses to start, naming it; a set but empty one too")
    func unsetVariableRefuses() throws {
        let models = [ModelSpecification(name: "m", source: "/nonexistent/m")]
        do {
            _ = try ServeFixtures.server(ServeFixtures.scratch("auth-unset"), models: models, configure: { $0.auth.apiKeysEnv = "FLINT_KEYS_X" },
                                         environment: [:])
            Issue.record("started without the keys FLINT_KEYS_X names")
        } catch let error as ServeConfigurationError {
            #expect(error.description.contains("FLINT_KEYS_X") && error.description.contains("not set"), "\(error)")
        }
        do {
            _ = try ServeFixtures.server(ServeFixtures.scratch("auth-empty-env"), models: models, configure: { $0.auth.apiKeysEnv = "FLINT_KEYS_X" },
                                         environment: ["FLINT_KEYS_X": " , "])
            Issue.record("started with an empty FLINT_KEYS_X")
        } catch let error as ServeConfigurationError {
            #expect(error.description.contains("FLINT_KEYS_X holds no API key"), "\(error)")
        }
    }

    @Test("a non-loopback host without keys refuses unless allow_unauthenticated, which is then a critical warning")
    func openHostNeedsOptIn() throws {
        let models = [ModelSpecification(name: "m", source: "/nonexistent/m")]
        for host in ["0.0.0.0", "::", "10.1.2.3", "example.com"] {
            #expect(throws: ServeConfigurationError.self, "\(host)") {
                _ = try ServeFixtures.server(ServeFixtures.scratch("auth-open"), models: models, configure: { $0.server.host = host })
            }
        }
        let open = try ServeFixtures.server(ServeFixtures.scratch("auth-open"), models: models, configure: {
            $0.server.host = "0.0.0.0"
            $0.auth.allowUnauthenticated = true
        })
        #expect(!open.requiresAPIKeys)
        #expect(open.securityWarnings.map(\.level) == [.critical])
        let keyed = try ServeFixtures.server(ServeFixtures.scratch("auth-keyed"), models: models, configure: {
            $0.server.host = "0.0.0.0"
            $0.auth.apiKeysEnv = "K"
        }, environment: ["K": "k"])
        #expect(keyed.requiresAPIKeys && keyed.securityWarnings.isEmpty)
        let loopback = try ServeFixtures.server(ServeFixtures.scratch("auth-loop"), models: models)
        #expect(!loopback.requiresAPIKeys && loopback.securityWarnings.isEmpty)
    }

    @Test("/admin/reload and /feedback need a key by default, however the path is spelled; listed explicitly they are public with a warning")
    func sensitiveRoutes() async throws {
        let directory = ServeFixtures.scratch("auth-sensitive")
        defer { try? FileManager.default.removeItem(at: directory) }
        let server = try ServeFixtures.server(directory, configure: {
            $0.auth.apiKeysEnv = "K"
            $0.auth.publicRoutes = ServeConfiguration.Authentication.defaultPublicRoutes + ["/v1/models/{name}"]
        }, environment: ["K": "k"])
        #expect(server.securityWarnings.isEmpty)
        try await withServer(server) { client in
            for path in ["/admin/reload", "/admin/reload/", "//admin/reload", "/feedback", "/feedback/", "/admin//reload"] {
                let response = try await client.post(path, #"{"request_id": "x", "label": "y"}"#)
                #expect(response.status == .unauthorized, "\(path)")
            }
            // A public pattern covers every path it matches; an unknown path needs a key before it is a 404.
            #expect(try await client.get("/v1/models/sentiment").status == .ok)
            #expect(try await client.get("/v1/models").status == .unauthorized)
            #expect(try await client.get("/nowhere").status == .unauthorized)
            #expect(try await client.get("/nowhere", headers: [.authorization: "Bearer k"]).status == .notFound)
        }
        let listed = try ServeFixtures.server(directory, configure: {
            $0.auth.apiKeysEnv = "K"
            $0.auth.publicRoutes = ["/health", "/ready", "/admin/reload", "/feedback"]
        }, environment: ["K": "k"])
        #expect(listed.securityWarnings.map(\.level) == [.warning, .warning])
        #expect(listed.securityWarnings.map(\.message).joined().contains("/admin/reload"))
        try await withServer(listed) { client in
            let reload = try await client.post("/admin/reload", "")
            #expect(reload.status == .ok)
            #expect(try await client.post("/feedback", #"{"request_id": "x", "label": "y"}"#).status == .notFound)
            #expect(try await client.post("/predict", #"{"text": "good"}"#).status == .unauthorized)
        }
    }
}
