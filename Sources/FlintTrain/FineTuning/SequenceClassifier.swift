import Foundation
import Flint
import FlintNN
import FlintData
import FlintModels

/// A model the ``Trainer`` fine-tunes: a ``FlintNN/Module`` that maps a padded batch of token ids to
/// class logits, has a training loss, and saves itself as a Hugging Face model folder.
public protocol SequenceClassifier: Module {
    /// Class names by index (`id2label`).
    var labelNames: [String] { get }
    /// Rows of the token-embedding table: every input id must be below this.
    var vocabularySize: Int { get }
    /// Logits `[B, classes]` for a collated batch.
    func logits(for batch: PaddedBatch) -> Tensor
    /// The training loss of `logits` against integer `labels` `[B]`.
    func loss(logits: Tensor, labels: Tensor) throws -> Tensor
    /// Writes the model folder (config, weights, tokenizer files of `tokenizerFrom`) plus the caller's
    /// files, atomically.
    func savePretrained(to folder: URL, tokenizerFrom: URL?,
                        writingAlso additionalFiles: (inout ModelFolderWriter) throws -> Void) throws
    /// Replaces the weights with those of a state dict saved by ``savePretrained(to:tokenizerFrom:writingAlso:)``.
    func loadWeights(_ weights: [String: Tensor], source: String) throws
}

extension BertForSequenceClassification: SequenceClassifier {
    public var vocabularySize: Int { configuration.vocabularySize }

    public func logits(for batch: PaddedBatch) -> Tensor {
        self(inputIds: batch.inputIDs, attentionMask: batch.attentionMask, tokenTypeIds: batch.tokenTypeIDs)
    }

    public func loadWeights(_ weights: [String: Tensor], source: String) throws {
        try load(weights: weights, source: source)
    }
}
