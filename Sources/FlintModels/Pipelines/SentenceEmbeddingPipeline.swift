import Foundation
import Flint
import FlintText

/// Sentence embeddings as sentence-transformers computes them: the encoder, then the folder's
/// `1_Pooling` mode (mean, CLS or max over the non-padding tokens), then L2 normalisation when
/// `modules.json` lists a Normalize module. A folder without sentence-transformers files gets mean
/// pooling and no normalisation (what sentence-transformers builds for a plain transformers model).
///
/// For all-MiniLM-L6-v2: mean pooling, normalised, at most 256 tokens — so the cosine similarity of two
/// embeddings is their dot product:
///
/// ```swift
/// let embedder = try pipeline(.sentenceEmbedding, model: miniLMFolder)
/// let vectors = try embedder(["A man is eating food.", "A man is eating pasta."])   // [[Float]], 384 each
/// let similarity = SentenceEmbeddingPipeline.cosineSimilarity(vectors[0], vectors[1])
/// ```
public struct SentenceEmbeddingPipeline: TextPipeline {
    let model: TextEncoderModel

    /// How token states become one vector.
    public let pooling: BertEncoder.Pooling
    /// Whether embeddings are scaled to unit length.
    public let normalizes: Bool
    /// The tokenizer the pipeline uses.
    public var tokenizer: Tokenizer { model.tokenizer }
    /// The inference engine.
    public var encoder: BertEncoder { model.encoder }
    /// Longest input in tokens (sentence-transformers' `max_seq_length` when the folder sets it).
    public var maximumLength: Int { model.maximumLength }
    /// Length of every embedding.
    public var dimension: Int { model.encoder.configuration.hiddenSize }

    /// Loads the encoder, the tokenizer and the sentence-transformers settings of `model`.
    public init(model: ModelFolder, options: PipelineOptions = PipelineOptions()) throws {
        var pooling = BertEncoder.Pooling.mean
        var normalizes = false
        var maximumLength: Int? = nil
        var poolingDimension: Int? = nil
        if model.contains("modules.json") {
            let sentence = try SentenceTransformerConfiguration.load(from: model.url)
            poolingDimension = sentence.pooling.embeddingDimension
            let modes = sentence.pooling.modes
            guard modes.count == 1, let only = modes.first, let mapped = BertEncoder.Pooling(rawValue: only.rawValue) else {
                throw FlintError.invalidFile(path: model.fileURL("1_Pooling/config.json").path, field: "pooling modes",
                    expected: "one of \(BertEncoder.Pooling.allCases.map(\.rawValue))", found: "\(modes.map(\.rawValue))")
            }
            pooling = mapped
            normalizes = sentence.normalizes
            maximumLength = sentence.maximumSequenceLength
        }
        self.model = try TextEncoderModel(folder: model, options: options, defaultMaximumLength: maximumLength)
        if let poolingDimension, poolingDimension != self.model.encoder.configuration.hiddenSize {
            throw FlintError.invalidFile(path: model.fileURL("1_Pooling/config.json").path, field: "word_embedding_dimension",
                                         expected: "the model's hidden_size \(self.model.encoder.configuration.hiddenSize)", found: "\(poolingDimension)")
        }
        self.pooling = pooling
        self.normalizes = normalizes
    }

    /// One embedding per text, in input order.
    public func callAsFunction(_ texts: [String]) throws -> [[Float]] {
        try model.mapBatches(texts) { ids, typeIds in
            try model.encoder.sentenceEmbeddingArrays(inputIds: ids, tokenTypeIds: typeIds, pooling: pooling,
                                                      normalize: normalizes)
        }
    }

    /// The embedding of one text.
    public func callAsFunction(_ text: String) throws -> [Float] {
        try self([text])[0]
    }

    /// The embeddings as one `[texts, dimension]` tensor.
    public func embeddings(_ texts: [String]) throws -> Tensor {
        let rows = try self(texts)
        return Tensor(rows.flatMap { $0 }, shape: [rows.count, dimension])
    }

    /// cos θ = a·b / (‖a‖ ‖b‖); 0 when either vector is zero.
    public static func cosineSimilarity(_ a: [Float], _ b: [Float]) -> Float {
        precondition(a.count == b.count, "cosineSimilarity: lengths \(a.count) and \(b.count) differ")
        var dot: Double = 0, na: Double = 0, nb: Double = 0
        for i in a.indices {
            dot += Double(a[i]) * Double(b[i])
            na += Double(a[i]) * Double(a[i])
            nb += Double(b[i]) * Double(b[i])
        }
        let denominator = (na * nb).squareRoot()
        return denominator > 0 ? Float(dot / denominator) : 0
    }
}
