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
        try validate()
    }

    /// Largest accepted `vocab_size`, `max_position_embeddings`, `hidden_size`, `intermediate_size`, … (2²⁴):
    /// far above any real BERT, far below what would make a size computation overflow.
    public static let maximumDimension = 1 << 24
    /// Largest accepted `num_labels` (real classifiers have a handful; a label count from data is capped the same way).
    public static let maximumLabelCount = 100_000
    /// Largest accepted parameter count (2³¹ float32 values, 8 GiB): a config that asks for more is refused
    /// before anything is allocated.
    public static let maximumParameterCount = 1 << 31

    /// Checks every size a model is built from — the configuration's decoder calls this, so every decode path
    /// (`config.json` of a model folder, a `--from-scratch` config) rejects a bad file before any tensor is built.
    ///
    /// - Throws: ``ConfigurationFieldError`` naming the `config.json` key(s), what was expected and what was found.
    public func validate() throws {
        func check(_ condition: Bool, _ field: String, _ expected: String, _ found: Any) throws {
            if !condition { throw ConfigurationFieldError(field: field, expected: expected, found: "\(found)") }
        }
        let dimension = 1...Self.maximumDimension
        try check(dimension.contains(vocabularySize), "vocab_size", "an integer in 1...\(Self.maximumDimension)", vocabularySize)
        try check(dimension.contains(hiddenSize), "hidden_size", "an integer in 1...\(Self.maximumDimension)", hiddenSize)
        try check((1...1024).contains(hiddenLayerCount), "num_hidden_layers", "an integer in 1...1024", hiddenLayerCount)
        try check((1...hiddenSize).contains(attentionHeadCount), "num_attention_heads", "an integer in 1...hidden_size (\(hiddenSize))",
                  attentionHeadCount)
        try check(hiddenSize % attentionHeadCount == 0, "hidden_size / num_attention_heads",
                  "hidden_size divisible by num_attention_heads", "\(hiddenSize) / \(attentionHeadCount)")
        try check(dimension.contains(intermediateSize), "intermediate_size", "an integer in 1...\(Self.maximumDimension)", intermediateSize)
        try check(dimension.contains(maximumPositionEmbeddings), "max_position_embeddings",
                  "an integer in 1...\(Self.maximumDimension)", maximumPositionEmbeddings)
        try check((1...1024).contains(typeVocabularySize), "type_vocab_size", "an integer in 1...1024", typeVocabularySize)
        try check((1...Self.maximumLabelCount).contains(labelCount), "num_labels", "an integer in 1...\(Self.maximumLabelCount)", labelCount)
        if let outside = idToLabel.keys.sorted().first(where: { !(0..<labelCount).contains($0) }) {
            throw ConfigurationFieldError(field: "id2label", expected: "keys in 0..<num_labels (\(labelCount))", found: "key \(outside)")
        }
        try check((0..<vocabularySize).contains(padTokenId), "pad_token_id", "an id in 0..<vocab_size (\(vocabularySize))", padTokenId)
        for (field, probability) in [("hidden_dropout_prob", hiddenDropoutProbability), ("attention_probs_dropout_prob", attentionDropoutProbability),
                                     ("classifier_dropout", classifierDropout ?? 0)] {
            try check(probability >= 0 && probability <= 1, field, "a probability in [0, 1]", probability)
        }
        try check(layerNormEpsilon > 0 && layerNormEpsilon.isFinite, "layer_norm_eps", "a positive number", layerNormEpsilon)
        try check(initializerRange >= 0 && initializerRange.isFinite, "initializer_range", "a number ≥ 0", initializerRange)
        // Every size is ≤ 2²⁴ here, so these products cannot overflow Int.
        let h = hiddenSize
        let embeddings = (vocabularySize + maximumPositionEmbeddings + typeVocabularySize) * h
        let layer = 4 * h * h + 2 * h * intermediateSize
        let parameters = embeddings + hiddenLayerCount * layer + h * h + h * labelCount
        try check(parameters <= Self.maximumParameterCount, "vocab_size / hidden_size / num_hidden_layers / intermediate_size",
                  "at most \(Self.maximumParameterCount) parameters", "about \(parameters) parameters")
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

    /// Reads and checks `config.json` (see ``validate()``).
    ///
    /// - Throws: ``FlintError`` naming the file and the field at fault.
    public static func load(from url: URL) throws -> BertConfiguration {
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw FlintError.io(path: url.path, message: "cannot read: \(error.localizedDescription)")
        }
        do { return try JSONDecoder().decode(BertConfiguration.self, from: data) } catch let invalid as ConfigurationFieldError {
            throw FlintError.invalidFile(path: url.path, field: invalid.field, expected: invalid.expected, found: invalid.found)
        } catch {
            throw FlintError.invalidFile(path: url.path, field: "config.json", expected: "a BERT configuration", found: "\(error)")
        }
    }
}
