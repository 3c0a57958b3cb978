import Foundation
import Flint
import FlintTestSupport
@testable import FlintModels

/// The MiniLM reference fixture and the real MiniLM weights, shared by the BertModel and
/// SentenceTransformer tests.
enum BertModelTestFixtures {
    /// One text of `minilm_reference.json`.
    struct Text {
        let key: String
        let inputIds: [Int]
        /// The ids sentence-transformers fed the model (truncated to 256 tokens).
        let embeddingInputIds: [Int]
        let embedding: [Float]
    }

    /// The parsed fixture.
    nonisolated(unsafe) static let reference: [String: Any] = {
        let url = Bundle.module.url(forResource: "Fixtures/minilm_reference", withExtension: "json")!
        return try! JSONSerialization.jsonObject(with: Data(contentsOf: url)) as! [String: Any]
    }()

    /// Every text with its ids and sentence-transformers embedding.
    static let texts: [Text] = (reference["texts"] as! [[String: Any]]).map { entry in
        let ids = entry["input_ids"] as! [Int]
        return Text(key: entry["key"] as! String, inputIds: ids,
                    embeddingInputIds: entry["input_ids_trunc256"] as? [Int] ?? ids,
                    embedding: (entry["embedding"] as! [Double]).map(Float.init))
    }

    /// A fixture file of the test bundle as a JSON object.
    static func json(_ name: String) -> [String: Any] {
        let url = Bundle.module.url(forResource: "Fixtures/\(name)", withExtension: "json")!
        return try! JSONSerialization.jsonObject(with: Data(contentsOf: url)) as! [String: Any]
    }

    // Loaded once; a missing model makes each test that uses them throw (try TestModels.miniLM says how to fetch it).
    private static let configurationResult = Result { try BertConfiguration.load(from: try TestModels.miniLM.appendingPathComponent("config.json")) }
    nonisolated(unsafe) private static let weightsResult = Result {
        try SafeTensorsFile(contentsOf: try TestModels.miniLM.appendingPathComponent("model.safetensors")).loadAll()
    }
    nonisolated(unsafe) private static let modelResult = Result { () throws -> BertModel in
        try BertModel(configuration: configuration, weights: weights, source: "model.safetensors").eval()
    }

    /// MiniLM's configuration.
    static var configuration: BertConfiguration { get throws { try configurationResult.get() } }

    /// MiniLM's weights by checkpoint name (memory-mapped).
    static var weights: [String: Tensor] { get throws { try weightsResult.get() } }

    /// MiniLM as a trainable BertModel in evaluation mode (shared: the tests only read it).
    static var model: BertModel { get throws { try modelResult.get() } }

    /// Float arrays of nested JSON numbers.
    static func floats(_ value: Any?) -> [Float] {
        if let number = value as? Double { return [Float(number)] }
        if let list = value as? [Any] { return list.flatMap { floats($0) } }
        return []
    }

    /// cos(a, b) in Double.
    static func cosine(_ a: [Float], _ b: [Float]) -> Double {
        var dot = 0.0, na = 0.0, nb = 0.0
        for (x, y) in zip(a, b) {
            dot += Double(x) * Double(y)
            na += Double(x) * Double(x)
            nb += Double(y) * Double(y)
        }
        return dot / (na.squareRoot() * nb.squareRoot())
    }

    /// max |a − b|.
    static func maxDifference(_ a: [Float], _ b: [Float]) -> Float {
        zip(a, b).map { abs($0 - $1) }.max() ?? 0
    }

    /// A small random configuration for gradient and training tests (no dropout).
    static func tinyConfiguration(labels: Int = 3, activation: String = "gelu") -> BertConfiguration {
        BertConfiguration(vocabularySize: 20, hiddenSize: 8, hiddenLayerCount: 2, attentionHeadCount: 2, intermediateSize: 16,
                          hiddenActivation: activation, hiddenDropoutProbability: 0, attentionDropoutProbability: 0,
                          maximumPositionEmbeddings: 16, typeVocabularySize: 2, initializerRange: 0.2,
                          layerNormEpsilon: 1e-12, padTokenId: 0, labelCount: labels)
    }
}
