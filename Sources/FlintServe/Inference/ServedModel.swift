import Foundation
import Flint
import FlintText
import FlintModels

/// One text's result from a served model.
public enum InferenceOutput: Sendable, Equatable {
    /// A classifier's label scores.
    case classification(ClassificationResult)
    /// A sentence embedding.
    case embedding([Float])
}

/// A model folder loaded for serving: its tokenizer (run on the request's task) and its BERT encoder
/// with the task head (run on the model's inference thread, many requests per forward pass).
public final class ServedModel: Sendable {
    /// The name clients use.
    public let name: String
    /// The version this instance serves: the registry version, or the folder's name for a folder source.
    public let version: String
    /// Where it was loaded from (folder path or registry reference).
    public let source: String
    /// The folder.
    public let folder: URL
    /// What it computes.
    public let task: ServedTask
    /// Label names by class index (classification), empty otherwise.
    public let labels: [String]
    /// Longest input in tokens (longer texts are truncated, as the pipelines do).
    public let maximumLength: Int
    /// Embedding length (the hidden size).
    public let dimension: Int

    let tokenizer: Tokenizer
    let encoder: BertEncoder
    let classifier: TextClassificationPipeline?
    let embedder: SentenceEmbeddingPipeline?

    /// Loads `folder` (config.json, safetensors or pytorch_model.bin, tokenizer files). With `task` nil,
    /// a folder whose weights have a classifier head is served as text-classification, others as
    /// sentence-embedding.
    public init(name: String, version: String, source: String, folder: URL, task: ServedTask?,
                batchSize: Int = 32) throws {
        let modelFolder = try ModelFolder(url: folder)
        let options = PipelineOptions(batchSize: batchSize)
        var resolvedTask = task
        if resolvedTask == nil {
            let architectures = (try? modelFolder.configuration().architectures) ?? []
            resolvedTask = architectures.contains { $0.hasSuffix("ForSequenceClassification") }
                ? .textClassification : .sentenceEmbedding
        }
        switch resolvedTask! {
        case .textClassification:
            let pipeline = try TextClassificationPipeline(model: modelFolder, options: options)
            classifier = pipeline
            embedder = nil
            tokenizer = pipeline.tokenizer
            encoder = pipeline.encoder
            labels = pipeline.labels
            maximumLength = pipeline.maximumLength
        case .sentenceEmbedding:
            let pipeline = try SentenceEmbeddingPipeline(model: modelFolder, options: options)
            classifier = nil
            embedder = pipeline
            tokenizer = pipeline.tokenizer
            encoder = pipeline.encoder
            labels = []
            maximumLength = pipeline.maximumLength
        }
        self.name = name
        self.version = version
        self.source = source
        self.folder = folder
        self.task = resolvedTask!
        self.dimension = encoder.configuration.hiddenSize
    }

    /// Token ids of one text, with special tokens, truncated to ``maximumLength``.
    public func tokenize(_ text: String) -> [Int] {
        tokenizer.encode(text).ids
    }

    /// Runs one forward pass over `sequences` (token ids from ``tokenize(_:)``), one output each, in order.
    /// Called from the model's inference thread.
    public func run(_ sequences: [[Int]]) throws -> [InferenceOutput] {
        if sequences.isEmpty { return [] }
        switch task {
        case .textClassification:
            let count = labels.count
            let logits = try encoder.classificationLogits(inputIds: sequences).toArray()
            return (0..<sequences.count).map { row in
                .classification(classifier!.result(logits: Array(logits[row * count..<(row + 1) * count])))
            }
        case .sentenceEmbedding:
            let embedder = embedder!
            return try encoder.sentenceEmbeddingArrays(inputIds: sequences, pooling: embedder.pooling,
                                                       normalize: embedder.normalizes).map { .embedding($0) }
        }
    }

    /// One forward pass on a short text, so that the first request does not pay for workspace setup.
    public func warmUp() throws {
        _ = try run([tokenize("Flint warm-up sentence.")])
    }
}
