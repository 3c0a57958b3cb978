import Foundation
import Testing
import FlintModels
import HummingbirdTesting
@testable import FlintServe

/// `GET /v1/models`, `GET /v1/models/{name}` and the KServe-v1 `:predict` paths.
@Suite struct ModelRoutesTests {
    @Test("/v1/models lists every served name with its task and versions; /v1/models/{name} shows one, 404 otherwise")
    func listsModels() async throws {
        let directory = ServeFixtures.scratch("models")
        defer { try? FileManager.default.removeItem(at: directory) }
        let server = try ServeFixtures.server(directory)
        try await withServer(server) { client in
            let list = try await client.get("/v1/models")
            #expect(list.status == .ok)
            #expect(list.json["object"] as? String == "list")
            let data = try #require(list.json["data"] as? [[String: Any]])
            #expect(data.compactMap { $0["id"] as? String } == ["sentiment", "embedder"])
            #expect(data.compactMap { $0["task"] as? String } == ["text-classification", "sentence-embedding"])
            let one = try await client.get("/v1/models/sentiment")
            #expect(one.status == .ok)
            let versions = try #require(one.json["versions"] as? [[String: Any]])
            #expect(versions.first?["version"] as? String == "classifier")
            #expect(versions.first?["labels"] as? [String] == ["negative", "positive"])
            #expect(try await client.get("/v1/models/missing").errorCode == "model_not_found")
        }
    }

    @Test("KServe :predict takes strings or {text} instances, for classifiers and encoders, with or without a version")
    func kservePredict() async throws {
        let directory = ServeFixtures.scratch("kserve")
        defer { try? FileManager.default.removeItem(at: directory) }
        let classifierFolder = try ServeFixtures.classifier(in: directory)
        let encoderFolder = try ServeFixtures.encoder(in: directory)
        let classifier = try TextClassificationPipeline(model: ModelFolder(url: classifierFolder))
        let embedder = try SentenceEmbeddingPipeline(model: ModelFolder(url: encoderFolder))
        let server = try ServeFixtures.server(directory)
        try await withServer(server) { client in
            let response = try await client.post("/v1/models/sentiment:predict",
                                                 #"{"instances": ["the product is good", {"text": "i hate it"}]}"#)
            #expect(response.status == .ok)
            let predictions = try #require(response.json["predictions"] as? [[String: Any]])
            #expect(predictions.map { $0["label"] as? String } == (try classifier(["the product is good", "i hate it"])).map(\.label))
            #expect(response.json["model_version"] as? String == "classifier")

            let versioned = try await client.post("/v1/models/embedder/versions/encoder:predict", #"{"instances": ["good"]}"#)
            #expect(versioned.status == .ok)
            let vectors = try #require(versioned.json["predictions"] as? [[Double]])
            #expect(zip(vectors[0], try embedder("good")).allSatisfy { abs($0 - Double($1)) < 1e-6 })

            let cases: [(String, String, Int, String)] = [
                ("/v1/models/sentiment/versions/9:predict", #"{"instances": ["good"]}"#, 404, "model_not_found"),
                ("/v1/models/nothing:predict", #"{"instances": ["good"]}"#, 404, "model_not_found"),
                ("/v1/models/sentiment:predict", #"{"inputs": ["good"]}"#, 422, "missing_field"),
                ("/v1/models/sentiment:predict", #"{"instances": "good"}"#, 422, "invalid_type"),
                ("/v1/models/sentiment:predict", #"{"instances": [{"txt": "good"}]}"#, 422, "missing_field"),
                ("/v1/models/sentiment:predict", #"{"instances": [7]}"#, 422, "invalid_type"),
                ("/v1/models/sentiment:predict", #"{"instances": []}"#, 422, "empty_input"),
            ]
            for (route, body, status, code) in cases {
                let answer = try await client.post(route, body)
                #expect(answer.status.code == status, "\(route) \(body)")
                #expect(answer.errorCode == code, "\(route) \(body): \(answer.text)")
            }
        }
    }
}
