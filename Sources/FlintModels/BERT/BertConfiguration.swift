import Foundation
import Flint

/// The hyper-parameters of a BERT-family encoder, read from a Hugging Face `config.json`
/// (`model_type` "bert"; the keys of `transformers.BertConfig`). Unknown keys are ignored.
public struct BertConfiguration: Codable, Sendable, Equatable {
    /// `model_type` as written in `config.json` ("bert").
    public var modelType: String
    /// Rows of the word-embedding table (`vocab_size`).
    public var vocabularySize: Int
    /// Width of every hidden state, H (`hidden_size`).
    public var hiddenSize: Int
    /// Number of encoder layers (`num_hidden_layers`).
    public var hiddenLayerCount: Int
    /// Attention heads per layer (`num_attention_heads`); each head has H / heads dimensions.
    public var attentionHeadCount: Int
    /// Width of the feed-forward block (`intermediate_size`).
    public var intermediateSize: Int
    /// The feed-forward activation (`hidden_act`: "gelu", "gelu_new", "relu", …).
    public var hiddenActivation: String
    /// Dropout on hidden states during training (`hidden_dropout_prob`).
    public var hiddenDropoutProbability: Double
    /// Dropout on attention probabilities during training (`attention_probs_dropout_prob`).
    public var attentionDropoutProbability: Double
    /// Rows of the position-embedding table: the longest input (`max_position_embeddings`).
    public var maximumPositionEmbeddings: Int
    /// Rows of the token-type table (`type_vocab_size`).
    public var typeVocabularySize: Int
    /// Standard deviation of the weight initialiser (`initializer_range`).
    public var initializerRange: Double
    /// ε of every LayerNorm (`layer_norm_eps`).
    public var layerNormEpsilon: Double
    /// Id of the padding token (`pad_token_id`).
    public var padTokenId: Int
    /// "absolute" is the only position embedding BERT checkpoints here use (`position_embedding_type`).
    public var positionEmbeddingType: String
    /// Classifier outputs for sequence classification (`num_labels`, else the size of `id2label`, else 2).
    public var labelCount: Int
    /// Class names by index (`id2label`); keys in `config.json` are strings ("0", "1", …).
    public var idToLabel: [Int: String]
    /// "single_label_classification", "multi_label_classification" or "regression" (`problem_type`), if set.
    public var problemType: String?
    /// Dropout before the classifier (`classifier_dropout`); nil means `hidden_dropout_prob`.
    public var classifierDropout: Double?
    /// The `architectures` list, e.g. ["BertForSequenceClassification"].
    public var architectures: [String]

    enum CodingKeys: String, CodingKey {
        case modelType = "model_type"
        case vocabularySize = "vocab_size"
        case hiddenSize = "hidden_size"
        case hiddenLayerCount = "num_hidden_layers"
        case attentionHeadCount = "num_attention_heads"
        case intermediateSize = "intermediate_size"
        case hiddenActivation = "hidden_act"
        case hiddenDropoutProbability = "hidden_dropout_prob"
        case attentionDropoutProbability = "attention_probs_dropout_prob"
        case maximumPositionEmbeddings = "max_position_embeddings"
        case typeVocabularySize = "type_vocab_size"
        case initializerRange = "initializer_range"
        case layerNormEpsilon = "layer_norm_eps"
        case padTokenId = "pad_token_id"
        case positionEmbeddingType = "position_embedding_type"
        case labelCount = "num_labels"
        case idToLabel = "id2label"
        case label2id
        case problemType = "problem_type"
        case classifierDropout = "classifier_dropout"
        case architectures
    }

    /// A configuration with BERT-base defaults for every field not given.
    public init(
        vocabularySize: Int = 30522, hiddenSize: Int = 768, hiddenLayerCount: Int = 12,
        attentionHeadCount: Int = 12, intermediateSize: Int = 3072, hiddenActivation: String = "gelu",
        hiddenDropoutProbability: Double = 0.1, attentionDropoutProbability: Double = 0.1,
        maximumPositionEmbeddings: Int = 512, typeVocabularySize: Int = 2, initializerRange: Double = 0.02,
        layerNormEpsilon: Double = 1e-12, padTokenId: Int = 0, labelCount: Int = 2,
        idToLabel: [Int: String] = [:], problemType: String? = nil, classifierDropout: Double? = nil,
        architectures: [String] = []
    ) {
        self.modelType = "bert"
        self.vocabularySize = vocabularySize
        self.hiddenSize = hiddenSize
        self.hiddenLayerCount = hiddenLayerCount
        self.attentionHeadCount = attentionHeadCount
        self.intermediateSize = intermediateSize
        self.hiddenActivation = hiddenActivation
        self.hiddenDropoutProbability = hiddenDropoutProbability
        self.attentionDropoutProbability = attentionDropoutProbability
        self.maximumPositionEmbeddings = maximumPositionEmbeddings
        self.typeVocabularySize = typeVocabularySize
        self.initializerRange = initializerRange
        self.layerNormEpsilon = layerNormEpsilon
        self.padTokenId = padTokenId
        self.positionEmbeddingType = "absolute"
        self.labelCount = labelCount
        self.idToLabel = idToLabel
        self.problemType = problemType
        self.classifierDropout = classifierDropout
        self.architectures = architectures
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let defaults = BertConfiguration()
        modelType = try c.decodeIfPresent(String.self, forKey: .modelType) ?? "bert"
        vocabularySize = try c.decodeIfPresent(Int.self, forKey: .vocabularySize) ?? defaults.vocabularySize
        hiddenSize = try c.decodeIfPresent(Int.self, forKey: .hiddenSize) ?? defaults.hiddenSize
        hiddenLayerCount = try c.decodeIfPresent(Int.self, forKey: .hiddenLayerCount) ?? defaults.hiddenLayerCount
        attentionHeadCount = try c.decodeIfPresent(Int.self, forKey: .attentionHeadCount) ?? defaults.attentionHeadCount
        intermediateSize = try c.decodeIfPresent(Int.self, forKey: .intermediateSize) ?? defaults.intermediateSize
        hiddenActivation = try c.decodeIfPresent(String.self, forKey: .hiddenActivation) ?? defaults.hiddenActivation
        hiddenDropoutProbability = try c.decodeIfPresent(Double.self, forKey: .hiddenDropoutProbability) ?? defaults.hiddenDropoutProbability
        attentionDropoutProbability = try c.decodeIfPresent(Double.self, forKey: .attentionDropoutProbability) ?? defaults.attentionDropoutProbability
        maximumPositionEmbeddings = try c.decodeIfPresent(Int.self, forKey: .maximumPositionEmbeddings) ?? defaults.maximumPositionEmbeddings
        typeVocabularySize = try c.decodeIfPresent(Int.self, forKey: .typeVocabularySize) ?? defaults.typeVocabularySize
        initializerRange = try c.decodeIfPresent(Double.self, forKey: .initializerRange) ?? defaults.initializerRange
        layerNormEpsilon = try c.decodeIfPresent(Double.self, forKey: .layerNormEpsilon) ?? defaults.layerNormEpsilon
        padTokenId = try c.decodeIfPresent(Int.self, forKey: .padTokenId) ?? defaults.padTokenId
        positionEmbeddingType = try c.decodeIfPresent(String.self, forKey: .positionEmbeddingType) ?? "absolute"
        let labels = try c.decodeIfPresent([String: String].self, forKey: .idToLabel) ?? [:]
        var byIndex: [Int: String] = [:]
        for (key, value) in labels {
            guard let index = Int(key) else {
                throw DecodingError.dataCorruptedError(forKey: .idToLabel, in: c,
                    debugDescription: "id2label: expected integer keys, found \"\(key)\"")
            }
            byIndex[index] = value
        }
        idToLabel = byIndex
        labelCount = try c.decodeIfPresent(Int.self, forKey: .labelCount) ?? (byIndex.isEmpty ? 2 : byIndex.count)
        problemType = try c.decodeIfPresent(String.self, forKey: .problemType)
        classifierDropout = try c.decodeIfPresent(Double.self, forKey: .classifierDropout)
        architectures = try c.decodeIfPresent([String].self, forKey: .architectures) ?? []
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(modelType, forKey: .modelType)
        try c.encode(vocabularySize, forKey: .vocabularySize)
        try c.encode(hiddenSize, forKey: .hiddenSize)
        try c.encode(hiddenLayerCount, forKey: .hiddenLayerCount)
        try c.encode(attentionHeadCount, forKey: .attentionHeadCount)
        try c.encode(intermediateSize, forKey: .intermediateSize)
        try c.encode(hiddenActivation, forKey: .hiddenActivation)
        try c.encode(hiddenDropoutProbability, forKey: .hiddenDropoutProbability)
        try c.encode(attentionDropoutProbability, forKey: .attentionDropoutProbability)
        try c.encode(maximumPositionEmbeddings, forKey: .maximumPositionEmbeddings)
        try c.encode(typeVocabularySize, forKey: .typeVocabularySize)
        try c.encode(initializerRange, forKey: .initializerRange)
        try c.encode(layerNormEpsilon, forKey: .layerNormEpsilon)
        try c.encode(padTokenId, forKey: .padTokenId)
        try c.encode(positionEmbeddingType, forKey: .positionEmbeddingType)
        try c.encode(labelCount, forKey: .labelCount)
        let labels = labelNames
        try c.encode(Dictionary(uniqueKeysWithValues: labels.enumerated().map { (String($0.offset), $0.element) }), forKey: .idToLabel)
        try c.encode(Dictionary(uniqueKeysWithValues: labels.enumerated().map { ($0.element, $0.offset) }), forKey: .label2id)
        try c.encodeIfPresent(problemType, forKey: .problemType)
        try c.encodeIfPresent(classifierDropout, forKey: .classifierDropout)
        if !architectures.isEmpty { try c.encode(architectures, forKey: .architectures) }
    }

    /// Class names for indices 0..<labelCount: `id2label` where given, else "LABEL_i" (Hugging Face's default).
    public var labelNames: [String] {
        (0..<labelCount).map { idToLabel[$0] ?? "LABEL_\($0)" }
    }

    /// Width of one attention head, H / heads.
    public var headSize: Int { hiddenSize / attentionHeadCount }

    /// Reads and checks `config.json`.
    public static func load(from url: URL) throws -> BertConfiguration {
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw FlintError.io(path: url.path, message: "cannot read: \(error.localizedDescription)")
        }
        let configuration: BertConfiguration
        do { configuration = try JSONDecoder().decode(BertConfiguration.self, from: data) } catch {
            throw FlintError.invalidFile(path: url.path, field: "config.json", expected: "a BERT configuration", found: "\(error)")
        }
        guard configuration.hiddenSize > 0, configuration.attentionHeadCount > 0,
              configuration.hiddenSize % configuration.attentionHeadCount == 0 else {
            throw FlintError.invalidFile(path: url.path, field: "hidden_size / num_attention_heads",
                expected: "hidden_size divisible by num_attention_heads",
                found: "\(configuration.hiddenSize) / \(configuration.attentionHeadCount)")
        }
        return configuration
    }
}
