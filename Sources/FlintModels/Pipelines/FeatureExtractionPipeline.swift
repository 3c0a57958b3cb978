import Foundation
import Flint
import FlintText

/// Token-level features: the encoder's last hidden state for every token of every text, like Hugging
/// Face's `pipeline("feature-extraction")` (which returns `[1, tokens, hidden]` per text).
///
/// ```swift
/// let extractor = try pipeline(.featureExtraction, model: miniLMFolder)
/// let states = try extractor(["Hello world"])   // one Tensor [tokens, 384]: [CLS] hello world [SEP]
/// ```
public struct FeatureExtractionPipeline: TextPipeline {
    let model: TextEncoderModel

    /// The tokenizer the pipeline uses (truncating to ``maximumLength``).
    public var tokenizer: Tokenizer { model.tokenizer }
    /// The inference engine.
    public var encoder: BertEncoder { model.encoder }
    /// Longest input in tokens, [CLS] and [SEP] included.
    public var maximumLength: Int { model.maximumLength }

    /// Loads the tokenizer and the encoder of `model`; inputs truncate at the tokenizer's
    /// `model_max_length` (or `options.maximumLength`).
    public init(model: ModelFolder, options: PipelineOptions = PipelineOptions()) throws {
        self.model = try TextEncoderModel(folder: model, options: options, defaultMaximumLength: nil)
    }

    /// The last hidden state of each text: one `[tokens, hidden]` tensor per text, in input order.
    public func callAsFunction(_ texts: [String]) throws -> [Tensor] {
        try model.mapBatches(texts) { ids, typeIds in
            try model.encoder.lastHiddenStates(inputIds: ids, tokenTypeIds: typeIds)
        }
    }

    /// The last hidden state of one text, `[tokens, hidden]`.
    public func callAsFunction(_ text: String) throws -> Tensor {
        try self([text])[0]
    }
}
