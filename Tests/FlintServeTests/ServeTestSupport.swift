import Foundation
import Testing
import Flint
import FlintNN
import FlintModels
import Hummingbird
import HummingbirdTesting
import Logging
@testable import FlintServe

/// Tiny real models for the server tests: a WordPiece vocabulary and BERT-shaped folders (hidden 16,
/// 2 layers) written with Flint's own `savePretrained`, so every request runs the real tokenizer,
/// encoder and head — only small.
enum ServeFixtures {
    static let words = ["the", "product", "is", "good", "great", "bad", "terrible", "service", "was", "slow", "fast",
                        "and", "i", "love", "it", "hate", "delivery", "quality", "这", "个", "产", "品", "质", "量", "很",
                        "好", "服", "务", "态", "度", "太", "差", "了"]

    /// A scratch folder.
    static func scratch(_ name: String) -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("flint-serve-\(name)-\(UUID().uuidString)")
        try! FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    static func tokenizerFolder(in directory: URL) throws -> URL {
        let folder = directory.appendingPathComponent("tokenizer")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let vocabulary = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"] + words
        try vocabulary.joined(separator: "\n").appending("\n").write(to: folder.appendingPathComponent("vocab.txt"),
                                                                     atomically: true, encoding: .utf8)
        return folder
    }

    static func configuration(labels: [String]?) throws -> BertConfiguration {
        var json = """
            {"model_type": "bert", "vocab_size": \(words.count + 5), "hidden_size": 16, "num_hidden_layers": 2,
             "num_attention_heads": 2, "intermediate_size": 32, "max_position_embeddings": 64
            """
        if let labels {
            let entries = labels.enumerated().map { "\"\($0.offset)\": \"\($0.element)\"" }.joined(separator: ", ")
            json += ", \"id2label\": {\(entries)}"
        }
        json += "}"
        return try JSONDecoder().decode(BertConfiguration.self, from: Data(json.utf8))
    }

    /// A `BertForSequenceClassification` folder with seeded random weights.
    static func classifier(in directory: URL, name: String = "classifier", seed: UInt64 = 7,
                           labels: [String] = ["negative", "positive"]) throws -> URL {
        let folder = directory.appendingPathComponent(name)
        let tokenizer = try tokenizerFolder(in: directory)
        let model = try RandomGenerator.withScopedDefault(seed: seed) {
            try BertForSequenceClassification(configuration: configuration(labels: labels))
        }
        try model.savePretrained(to: folder, tokenizerFrom: tokenizer)
        return folder
    }

    /// A bare `BertModel` folder (served as sentence embeddings: mean pooling, not normalised).
    static func encoder(in directory: URL, name: String = "encoder", seed: UInt64 = 8) throws -> URL {
        let folder = directory.appendingPathComponent(name)
        let tokenizer = try tokenizerFolder(in: directory)
        let model = try RandomGenerator.withScopedDefault(seed: seed) {
            try BertModel(configuration: configuration(labels: nil))
        }
        try model.savePretrained(to: folder, tokenizerFrom: tokenizer)
        return folder
    }

    /// A server over a classifier ("sentiment") and an encoder ("embedder") unless `models` is given.
    static func server(_ directory: URL, models: [ModelSpecification]? = nil,
                       configure: (inout ServeConfiguration) -> Void = { _ in },
                       resolver: ModelSourceResolver = ModelSourceResolver(),
                       environment: [String: String] = [:], logger: Logger = Logger(label: "test")) throws -> FlintServer {
        var configuration = ServeConfiguration()
        configuration.models = try models ?? [
            ModelSpecification(name: "sentiment", source: classifier(in: directory).path),
            ModelSpecification(name: "embedder", source: encoder(in: directory).path),
        ]
        configuration.dataDirectory = directory.appendingPathComponent("data").path   // never ~/.flint in tests
        configure(&configuration)
        return try FlintServer(configuration: configuration, resolver: resolver, logger: logger, environment: environment)
    }
}

extension TestClientProtocol {
    /// POSTs a JSON string.
    func post(_ uri: String, _ json: String, headers: HTTPFields = [:]) async throws -> TestResponse {
        var headers = headers
        headers[.contentType] = "application/json"
        return try await execute(uri: uri, method: .post, headers: headers, body: ByteBuffer(string: json))
    }

    /// POSTs raw bytes.
    func post(_ uri: String, bytes: [UInt8]) async throws -> TestResponse {
        try await execute(uri: uri, method: .post, headers: [.contentType: "application/json"], body: ByteBuffer(bytes: bytes))
    }

    /// GETs a route.
    func get(_ uri: String, headers: HTTPFields = [:]) async throws -> TestResponse {
        try await execute(uri: uri, method: .get, headers: headers)
    }

    /// Polls /ready until it answers 200 (models loaded), at most ~20 s.
    func waitUntilReady() async throws {
        for _ in 0..<2000 {
            if try await get("/ready").status == .ok { return }
            try await Task.sleep(for: .milliseconds(10))
        }
        Issue.record("the server never became ready")
    }
}

extension TestResponse {
    /// The body as a JSON object (empty when it is not one).
    var json: [String: Any] {
        (try? JSONSerialization.jsonObject(with: Data(body.readableBytesView))) as? [String: Any] ?? [:]
    }

    /// The body as text.
    var text: String { String(buffer: body) }

    /// `error.code` of an error body.
    var errorCode: String? { (json["error"] as? [String: Any])?["code"] as? String }
}

/// Runs `body` against the server's application in Hummingbird's in-process test mode, after the
/// models are loaded.
func withServer(_ server: FlintServer, _ body: @escaping @Sendable (any TestClientProtocol) async throws -> Void) async throws {
    try await server.makeApplication().test(.router) { client in
        try await client.waitUntilReady()
        try await body(client)
    }
}
