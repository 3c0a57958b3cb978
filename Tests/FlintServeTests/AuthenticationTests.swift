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
}
