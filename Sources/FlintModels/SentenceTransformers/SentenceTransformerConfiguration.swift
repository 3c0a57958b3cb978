import Foundation
import Flint

/// How a sentence-transformers folder turns token ids into sentence embeddings: its `modules.json`
/// pipeline (Transformer → Pooling → optional Normalize), `sentence_bert_config.json`
/// (`max_seq_length`, `do_lower_case`) and `1_Pooling/config.json`.
public struct SentenceTransformerConfiguration: Sendable, Equatable {
    /// The pipeline stages in order.
    public var modules: [SentenceTransformerModuleEntry]
    /// The longest input the model is fed, in tokens (`max_seq_length`), if set.
    public var maximumSequenceLength: Int?
    /// Whether text is lower-cased before tokenising (`do_lower_case`).
    public var doLowerCase: Bool
    /// The pooling stage.
    public var pooling: SentencePooling
    /// Whether a Normalize stage follows the pooling (embeddings of unit L2 norm).
    public var normalizes: Bool

    /// A configuration from its parts.
    public init(modules: [SentenceTransformerModuleEntry] = [], maximumSequenceLength: Int? = nil, doLowerCase: Bool = false,
                pooling: SentencePooling, normalizes: Bool) {
        self.modules = modules
        self.maximumSequenceLength = maximumSequenceLength
        self.doLowerCase = doLowerCase
        self.pooling = pooling
        self.normalizes = normalizes
    }

    /// Reads the configuration of the sentence-transformers model in `folder`.
    ///
    /// - Throws: ``FlintError`` naming the file and field when `modules.json` is missing or
    ///   malformed, a stage has a type Flint cannot run (only Transformer, Pooling and Normalize
    ///   are supported), the pipeline is not Transformer → Pooling (→ Normalize), or a stage's
    ///   configuration is invalid.
    public static func load(from folder: URL) throws -> SentenceTransformerConfiguration {
        let modulesURL = folder.appendingPathComponent("modules.json")
        guard let list = try SentenceTransformerJSON.value(at: modulesURL) as? [Any] else {
            throw FlintError.invalidFile(path: modulesURL.path, field: "top level", expected: "a JSON array of modules",
                                         found: "another JSON value")
        }
        var modules: [SentenceTransformerModuleEntry] = []
        for (position, item) in list.enumerated() {
            guard let entry = item as? [String: Any] else {
                throw FlintError.invalidFile(path: modulesURL.path, field: "module \(position)", expected: "a JSON object",
                                             found: SentenceTransformerJSON.describe(item))
            }
            guard let type = entry["type"] as? String else {
                throw FlintError.invalidFile(path: modulesURL.path, field: "module \(position) type", expected: "a class name",
                                             found: SentenceTransformerJSON.describe(entry["type"]))
            }
            let className = String(type.split(separator: ".").last ?? "")
            guard let kind = SentenceTransformerModuleEntry.Kind(rawValue: className) else {
                throw FlintError.invalidFile(path: modulesURL.path, field: "module \(position) type",
                    expected: "sentence_transformers.models.Transformer, Pooling or Normalize", found: "\"\(type)\"")
            }
            modules.append(SentenceTransformerModuleEntry(
                index: (entry["idx"] as? NSNumber)?.intValue ?? position, name: entry["name"] as? String ?? "\(position)",
                path: entry["path"] as? String ?? "", type: type, kind: kind))
        }
        let kinds = modules.map(\.kind)
        guard kinds == [.transformer, .pooling] || kinds == [.transformer, .pooling, .normalize] else {
            throw FlintError.invalidFile(path: modulesURL.path, field: "modules",
                expected: "Transformer, Pooling and optionally Normalize, in that order",
                found: kinds.map(\.rawValue).joined(separator: ", "))
        }
        // The Transformer stage's settings live in its folder (usually the model folder itself).
        let transformerFolder = modules[0].path.isEmpty ? folder : folder.appendingPathComponent(modules[0].path)
        var maximumSequenceLength: Int? = nil
        var doLowerCase = false
        let settingsURL = transformerFolder.appendingPathComponent("sentence_bert_config.json")
        if FileManager.default.fileExists(atPath: settingsURL.path) {
            let settings = try SentenceTransformerJSON.object(at: settingsURL)
            if let value = settings["max_seq_length"], !(value is NSNull) {
                guard let number = value as? NSNumber, number.intValue > 0, !(value is Bool) else {
                    throw FlintError.invalidFile(path: settingsURL.path, field: "max_seq_length", expected: "a positive integer",
                                                 found: SentenceTransformerJSON.describe(value))
                }
                maximumSequenceLength = number.intValue
            }
            if let value = settings["do_lower_case"] {
                guard let flag = value as? Bool else {
                    throw FlintError.invalidFile(path: settingsURL.path, field: "do_lower_case", expected: "true or false",
                                                 found: SentenceTransformerJSON.describe(value))
                }
                doLowerCase = flag
            }
        }
        let poolingURL = folder.appendingPathComponent(modules[1].path).appendingPathComponent("config.json")
        let pooling = try SentencePooling.load(from: poolingURL)
        return SentenceTransformerConfiguration(modules: modules, maximumSequenceLength: maximumSequenceLength,
                                                doLowerCase: doLowerCase, pooling: pooling, normalizes: kinds.count == 3)
    }
}
