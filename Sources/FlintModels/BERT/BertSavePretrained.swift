import Foundation
import Flint
import FlintNN

/// `savePretrained` for the BERT family: a Hugging Face model folder that `fromPretrained` here and
/// transformers' `AutoModel…from_pretrained` / `AutoTokenizer.from_pretrained` load back —
/// - `config.json`: every ``BertConfiguration`` field, `architectures`, `id2label` / `label2id`,
///   `num_labels`, `problem_type` when set, `dtype` / `torch_dtype` "float32" and `transformers_version`;
/// - `model.safetensors`: the state dict under transformers' names (`bert.embeddings.word_embeddings.weight`,
///   …, `classifier.weight`), contiguous float32, metadata `{"format": "pt"}`;
/// - the tokenizer files of `tokenizerFrom` (a model folder, or a folder written by
///   `TrainedWordPieceVocabulary.write(to:)`): `tokenizer.json`, `tokenizer_config.json`, `vocab.txt`,
///   `special_tokens_map.json`, whichever it has.
///
/// The folder is written through ``ModelFolderWriter``: a crash leaves the old folder or the new one, never
/// a mix. Saving over the folder the model was loaded from is fine (the new files are complete before
/// the old ones go).
///
/// ```swift
/// let model = try BertForSequenceClassification.fromPretrained(base, labels: ["neg", "neu", "pos"])
/// // … train …
/// try model.savePretrained(to: URL(fileURLWithPath: "runs/sentiment"), tokenizerFrom: URL(fileURLWithPath: base))
/// ```
enum BertSavePretrained {
    /// The `transformers_version` written to `config.json`: the transformers release the folder was checked against.
    static let transformersVersion = "5.24.0"

    /// The tokenizer files copied from `tokenizerFrom`, when present.
    static let tokenizerFileNames = ["tokenizer.json", "tokenizer_config.json", "vocab.txt", "special_tokens_map.json"]

    /// `config.json` for `configuration` saved as `architecture`.
    static func configurationData(_ configuration: BertConfiguration, architecture: String, destination: URL) throws -> Data {
        var configuration = configuration
        configuration.architectures = [architecture]
        let names = configuration.labelNames
        if Set(names).count != names.count {
            throw FlintError.invalidArgument(operation: "savePretrained",
                message: "\(destination.path): id2label must name each label once for label2id, found \(names)")
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        var data = try encoder.encode(SavedConfiguration(configuration: configuration))
        data.append(UInt8(ascii: "\n"))
        return data
    }

    /// Writes the folder: config, weights (float32, contiguous), tokenizer files.
    static func save(stateDict: [String: Tensor], configuration: BertConfiguration, architecture: String,
                     to folder: URL, tokenizerFrom: URL?,
                     writingAlso additionalFiles: (inout ModelFolderWriter) throws -> Void = { _ in }) throws {
        let config = try configurationData(configuration, architecture: architecture, destination: folder)
        var tokenizerFiles: [String] = []
        if let tokenizerFrom {
            tokenizerFiles = tokenizerFileNames.filter { name in
                var isDirectory: ObjCBool = false
                return FileManager.default.fileExists(atPath: tokenizerFrom.appendingPathComponent(name).path, isDirectory: &isDirectory)
                    && !isDirectory.boolValue
            }
            guard tokenizerFiles.contains("tokenizer.json") || tokenizerFiles.contains("vocab.txt") else {
                throw HubError.missingFiles(folder: tokenizerFrom.path, lookedFor: ["tokenizer.json", "vocab.txt"])
            }
        }
        let weights = withNoGrad { stateDict.mapValues { $0.to(.float32).contiguous() } }
        var writer = try ModelFolderWriter(destination: folder)
        do {
            try writer.write(config, named: "config.json")
            try writer.writeSafeTensors(weights, metadata: ["format": "pt"])
            if let tokenizerFrom {
                for name in tokenizerFiles { try writer.copy(name, from: tokenizerFrom) }
            }
            try additionalFiles(&writer)
            try writer.commit()
        } catch {
            writer.discard()
            throw error
        }
    }

    /// ``BertConfiguration``'s keys plus those transformers writes for a saved model.
    struct SavedConfiguration: Encodable {
        let configuration: BertConfiguration

        enum ExtraKeys: String, CodingKey {
            case dtype, torchDtype = "torch_dtype", transformersVersion = "transformers_version"
        }

        func encode(to encoder: Encoder) throws {
            try configuration.encode(to: encoder)
            var extra = encoder.container(keyedBy: ExtraKeys.self)
            try extra.encode("float32", forKey: .dtype)
            try extra.encode("float32", forKey: .torchDtype)
            try extra.encode(BertSavePretrained.transformersVersion, forKey: .transformersVersion)
        }
    }
}

extension BertForSequenceClassification {
    /// Writes a Hugging Face model folder (`config.json`, `model.safetensors`, tokenizer files) that
    /// ``fromPretrained(_:revision:labels:problemType:)``, the text-classification pipeline and Python's
    /// `AutoModelForSequenceClassification` / `AutoTokenizer` load; see ``BertModel/savePretrained(to:tokenizerFrom:)``.
    ///
    /// - Parameters:
    ///   - folder: the model folder; created, or replaced whole (atomically; entries the save does not
    ///     write, such as `checkpoint-N/`, are kept).
    ///   - tokenizerFrom: a folder whose tokenizer files are copied (a model folder, or one written by
    ///     `TrainedWordPieceVocabulary.write(to:)`); nil writes no tokenizer.
    /// - Throws: ``HubError/missingFiles(folder:lookedFor:)`` when `tokenizerFrom` has neither
    ///   `tokenizer.json` nor `vocab.txt`; ``Flint/FlintError`` naming the path when a write fails (the
    ///   old folder is then untouched).
    public func savePretrained(to folder: URL, tokenizerFrom: URL? = nil) throws {
        try BertSavePretrained.save(stateDict: stateDict(), configuration: configuration,
                                    architecture: "BertForSequenceClassification", to: folder, tokenizerFrom: tokenizerFrom)
    }

    /// ``savePretrained(to:tokenizerFrom:)`` that also writes files of the caller into the same atomic
    /// folder before it is committed — a Trainer's checkpoint adds its optimizer, scheduler, RNG and
    /// trainer state this way, so a checkpoint is complete or absent, never half-written.
    public func savePretrained(to folder: URL, tokenizerFrom: URL? = nil,
                               writingAlso additionalFiles: (inout ModelFolderWriter) throws -> Void) throws {
        try BertSavePretrained.save(stateDict: stateDict(), configuration: configuration,
                                    architecture: "BertForSequenceClassification", to: folder, tokenizerFrom: tokenizerFrom,
                                    writingAlso: additionalFiles)
    }
}

extension BertModel {
    /// Writes a Hugging Face model folder for the bare encoder: `config.json` (architectures
    /// ["BertModel"]), `model.safetensors` under transformers' `BertModel` names (`embeddings.…`,
    /// `encoder.layer.N.…`, `pooler.…` when the model has a pooler) and the tokenizer files of
    /// `tokenizerFrom`. The folder is written atomically, as in
    /// ``BertForSequenceClassification/savePretrained(to:tokenizerFrom:)``.
    public func savePretrained(to folder: URL, tokenizerFrom: URL? = nil) throws {
        try BertSavePretrained.save(stateDict: stateDict(), configuration: configuration,
                                    architecture: "BertModel", to: folder, tokenizerFrom: tokenizerFrom)
    }
}
