import Foundation
import Flint

/// `fromPretrained` for the BERT family: a folder path or an `ORG/NAME` id in the Hugging Face cache
/// (see ``ModelFolder``), with `config.json` and weights from `model.safetensors` (memory-mapped, also
/// sharded) or `pytorch_model.bin`. The names follow transformers' `from_pretrained`; like it, trainable
/// models come back in evaluation mode (dropout off): call `train()` before fine-tuning.
extension BertEncoder {
    /// The inference engine of a BERT-family model folder (heads included when the checkpoint has them).
    public static func fromPretrained(_ location: String, revision: String? = nil) throws -> BertEncoder {
        let folder = try ModelFolder(location, revision: revision)
        return try BertEncoder(configuration: folder.configuration().decode(BertConfiguration.self),
                               weights: folder.loadWeights())
    }
}

extension BertModel {
    /// A trainable `BertModel` with the weights of a model folder.
    public static func fromPretrained(_ location: String, revision: String? = nil,
                                      addPoolingLayer: Bool = true) throws -> BertModel {
        let folder = try ModelFolder(location, revision: revision)
        return try BertModel(configuration: folder.configuration().decode(BertConfiguration.self),
                             weights: folder.loadWeights(), addPoolingLayer: addPoolingLayer,
                             source: folder.url.path).eval()
    }
}

extension BertForSequenceClassification {
    /// A trainable classifier from a model folder. Given `labels`, the head gets that many outputs and those
    /// names (`num_labels` / `id2label`, as in `from_pretrained(dir, num_labels=…, id2label=…)`); a head
    /// the checkpoint lacks — or whose size differs from `labels` — starts from the initialiser, as in
    /// transformers when fine-tuning a base model.
    public static func fromPretrained(_ location: String, revision: String? = nil, labels: [String]? = nil,
                                      problemType: String? = nil) throws -> BertForSequenceClassification {
        let folder = try ModelFolder(location, revision: revision)
        var configuration = try folder.configuration().decode(BertConfiguration.self)
        var weights = try folder.loadWeights()
        if let labels {
            if labels.count != configuration.labelCount {
                weights["classifier.weight"] = nil
                weights["classifier.bias"] = nil
            }
            configuration.labelCount = labels.count
            configuration.idToLabel = Dictionary(uniqueKeysWithValues: labels.enumerated().map { ($0.offset, $0.element) })
        }
        if let problemType { configuration.problemType = problemType }
        if !configuration.architectures.contains("BertForSequenceClassification") {
            configuration.architectures = ["BertForSequenceClassification"]
        }
        return try BertForSequenceClassification(configuration: configuration, weights: weights, source: folder.url.path).eval()
    }
}

extension SentenceTransformer {
    /// A trainable sentence-transformers model (encoder + pooling + normalisation) from a model folder.
    public static func fromPretrained(_ location: String, revision: String? = nil) throws -> SentenceTransformer {
        let folder = try ModelFolder(location, revision: revision)
        let bert = try BertModel(configuration: folder.configuration().decode(BertConfiguration.self),
                                 weights: folder.loadWeights(), addPoolingLayer: false, source: folder.url.path)
        let sentence = try SentenceTransformerConfiguration.load(from: folder.url)
        let dimension = sentence.pooling.embeddingDimension
        guard dimension == bert.configuration.hiddenSize else {
            throw FlintError.invalidFile(path: folder.fileURL("1_Pooling/config.json").path, field: "word_embedding_dimension",
                                         expected: "the model's hidden_size \(bert.configuration.hiddenSize)", found: "\(dimension)")
        }
        return SentenceTransformer(bert: bert, sentenceConfiguration: sentence).eval()
    }
}
