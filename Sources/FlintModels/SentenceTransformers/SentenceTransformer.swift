import Flint
import FlintNN

/// A trainable sentence-embedding model: a ``BertModel`` followed by ``SentencePooling`` and,
/// when configured, L2 normalisation (sentence-transformers' `SentenceTransformer` over BERT).
///
/// The state dict has the encoder's own names (`embeddings.*`, `encoder.layer.N.*`, `pooler.*`), as
/// a sentence-transformers folder stores them in `model.safetensors`.
public final class SentenceTransformer: Module, UnaryLayer {
    /// The encoder.
    public let bert: BertModel
    /// Pooling, normalisation and sequence-length settings.
    public let sentenceConfiguration: SentenceTransformerConfiguration

    /// Wraps `bert` with the pipeline of `sentenceConfiguration`.
    public init(bert: BertModel, sentenceConfiguration: SentenceTransformerConfiguration) {
        require(bert.configuration.hiddenSize == sentenceConfiguration.pooling.embeddingDimension,
                "SentenceTransformer: hidden size \(bert.configuration.hiddenSize) differs from the pooling dimension \(sentenceConfiguration.pooling.embeddingDimension)")
        self.bert = bert
        self.sentenceConfiguration = sentenceConfiguration
        super.init()
    }

    /// The encoder's members, unprefixed (the checkpoint layout of a sentence-transformers folder).
    public override var directMembers: [ModuleMember] { bert.directMembers }

    /// The width of an embedding (pooling modes × H).
    public var embeddingDimension: Int { sentenceConfiguration.pooling.outputDimension }

    /// Sentence embeddings [B, D] for a padded batch (arguments as ``BertModel``'s). Inputs longer
    /// than `max_seq_length` should be truncated by the caller (the tokenizer).
    public func callAsFunction(inputIds: Tensor, attentionMask: Tensor? = nil, tokenTypeIds: Tensor? = nil) -> Tensor {
        let hidden = bert(inputIds: inputIds, attentionMask: attentionMask, tokenTypeIds: tokenTypeIds).lastHiddenState
        let pooled = sentenceConfiguration.pooling(hiddenStates: hidden, attentionMask: attentionMask)
        return sentenceConfiguration.normalizes ? pooled.l2Normalized() : pooled
    }

    /// Embeddings of unpadded `input` ids.
    public func forward(_ input: Tensor) -> Tensor {
        self(inputIds: input)
    }
}
