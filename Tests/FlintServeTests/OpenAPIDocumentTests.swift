import Foundation
import Testing
import Hummingbird
import HummingbirdTesting
import Yams
@testable import FlintServe

/// docs/openapi.yaml is the one source of the HTTP contract: the binary serves it as /openapi.json, it
/// lists exactly the server's routes, and every route it lists is one the server answers.
@Suite struct OpenAPIDocumentTests {
    static var specificationURL: URL { DeploymentManifestTests.root.appendingPathComponent("docs/openapi.yaml") }

    /// docs/openapi.yaml parsed by Yams' own loader (not the server's converter), as sorted-key JSON.
    static func documentJSON() throws -> Data {
        let text = try String(contentsOf: specificationURL, encoding: .utf8)
        let object = try #require(normalized(try Yams.load(yaml: text)) as? [String: Any])
        return try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
    }

    /// Yams' mappings (`[AnyHashable: Any]`) as `[String: Any]`, recursively.
    static func normalized(_ value: Any?) -> Any {
        switch value {
        case let mapping as [AnyHashable: Any]:
            return Dictionary(uniqueKeysWithValues: mapping.map { ("\($0.key.base)", normalized($0.value)) })
        case let sequence as [Any]:
            return sequence.map(normalized)
        case let value?:
            return value
        case nil:
            return NSNull()
        }
    }

    static func canonical(_ data: Data) throws -> Data {
        try JSONSerialization.data(withJSONObject: JSONSerialization.jsonObject(with: data), options: [.sortedKeys])
    }

    @Test("GET /openapi.json (public) equals docs/openapi.yaml; the built-in text is that file (rerun scripts/generate-openapi.sh)")
    func servedDocumentIsTheYAML() async throws {
        let text = try String(contentsOf: Self.specificationURL, encoding: .utf8)
        #expect(OpenAPIDocument.yaml + "\n" == text || OpenAPIDocument.yaml == text,
                "Sources/FlintServe/OpenAPI/OpenAPISpecificationText.swift is stale: run scripts/generate-openapi.sh")
        let expected = try Self.documentJSON()
        let directory = ServeFixtures.scratch("openapi")
        defer { try? FileManager.default.removeItem(at: directory) }
        let server = try ServeFixtures.server(directory, configure: { $0.auth.apiKeysEnv = "K" }, environment: ["K": "k"])
        try await withServer(server) { client in
            let response = try await client.get("/openapi.json")
            #expect(response.status == .ok)
            #expect(response.headers[.contentType] == "application/json")
            #expect(try Self.canonical(Data(response.body.readableBytesView)) == expected)
        }
    }

    @Test("the document's operations are exactly ServeRoutes.all; public routes are the default public set")
    func documentListsEveryRoute() throws {
        let document = try #require(try JSONSerialization.jsonObject(with: Self.documentJSON()) as? [String: Any])
        #expect(document["openapi"] as? String == "3.1.0")
        let paths = try #require(document["paths"] as? [String: [String: Any]])
        var operations = Set<String>()
        var open = Set<String>()
        for (path, item) in paths {
            for (method, operation) in item {
                operations.insert("\(method.uppercased()) \(path)")
                if let security = (operation as? [String: Any])?["security"] as? [Any], security.isEmpty { open.insert(path) }
            }
        }
        #expect(operations == Set(ServeRoutes.all.map { "\($0.method.rawValue) \($0.path)" }))
        #expect(open == Set(ServeConfiguration.Authentication.defaultPublicRoutes))
        #expect(open.isDisjoint(with: ServeRoutes.sensitive))
    }

    @Test("every route of ServeRoutes is served: no route_not_found, no 405; other methods answer 405 with Allow")
    func everyRouteIsServed() async throws {
        let directory = ServeFixtures.scratch("routes")
        defer { try? FileManager.default.removeItem(at: directory) }
        let server = try ServeFixtures.server(directory)
        try await withServer(server) { client in
            for route in ServeRoutes.all {
                let path = route.path.replacingOccurrences(of: "{name}", with: "sentiment")
                    .replacingOccurrences(of: "{version}", with: "nope")
                let response = try await client.execute(uri: path, method: route.method, headers: [.contentType: "application/json"],
                                                        body: ByteBuffer(string: "{}"))
                #expect(response.status != .methodNotAllowed && response.errorCode != "route_not_found",
                        "\(route.method) \(route.path) → \(response.status)")
            }
            let getPredict = try await client.get("/predict")
            #expect(getPredict.status == .methodNotAllowed)
            #expect(getPredict.headers[.allow] == "POST")
            #expect(getPredict.errorCode == "method_not_allowed")
            let deleteHealth = try await client.execute(uri: "/health", method: .delete)
            #expect(deleteHealth.status == .methodNotAllowed && deleteHealth.headers[.allow] == "GET, HEAD")
            let putModel = try await client.execute(uri: "/v1/models/sentiment", method: .put)
            #expect(putModel.status == .methodNotAllowed && putModel.headers[.allow] == "GET, HEAD")
            #expect(try await client.execute(uri: "/health", method: .head).status == .ok)
            #expect(try await client.get("/nowhere").errorCode == "route_not_found")
        }
    }
}
