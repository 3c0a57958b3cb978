import Foundation
import Testing
import FlintModels
import Hummingbird
import HummingbirdTesting
@testable import FlintServe

/// `/predict` and `/batch_predict`: answers equal the text-classification pipeline's on the same folder,
/// in input order, and every kind of bad input gets its 4xx JSON error.
@Suite struct PredictionRoutesTests {
    @Test("/predict answers with the pipeline's label and probabilities, the model and version, and a request id")
    func predictMatchesPipeline() async throws {
        let directory = ServeFixtures.scratch("predict")
        defer { try? FileManager.default.removeItem(at: directory) }
        let folder = try ServeFixtures.classifier(in: directory)
        let pipeline = try TextClassificationPipeline(model: ModelFolder(url: folder))
        let expected = try pipeline("the product is good")
        let server = try ServeFixtures.server(directory, models: [ModelSpecification(name: "sentiment", source: folder.path)])
        try await withServer(server) { client in
            let response = try await client.post("/predict", #"{"text": "the product is good"}"#,
                                                 headers: [.init("X-Request-Id")!: "abc-123"])
            #expect(response.status == .ok)
            let body = response.json
            #expect(body["label"] as? String == expected.label)
            #expect(body["prediction"] as? Int == pipeline.labels.firstIndex(of: expected.label))
            let confidence = try #require(body["confidence"] as? Double)
            #expect(abs(confidence - Double(expected.score)) < 1e-6)
            let probabilities = try #require(body["probabilities"] as? [String: Double])
            for entry in expected.probabilities {
                #expect(abs(probabilities[entry.label]! - Double(entry.score)) < 1e-6)
            }
            #expect(abs(probabilities.values.reduce(0, +) - 1) < 1e-5)
            #expect(body["model"] as? String == "sentiment")
            #expect(body["model_version"] as? String == "classifier")
            #expect(body["request_id"] as? String == "abc-123")
            #expect(response.headers[.init("X-Request-Id")!] == "abc-123")
        }
    }

    @Test("/batch_predict keeps input order and gives each text the pipeline's answer")
    func batchKeepsOrder() async throws {
        let directory = ServeFixtures.scratch("batch")
        defer { try? FileManager.default.removeItem(at: directory) }
        let folder = try ServeFixtures.classifier(in: directory, labels: ["a", "b", "c"])
        let pipeline = try TextClassificationPipeline(model: ModelFolder(url: folder))
        let texts = ["the product is good", "terrible service", "这个产品质量很好", "i hate it and the delivery was slow", "fast"]
        let expected = try pipeline(texts)
        let server = try ServeFixtures.server(directory, models: [ModelSpecification(name: "topics", source: folder.path)])
        try await withServer(server) { client in
            let json = String(data: try JSONSerialization.data(withJSONObject: ["texts": texts]), encoding: .utf8)!
            let response = try await client.post("/batch_predict", json)
            #expect(response.status == .ok)
            let results = try #require(response.json["results"] as? [[String: Any]])
            #expect(results.count == texts.count)
            for (result, want) in zip(results, expected) {
                #expect(result["label"] as? String == want.label)
                #expect(abs((result["confidence"] as? Double ?? -1) - Double(want.score)) < 1e-6)
            }
            let ids = results.compactMap { $0["request_id"] as? String }
            #expect(Set(ids).count == texts.count)
        }
    }

    @Test("bad input: 400 for broken JSON or UTF-8, 413 for a big body, 422 for rule breaks, 404 for unknown models and routes")
    func badInput() async throws {
        let directory = ServeFixtures.scratch("bad")
        defer { try? FileManager.default.removeItem(at: directory) }
        let server = try ServeFixtures.server(directory) { configuration in
            configuration.limits.maxTexts = 3
            configuration.limits.maxTextBytes = 40
            configuration.server.maxBodyBytes = 300
        }
        try await withServer(server) { client in
            let cases: [(String, String, HTTPResponse.Status, String)] = [
                ("/predict", #"{"text": "#, .badRequest, "invalid_json"),
                ("/predict", #"["good"]"#, .badRequest, "invalid_json"),
                ("/predict", "", .badRequest, "invalid_json"),
                ("/predict", #"{}"#, .unprocessableContent, "missing_field"),
                ("/predict", #"{"text": null}"#, .unprocessableContent, "missing_field"),
                ("/predict", #"{"text": 5}"#, .unprocessableContent, "invalid_type"),
                ("/predict", #"{"text": ["good"]}"#, .unprocessableContent, "invalid_type"),
                ("/predict", #"{"text": "   "}"#, .unprocessableContent, "empty_text"),
                ("/predict", #"{"text": "\#(String(repeating: "good ", count: 9))"}"#, .unprocessableContent, "text_too_long"),
                ("/predict", #"{"text": "good", "model": 3}"#, .unprocessableContent, "invalid_type"),
                ("/predict", #"{"text": "good", "model": "nope"}"#, .notFound, "model_not_found"),
                ("/predict", #"{"text": "good", "model": "embedder"}"#, .notFound, "wrong_model_task"),
                ("/batch_predict", #"{"texts": "good"}"#, .unprocessableContent, "invalid_type"),
                ("/batch_predict", #"{"texts": []}"#, .unprocessableContent, "empty_input"),
                ("/batch_predict", #"{"texts": ["a", "b", "c", "d"]}"#, .unprocessableContent, "too_many_texts"),
                ("/batch_predict", #"{"texts": ["good", 1]}"#, .unprocessableContent, "invalid_type"),
                ("/batch_predict", #"{"texts": ["good", ""]}"#, .unprocessableContent, "empty_text"),
                ("/predict", #"{"text": "\#(String(repeating: "x", count: 400))"}"#, .contentTooLarge, "body_too_large"),
                ("/no/such/route", #"{}"#, .notFound, "route_not_found"),
            ]
            for (route, body, status, code) in cases {
                let response = try await client.post(route, body)
                #expect(response.status == status, "\(route) \(body.prefix(60))")
                #expect(response.errorCode == code, "\(route) \(body.prefix(60)): \(response.text)")
                let error = response.json["error"] as? [String: Any]
                #expect((error?["message"] as? String)?.isEmpty == false)
                #expect(error?["request_id"] as? String == response.headers[.init("X-Request-Id")!])
            }
            // Bytes that are not UTF-8 inside a JSON string.
            let invalid = Array(#"{"text": ""#.utf8) + [0xC3, 0x28] + Array(#""}"#.utf8)
            let response = try await client.post("/predict", bytes: invalid)
            #expect(response.status == .badRequest)
            #expect(response.errorCode == "invalid_utf8")
            // A wrong method is not a 500 either.
            let get = try await client.get("/predict")
            #expect(get.status.code >= 400 && get.status.code < 500)
        }
    }
}
