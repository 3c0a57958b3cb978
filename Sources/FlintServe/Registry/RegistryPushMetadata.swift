import Foundation

/// What a push records beyond the files: metrics, the training run and the training data hash.
///
/// ``ModelRegistry/push(name:folder:metadata:progress:)`` reads these from the folder
/// (``discovered(in:)``) and lays the values given by the caller over them.
public struct RegistryPushMetadata: Sendable, Equatable {
    /// Metric name → value.
    public var metrics: [String: Double]
    /// The training run (a run name or output directory).
    public var trainingRun: String?
    /// The SHA-256 of the training data.
    public var dataSHA256: String?

    /// Metadata with the given values (all empty by default).
    public init(metrics: [String: Double] = [:], trainingRun: String? = nil, dataSHA256: String? = nil) {
        self.metrics = metrics
        self.trainingRun = trainingRun
        self.dataSHA256 = dataSHA256
    }

    /// What the files of a model folder tell, each file optional:
    /// - metrics: the numeric values of `all_results.json`, `eval_results.json` and `test_results.json`
    ///   (later files win; `flint finetune` writes `test_results.json`), plus `best_metric` from
    ///   `trainer_state.json`, or when the folder has none, from the newest `checkpoint-N/trainer_state.json`
    ///   (the Trainer saves its state only in checkpoints);
    /// - training run: `training_args.json` `run_name`, else `output_dir`;
    /// - data hash: `training_data.json` `data_sha256` (written by `flint finetune`).
    ///
    /// Throws ``RegistryError/invalidFolder(path:reason:)`` naming a file that is present but not the
    /// JSON expected.
    public static func discovered(in folder: URL) throws -> RegistryPushMetadata {
        var metadata = RegistryPushMetadata()
        for name in ["all_results.json", "eval_results.json", "test_results.json"] {
            guard let values = try decodeIfPresent([String: LooseNumber].self, name, in: folder) else { continue }
            for (key, value) in values { if let number = value.value { metadata.metrics[key] = number } }
        }
        if let state = try decodeIfPresent(TrainerStateFields.self, "trainer_state.json", in: folder)
            ?? latestCheckpointState(in: folder), let best = state.bestMetric {
            metadata.metrics["best_metric"] = best
        }
        if let arguments = try decodeIfPresent(TrainingArgumentFields.self, "training_args.json", in: folder) {
            metadata.trainingRun = arguments.runName ?? arguments.outputDirectory
        }
        if let data = try decodeIfPresent(TrainingDataFields.self, "training_data.json", in: folder) {
            metadata.dataSHA256 = data.dataSHA256
        }
        return metadata
    }

    /// These values laid over `base`: metrics merged (these win), other fields where set here.
    public func overriding(_ base: RegistryPushMetadata) -> RegistryPushMetadata {
        RegistryPushMetadata(metrics: base.metrics.merging(metrics) { $1 },
                             trainingRun: trainingRun ?? base.trainingRun,
                             dataSHA256: dataSHA256 ?? base.dataSHA256)
    }

    /// The state in the highest-numbered `checkpoint-N/` of `folder`, if any.
    static func latestCheckpointState(in folder: URL) throws -> TrainerStateFields? {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
        let newest = names.filter(RegistryFileSystem.isTrainingByProduct).compactMap { name -> (Int, String)? in
            Int(name.dropFirst("checkpoint-".count)).map { ($0, name) }
        }.max { $0.0 < $1.0 }
        guard let newest else { return nil }
        return try decodeIfPresent(TrainerStateFields.self, newest.1 + "/trainer_state.json", in: folder)
    }

    /// Decodes `folder/name` when the file exists.
    static func decodeIfPresent<Value: Decodable>(_ type: Value.Type, _ name: String, in folder: URL) throws -> Value? {
        let url = folder.appendingPathComponent(name)
        guard FileManager.default.fileExists(atPath: url.path) else { return nil }
        let data: Data
        do {
            data = try Data(contentsOf: url)
        } catch {
            throw RegistryError.invalidFolder(path: url.path, reason: "unreadable: \(error.localizedDescription)")
        }
        do {
            return try JSONDecoder().decode(Value.self, from: data)
        } catch {
            throw RegistryError.invalidFolder(path: url.path, reason: "not the JSON expected (\(Self.describe(error)))")
        }
    }

    /// A short description of a decoding error (the field and what was wrong).
    static func describe(_ error: Error) -> String {
        switch error as? DecodingError {
        case .typeMismatch(let type, let context):
            return "field '\(context.codingPath.map(\.stringValue).joined(separator: "."))': expected \(type)"
        case .valueNotFound(let type, let context):
            return "field '\(context.codingPath.map(\.stringValue).joined(separator: "."))': expected \(type), found null"
        case .keyNotFound(let key, _):
            return "missing field '\(key.stringValue)'"
        case .dataCorrupted(let context):
            return context.debugDescription
        default:
            return "\(error)"
        }
    }

    /// A JSON value kept when it is a number, dropped otherwise.
    struct LooseNumber: Decodable {
        let value: Double?
        init(from decoder: Decoder) throws {
            value = try? decoder.singleValueContainer().decode(Double.self)
        }
    }

    struct TrainerStateFields: Decodable {
        let bestMetric: Double?
        enum CodingKeys: String, CodingKey { case bestMetric = "best_metric" }
    }

    struct TrainingArgumentFields: Decodable {
        let runName: String?
        let outputDirectory: String?
        enum CodingKeys: String, CodingKey { case runName = "run_name", outputDirectory = "output_dir" }
    }

    struct TrainingDataFields: Decodable {
        let dataSHA256: String?
        enum CodingKeys: String, CodingKey { case dataSHA256 = "data_sha256" }
    }
}
