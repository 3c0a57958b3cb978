import Foundation
import Testing
import FlintModels
import HummingbirdTesting
@testable import FlintServe

/// `/v1/embeddings` in OpenAI's shape: floats and base64 both equal the embedding pipeline's vectors.
@Suite struct EmbeddingRoutesTests {
    @Test("float and base64 embeddings equal the pipeline's, with OpenAI's envelope and token usage")
    func embeddingsMatchPipeline() async throws {
        let directory = ServeFixtures.scratch("embed")
        defer { try? FileManager.default.removeItem(at: directory) }
        let folder = try ServeFixtures.encoder(in: directory)
        let pipeline = try SentenceEmbeddingPipeline(model: ModelFolder(url: folder))
        let texts = ["the product is good", "服务态度太差了"]
        let expected = try pipeline(texts)
        let tokens = texts.reduce(0) { $0 + pipeline.tokenizer.encode($1).ids.count }
        let server = try ServeFixtures.server(directory, models: [ModelSpecification(name: "embedder", source: folder.path)])
        try await withServer(server) { client in
            let response = try await client.post("/v1/embeddings", #"{"input": ["the product is good", "服务态度太差了"], "model": "embedder"}"#)
            #expect(response.status == .ok)
            let body = response.json
            #expect(body["object"] as? String == "list")
            #expect(body["model"] as? String == "embedder")
            let usage = try #require(body["usage"] as? [String: Int])
            #expect(usage["prompt_tokens"] == tokens && usage["total_tokens"] == tokens)
            let data = try #require(body["data"] as? [[String: Any]])
            #expect(data.count == 2)
            for (index, item) in data.enumerated() {
                #expect(item["object"] as? String == "embedding")
                #expect(item["index"] as? Int == index)
                let vector = try #require(item["embedding"] as? [Double])
                #expect(vector.count == 16)
                #expect(zip(vector, expected[index]).allSatisfy { abs($0 - Double($1)) < 1e-6 })
            }

            let single = try await client.post("/v1/embeddings", #"{"input": "the product is good", "encoding_format": "base64"}"#)
            #expect(single.status == .ok)
            let item = try #require((single.json["data"] as? [[String: Any]])?.first)
            let encoded = try #require(item["embedding"] as? String)
            let bytes = try #require(Data(base64Encoded: encoded))
            #expect(bytes.count == 16 * 4)
            let decoded = bytes.withUnsafeBytes { raw in
                (0..<16).map { Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: $0 * 4, as: UInt32.self))) }
            }
            #expect(decoded == expected[0])
        }
    }

    @Test("bad embedding requests are 4xx: token arrays, unknown encoding, wrong dimensions, classifier model, missing input")
    func badEmbeddingRequests() async throws {
        let directory = ServeFixtures.scratch("embed-bad")
        defer { try? FileManager.default.removeItem(at: directory) }
        let server = try ServeFixtures.server(directory)
        try await withServer(server) { client in
            let cases: [(String, Int, String)] = [
                (#"{"input": [1, 2, 3]}"#, 422, "unsupported_input"),
                (#"{"input": "x", "encoding_format": "int8"}"#, 422, "invalid_value"),
                (#"{"input": "good", "dimensions": 8}"#, 422, "invalid_value"),
                (#"{"input": "good", "dimensions": "8"}"#, 422, "invalid_type"),
                (#"{"input": "good", "model": "sentiment"}"#, 404, "wrong_model_task"),
                (#"{"model": "embedder"}"#, 422, "missing_field"),
                (#"{"input": []}"#, 422, "empty_input"),
                (#"{"input": {"text": "good"}}"#, 422, "invalid_type"),
            ]
            for (body, status, code) in cases {
                let response = try await client.post("/v1/embeddings", body)
                #expect(response.status.code == status, "\(body)")
                #expect(response.errorCode == code, "\(body): \(response.text)")
            }
        }
    }
}
