import Flint
import FlintNN

/// The input layer of BERT (`BertEmbeddings`): word + position + token-type embeddings, then
/// LayerNorm and dropout.
///
/// State-dict keys: `word_embeddings.weight`, `position_embeddings.weight`,
/// `token_type_embeddings.weight`, `LayerNorm.weight`, `LayerNorm.bias`. Positions are 0 ..< T
/// (absolute position embeddings); the checkpoint buffer `position_ids` is not kept. The gradient
/// of the padding row of the word table is zero, as PyTorch's `padding_idx`.
public final class BertEmbeddings: Module, UnaryLayer {
    /// [vocabularySize, H].
    public let wordEmbeddings: Embedding
    /// [maximumPositionEmbeddings, H].
    public let positionEmbeddings: Embedding
    /// [typeVocabularySize, H].
    public let tokenTypeEmbeddings: Embedding
    /// Normalises the sum (checkpoint name `LayerNorm`).
    public let layerNorm: LayerNorm
    /// Dropout with `hidden_dropout_prob`.
    public let dropout: Dropout
    /// The word id whose vector gets no gradient (`pad_token_id`), if it is a valid row.
    public let paddingIndex: Int?

    /// Embedding tables shaped by `configuration`, initialised like Hugging Face's `_init_weights`:
    /// N(0, initializer_range²) with the padding row zero; LayerNorm γ = 1, β = 0.
    public init(configuration: BertConfiguration) {
        let h = configuration.hiddenSize
        let std = Float(configuration.initializerRange)
        wordEmbeddings = Embedding(count: configuration.vocabularySize, dimensions: h)
        positionEmbeddings = Embedding(count: configuration.maximumPositionEmbeddings, dimensions: h)
        tokenTypeEmbeddings = Embedding(count: configuration.typeVocabularySize, dimensions: h)
        layerNorm = LayerNorm(features: h, epsilon: Float(configuration.layerNormEpsilon))
        dropout = Dropout(probability: Float(configuration.hiddenDropoutProbability))
        let pad = configuration.padTokenId
        paddingIndex = pad >= 0 && pad < configuration.vocabularySize ? pad : nil
        super.init()
        if !BertInitialization.skipsRandomInitialization {
            for table in [wordEmbeddings, positionEmbeddings, tokenTypeEmbeddings] {
                Initialization.normal(table.weight, mean: 0, standardDeviation: std)
            }
        }
        if let paddingIndex {
            (wordEmbeddings.weight.pointer(as: Float.self) + paddingIndex * h).update(repeating: 0, count: h)
        }
    }

    /// The checkpoint layout.
    public override var directMembers: [ModuleMember] {
        [.child(name: "word_embeddings", module: wordEmbeddings),
         .child(name: "position_embeddings", module: positionEmbeddings),
         .child(name: "token_type_embeddings", module: tokenTypeEmbeddings),
         .child(name: "LayerNorm", module: layerNorm),
         .child(name: "dropout", module: dropout)]
    }

    /// Embeds `inputIds` ([B, T] int64/int32) with `tokenTypeIds` ([B, T], nil for all zeros):
    /// returns [B, T, H].
    public func callAsFunction(inputIds: Tensor, tokenTypeIds: Tensor? = nil) -> Tensor {
        require(inputIds.rank == 2, "BertEmbeddings: input ids must be [batch, length], got \(inputIds.shape)")
        let length = inputIds.shape[1]
        require(length <= positionEmbeddings.count,
                "BertEmbeddings: sequence length \(length) exceeds max_position_embeddings \(positionEmbeddings.count)")
        let words = Tensor.embedding(inputIds, weight: wordEmbeddings.weight, paddingIndex: paddingIndex)
        // Positions 0 ..< T: the first T rows of the table, broadcast over the batch.
        let positions = positionEmbeddings.weight.narrow(axis: 0, start: 0, length: length)
        var sum = words + positions
        if let tokenTypeIds {
            require(tokenTypeIds.shape == inputIds.shape,
                    "BertEmbeddings: token type ids \(tokenTypeIds.shape) must match input ids \(inputIds.shape)")
            sum = sum + tokenTypeEmbeddings(tokenTypeIds)
        } else {
            sum = sum + tokenTypeEmbeddings.weight.select(axis: 0, index: 0)
        }
        return dropout(layerNorm(sum))
    }

    /// Embeds input ids with token type 0.
    public func forward(_ input: Tensor) -> Tensor {
        self(inputIds: input)
    }
}
