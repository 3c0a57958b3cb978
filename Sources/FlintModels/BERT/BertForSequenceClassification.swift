import Flint
import FlintNN

/// BERT with a classification (or regression) head over the pooled [CLS] output
/// (`transformers.BertForSequenceClassification`): logits = classifier(dropout(pooler_output)).
///
/// State-dict keys: `bert.*` (a ``BertModel`` with pooler) and `classifier.weight`
/// [num_labels, H], `classifier.bias` [num_labels]. Labels come from the configuration's
/// `num_labels` / `id2label`.
public final class BertForSequenceClassification: Module, UnaryLayer {
    /// The hyper-parameters, including `num_labels`, `id2label` and `problem_type`.
    public let configuration: BertConfiguration
    /// The encoder with pooler (checkpoint prefix `bert.`).
    public let bert: BertModel
    /// Dropout with `classifier_dropout`, else `hidden_dropout_prob`.
    public let dropout: Dropout
    /// [num_labels, H] head.
    public let classifier: Linear
    /// The configured problem type; nil chooses per batch of labels (see ``BertProblemType/inferred(labelCount:labels:)``).
    public let problemType: BertProblemType?

    /// A freshly initialised classifier (Hugging Face's initialisation, from the default generator).
    ///
    /// - Throws: ``FlintError`` for an unsupported `hidden_act` or `problem_type`.
    public convenience init(configuration: BertConfiguration) throws {
        try self.init(configuration: configuration, randomlyInitializedEncoder: true)
    }

    /// A classifier with the weights of a checkpoint; see ``load(weights:source:)``.
    public convenience init(configuration: BertConfiguration, weights: [String: Tensor],
                            source: String = "BertForSequenceClassification") throws {
        // The encoder's parameters are about to be overwritten: skip their N(0, σ²) fills. The head
        // is always initialised (a base checkpoint has none).
        try self.init(configuration: configuration, randomlyInitializedEncoder: false)
        try load(weights: weights, source: source)
    }

    /// Builds the model; without `randomlyInitializedEncoder` the encoder's N(0, σ²) fills are skipped.
    init(configuration: BertConfiguration, randomlyInitializedEncoder: Bool) throws {
        guard configuration.labelCount > 0 else {
            throw FlintError.invalidArgument(operation: "BertForSequenceClassification", message: "num_labels must be positive, got \(configuration.labelCount)")
        }
        self.configuration = configuration
        problemType = try configuration.problemType.map { try BertProblemType(configurationName: $0) }
        bert = try BertModel(configuration: configuration, addPoolingLayer: true, randomlyInitialized: randomlyInitializedEncoder)
        dropout = Dropout(probability: Float(configuration.classifierDropout ?? configuration.hiddenDropoutProbability))
        classifier = BertInitialization.linear(configuration.hiddenSize, configuration.labelCount, configuration)
        super.init()
    }

    /// The checkpoint layout.
    public override var directMembers: [ModuleMember] {
        [.child(name: "bert", module: bert), .child(name: "dropout", module: dropout),
         .child(name: "classifier", module: classifier)]
    }

    /// Class names by index (`id2label`, else `LABEL_i`).
    public var labelNames: [String] { configuration.labelNames }

    /// Logits [B, num_labels] for a batch (arguments as ``BertModel/callAsFunction(inputIds:attentionMask:tokenTypeIds:)``).
    public func callAsFunction(inputIds: Tensor, attentionMask: Tensor? = nil, tokenTypeIds: Tensor? = nil) -> Tensor {
        let output = bert(inputIds: inputIds, attentionMask: attentionMask, tokenTypeIds: tokenTypeIds)
        guard let pooled = output.poolerOutput else { fatalError("BertForSequenceClassification: the encoder has no pooler") }
        return classifier(dropout(pooled))
    }

    /// Logits for unpadded `input` ids.
    public func forward(_ input: Tensor) -> Tensor {
        self(inputIds: input)
    }

    /// The training loss of `logits` [B, num_labels] against `labels`, as Hugging Face computes it:
    /// - regression: mean squared error (with one label, logits and labels are flattened to [B]);
    /// - single-label: cross entropy, labels int64 [B] class indices;
    /// - multi-label: binary cross entropy with logits, labels float [B, num_labels].
    ///
    /// The problem type is the configured one, else inferred from `num_labels` and the labels' dtype.
    ///
    /// - Throws: ``FlintError/invalidArgument(operation:message:)`` when single-label targets are not
    ///   integer class indices in `0..<num_labels` (see ``FlintNN/crossEntropy(logits:targets:labelSmoothing:ignoreIndex:reduction:)``).
    public func loss(logits: Tensor, labels: Tensor) throws -> Tensor {
        let labelCount = configuration.labelCount
        switch problemType ?? BertProblemType.inferred(labelCount: labelCount, labels: labels) {
        case .regression:
            let target = labels.to(.float32)
            if labelCount == 1 { return mseLoss(logits.reshaped([-1]), target.reshaped([-1])) }
            return mseLoss(logits, target)
        case .singleLabelClassification:
            guard !labels.dtype.isFloatingPoint else {
                throw FlintError.invalidArgument(operation: "BertForSequenceClassification.loss",
                                                 message: "single-label targets must be integer class indices, got \(labels.dtype)")
            }
            return try crossEntropy(logits: logits.reshaped([-1, labelCount]), targets: labels.reshaped([-1]))
        case .multiLabelClassification:
            return binaryCrossEntropyWithLogits(logits, labels.to(.float32))
        }
    }

    /// Copies checkpoint weights into the model, in place.
    ///
    /// Encoder names may come with or without the `bert.` prefix (a task checkpoint or a bare
    /// `BertModel` checkpoint such as a sentence-transformers model). A checkpoint without
    /// `classifier.*` keeps the freshly initialised head, as Hugging Face does when fine-tuning
    /// starts from a base model; those names are reported as initialised keys. Other unknown names are
    /// reported as unexpected keys.
    ///
    /// - Throws: ``StateDictError`` listing every missing encoder name and every shape mismatch
    ///   (expected and found); the model is unchanged when it throws.
    @discardableResult
    public func load(weights: [String: Tensor], source: String = "BertForSequenceClassification") throws -> BertWeightLoadReport {
        try BertWeightLoading.load(into: self, weights: weights, source: source, optionalPrefixes: ["classifier."]) { name in
            if name.hasPrefix("classifier.") { return name }
            let bare = name.hasPrefix("bert.") ? String(name.dropFirst(5)) : name
            return BertWeightLoading.ignoredBuffers.contains(bare) ? nil : "bert." + bare
        }
    }
}
