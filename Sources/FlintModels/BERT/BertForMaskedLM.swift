import Foundation
import Flint
import FlintNN

/// BERT with the masked-language-model head (`transformers.BertForMaskedLM`), for pre-training an
/// encoder from scratch: the encoder without pooler (`add_pooling_layer=False`) and
/// ``BertLMPredictionHead`` whose decoder weight is the encoder's word-embedding table (tied: one
/// Tensor, whose gradient sums the embedding lookup's and the decoder's).
///
/// State-dict keys: `bert.embeddings.*`, `bert.encoder.layer.N.*`,
/// `cls.predictions.transform.dense.{weight,bias}`, `cls.predictions.transform.LayerNorm.{weight,bias}`,
/// `cls.predictions.bias` — transformers' names minus the tied `cls.predictions.decoder.{weight,bias}`,
/// which `save_pretrained` leaves out too, so a saved folder loads in Python as `BertForMaskedLM`.
///
/// The training loss is cross entropy over the masked positions only (labels −100 elsewhere, as
/// `DataCollatorForLanguageModeling` makes them); ``loss(inputIds:attentionMask:tokenTypeIds:labels:)``
/// gathers those positions' hidden states before the head, so the [rows, vocab] logits are formed for
/// about 15% of the tokens instead of all of them.
public final class BertForMaskedLM: Module, UnaryLayer {
    /// The label value of positions that are not predicted.
    public static let ignoredLabel = -100

    /// The hyper-parameters.
    public let configuration: BertConfiguration
    /// The encoder, without pooler (checkpoint prefix `bert.`).
    public let bert: BertModel
    /// The head (checkpoint prefix `cls.`).
    public let cls: BertOnlyMLMHead

    /// A freshly initialised model (Hugging Face's initialisation, from the default generator).
    ///
    /// - Throws: ``FlintError`` for an unsupported `hidden_act`.
    public init(configuration: BertConfiguration) throws {
        self.configuration = configuration
        bert = try BertModel(configuration: configuration, addPoolingLayer: false, randomlyInitialized: true)
        cls = try BertOnlyMLMHead(configuration: configuration)
        super.init()
    }

    /// The checkpoint layout.
    public override var directMembers: [ModuleMember] {
        [.child(name: "bert", module: bert), .child(name: "cls", module: cls)]
    }

    /// The decoder weight: the word-embedding table [vocab, H] itself.
    public var decoderWeight: Tensor { bert.embeddings.wordEmbeddings.weight }

    /// Logits [B, T, vocab] at every position (arguments as
    /// ``BertModel/callAsFunction(inputIds:attentionMask:tokenTypeIds:)``).
    public func callAsFunction(inputIds: Tensor, attentionMask: Tensor? = nil, tokenTypeIds: Tensor? = nil) -> Tensor {
        let hidden = bert(inputIds: inputIds, attentionMask: attentionMask, tokenTypeIds: tokenTypeIds).lastHiddenState
        return cls.predictions(hidden, decoderWeight: decoderWeight)
    }

    /// Logits at every position for unpadded `input` ids.
    public func forward(_ input: Tensor) -> Tensor {
        self(inputIds: input)
    }

    /// The masked-language-model loss: mean cross entropy of the head's logits against `labels` over
    /// the positions whose label is not ``ignoredLabel`` (−100) —
    ///
    ///     ℓ = (1/|M|) Σ_{(b,t) ∈ M} (logsumexp(z_bt) − z_bt[labels_bt]),   M = {(b, t) : labels_bt ≠ −100},
    ///
    /// equal to `crossEntropy(logits.view(-1, V), labels.view(-1), ignore_index=-100)` of the full
    /// logits, but only the rows in M go through the head.
    ///
    /// - Parameter labels: [B, T] int64 (or int32): the original token id at predicted positions, −100
    ///   elsewhere; at least one position must be predicted.
    /// - Throws: ``FlintError/invalidArgument(operation:message:)`` when the labels' shape differs from the
    ///   input ids', a label is outside `0..<vocab_size` and not −100, or no position is predicted.
    public func loss(inputIds: Tensor, attentionMask: Tensor? = nil, tokenTypeIds: Tensor? = nil, labels: Tensor) throws -> Tensor {
        func fail(_ message: String) -> FlintError { .invalidArgument(operation: "BertForMaskedLM.loss", message: message) }
        guard labels.shape == inputIds.shape else { throw fail("labels \(labels.shape) must match input ids \(inputIds.shape)") }
        let values = labels.toIntArray()
        var positions: [Int] = []
        var targets: [Int] = []
        positions.reserveCapacity(values.count / 4)
        for (index, label) in values.enumerated() where label != Self.ignoredLabel {
            guard label >= 0 && label < configuration.vocabularySize else {
                throw fail("label \(label) at flat position \(index) is outside 0..<\(configuration.vocabularySize) and not -100")
            }
            positions.append(index)
            targets.append(label)
        }
        guard !positions.isEmpty else { throw fail("no position of labels \(labels.shape) is predicted (all -100)") }
        let hidden = bert(inputIds: inputIds, attentionMask: attentionMask, tokenTypeIds: tokenTypeIds).lastHiddenState
        let rows = hidden.reshaped([-1, configuration.hiddenSize])
            .indexSelect(axis: 0, indices: Tensor(integers: positions, shape: [positions.count]))
        let logits = cls.predictions(rows, decoderWeight: decoderWeight)
        return try crossEntropy(logits: logits, targets: Tensor(integers: targets, shape: [targets.count]),
                            ignoreIndex: Self.ignoredLabel)
    }

    /// Copies checkpoint weights into the model, in place.
    ///
    /// Encoder names may come with or without the `bert.` prefix. The tied
    /// `cls.predictions.decoder.weight` / `.bias` are ignored (the model reads the word embeddings and
    /// `cls.predictions.bias`); a checkpoint without `cls.*` (an encoder) keeps the initialised head,
    /// reported as initialised keys. Other names (`bert.pooler.*`, `classifier.*`, …) are reported as
    /// unexpected.
    ///
    /// - Throws: ``StateDictError`` listing every missing encoder name and every shape mismatch; the
    ///   model is unchanged when it throws.
    @discardableResult
    public func load(weights: [String: Tensor], source: String = "BertForMaskedLM") throws -> BertWeightLoadReport {
        try BertWeightLoading.load(into: self, weights: weights, source: source, optionalPrefixes: ["cls."]) { name in
            if name.hasPrefix("cls.predictions.decoder.") { return nil }
            if name.hasPrefix("cls.") { return name }
            let bare = name.hasPrefix("bert.") ? String(name.dropFirst(5)) : name
            return BertWeightLoading.ignoredBuffers.contains(bare) ? nil : "bert." + bare
        }
    }

    /// Writes a Hugging Face model folder (`config.json` with architectures ["BertForMaskedLM"],
    /// `model.safetensors` under the names above, the tokenizer files of `tokenizerFrom`), atomically,
    /// as ``BertForSequenceClassification/savePretrained(to:tokenizerFrom:)`` does.
    public func savePretrained(to folder: URL, tokenizerFrom: URL? = nil) throws {
        try BertSavePretrained.save(stateDict: stateDict(), configuration: configuration,
                                    architecture: "BertForMaskedLM", to: folder, tokenizerFrom: tokenizerFrom)
    }
}
