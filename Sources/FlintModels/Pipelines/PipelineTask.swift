import Foundation

/// A task that ``pipeline(_:model:revision:options:)`` builds a pipeline for, typed by the pipeline it
/// returns — the Swift spelling of Hugging Face's `pipeline("text-classification", model=…)`:
///
/// ```swift
/// let classifier = try pipeline(.textClassification, model: "path/to/folder")   // TextClassificationPipeline
/// let embedder = try pipeline(.sentenceEmbedding, model: "sentence-transformers/all-MiniLM-L6-v2")
/// ```
public struct PipelineTask<Pipeline: TextPipeline>: Sendable {
    /// The Hugging Face task name ("feature-extraction", "sentence-similarity", "text-classification").
    public let name: String
}

extension PipelineTask where Pipeline == FeatureExtractionPipeline {
    /// Token-level hidden states: Hugging Face's "feature-extraction".
    public static var featureExtraction: Self { .init(name: "feature-extraction") }
}

extension PipelineTask where Pipeline == SentenceEmbeddingPipeline {
    /// One vector per text, pooled and normalised as the folder's sentence-transformers modules say.
    public static var sentenceEmbedding: Self { .init(name: "sentence-similarity") }
}

extension PipelineTask where Pipeline == TextClassificationPipeline {
    /// Labels with scores from a sequence-classification head: Hugging Face's "text-classification".
    public static var textClassification: Self { .init(name: "text-classification") }
}

extension PipelineTask where Pipeline == ZeroShotClassificationPipeline {
    /// Labels chosen at call time, scored by embedding similarity (see ``ZeroShotClassificationPipeline``).
    public static var zeroShotClassification: Self { .init(name: "zero-shot-classification") }
}

/// Settings shared by the text pipelines.
public struct PipelineOptions: Sendable {
    /// Texts per forward pass. Larger batches amortise the per-call cost; the encoder packs sequences
    /// end to end, so mixed lengths waste no work on padding.
    public var batchSize: Int
    /// Longest input in tokens (with [CLS]/[SEP]); nil means the model's own limit (sentence-transformers'
    /// `max_seq_length`, else the tokenizer's `model_max_length`, else `max_position_embeddings`).
    public var maximumLength: Int?

    /// - Parameters:
    ///   - batchSize: texts per forward pass (default 32).
    ///   - maximumLength: truncate inputs to this many tokens; nil for the model's limit.
    public init(batchSize: Int = 32, maximumLength: Int? = nil) {
        self.batchSize = batchSize
        self.maximumLength = maximumLength
    }
}

/// A pipeline over a model folder: tokenizer + model + post-processing, loaded in one call.
public protocol TextPipeline: Sendable {
    /// Loads the pipeline from a model folder.
    init(model: ModelFolder, options: PipelineOptions) throws
}

/// Builds the pipeline for `task` from a model folder or a Hugging Face id found in the local Hub cache
/// (see ``ModelFolder``). Like Hugging Face's `pipeline(task, model=…)`.
///
/// - Parameters:
///   - task: `.featureExtraction`, `.sentenceEmbedding` or `.textClassification`.
///   - model: a folder path, or `ORG/NAME` in the Hub cache (`flint download ORG/NAME` fills it).
///   - revision: the Hub revision when `model` is an id (default "main").
///   - options: batch size and maximum length.
public func pipeline<P: TextPipeline>(_ task: PipelineTask<P>, model: String, revision: String? = nil,
                                      options: PipelineOptions = PipelineOptions()) throws -> P {
    try P(model: ModelFolder(model, revision: revision), options: options)
}
