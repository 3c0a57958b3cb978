import Foundation

/// Everything the registry records about one pushed version of a model.
public struct RegistryVersion: Codable, Sendable, Equatable {
    /// The model name.
    public let name: String
    /// The version number (1, 2, 3… per name, never reused).
    public let version: Int
    /// When it was pushed, ISO-8601 UTC (`2026-11-29T16:55:33Z`).
    public let createdAt: String
    /// The folder or GGUF file it was pushed from (absolute path).
    public let sourcePath: String
    /// The total size of its files in bytes.
    public let totalBytes: Int64
    /// `text-classification` (a classification head in `config.json` `architectures`) or `feature-extraction`
    /// for a folder; `text-generation` for a GGUF file.
    public let task: String
    /// Class names by index, from `config.json` `id2label`, when present.
    public let labels: [String]?
    /// Metrics recorded at push time (`test_results.json`, `eval_results.json`, `all_results.json`,
    /// `trainer_state.json` `best_metric`, and any given to the push).
    public let metrics: [String: Double]
    /// The training run (`training_args.json` `run_name`, else `output_dir`), when known.
    public let trainingRun: String?
    /// The SHA-256 of the training data (`training_data.json` `data_sha256`), when known.
    public let dataSHA256: String?
    /// Aliases pointing at this version, sorted.
    public let aliases: [String]
    /// The version's folder in the registry.
    public let folder: URL
    /// Every file, sorted by path.
    public let files: [RegistryFile]
    /// A model folder or a GGUF file.
    public let format: RegistryModelFormat
    /// For a GGUF file: architecture, parameters, quantization, context length, tokenizer (from its header).
    public let gguf: RegistryGGUFDescription?

    /// The GGUF file to load, for a ``RegistryModelFormat/gguf`` version.
    public var modelFile: URL? { gguf.map { folder.appendingPathComponent($0.file) } }

    /// `NAME@VERSION`.
    public var reference: String { "\(name)@\(version)" }

    /// A version record.
    public init(name: String, version: Int, createdAt: String, sourcePath: String, totalBytes: Int64, task: String,
                labels: [String]?, metrics: [String: Double], trainingRun: String?, dataSHA256: String?,
                aliases: [String], folder: URL, files: [RegistryFile], format: RegistryModelFormat = .huggingFace,
                gguf: RegistryGGUFDescription? = nil) {
        self.name = name
        self.version = version
        self.createdAt = createdAt
        self.sourcePath = sourcePath
        self.totalBytes = totalBytes
        self.task = task
        self.labels = labels
        self.metrics = metrics
        self.trainingRun = trainingRun
        self.dataSHA256 = dataSHA256
        self.aliases = aliases
        self.folder = folder
        self.files = files
        self.format = format
        self.gguf = gguf
    }

    enum CodingKeys: String, CodingKey {
        case name, version, createdAt = "created_at", sourcePath = "source_path", totalBytes = "total_bytes", task, labels
        case metrics, trainingRun = "training_run", dataSHA256 = "data_sha256", aliases, folder, files
        case format, gguf
    }

    /// Decodes the JSON form (``encode(to:)``).
    public init(from decoder: Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        name = try container.decode(String.self, forKey: .name)
        version = try container.decode(Int.self, forKey: .version)
        createdAt = try container.decode(String.self, forKey: .createdAt)
        sourcePath = try container.decode(String.self, forKey: .sourcePath)
        totalBytes = try container.decode(Int64.self, forKey: .totalBytes)
        task = try container.decode(String.self, forKey: .task)
        labels = try container.decodeIfPresent([String].self, forKey: .labels)
        metrics = try container.decode([String: Double].self, forKey: .metrics)
        trainingRun = try container.decodeIfPresent(String.self, forKey: .trainingRun)
        dataSHA256 = try container.decodeIfPresent(String.self, forKey: .dataSHA256)
        aliases = try container.decode([String].self, forKey: .aliases)
        folder = URL(fileURLWithPath: try container.decode(String.self, forKey: .folder), isDirectory: true)
        files = try container.decode([RegistryFile].self, forKey: .files)
        format = try container.decodeIfPresent(RegistryModelFormat.self, forKey: .format) ?? .huggingFace
        gguf = try container.decodeIfPresent(RegistryGGUFDescription.self, forKey: .gguf)
    }

    /// The JSON form (`flint registry show --json`): snake_case keys, the folder as a path, absent
    /// optional values as null; `format` (`huggingface` or `gguf`) and `gguf` (null for folders).
    public func encode(to encoder: Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(name, forKey: .name)
        try container.encode(version, forKey: .version)
        try container.encode(createdAt, forKey: .createdAt)
        try container.encode(sourcePath, forKey: .sourcePath)
        try container.encode(totalBytes, forKey: .totalBytes)
        try container.encode(task, forKey: .task)
        try container.encode(labels, forKey: .labels)
        try container.encode(metrics, forKey: .metrics)
        try container.encode(trainingRun, forKey: .trainingRun)
        try container.encode(dataSHA256, forKey: .dataSHA256)
        try container.encode(aliases, forKey: .aliases)
        try container.encode(folder.path, forKey: .folder)
        try container.encode(files, forKey: .files)
        try container.encode(format, forKey: .format)
        try container.encode(gguf, forKey: .gguf)
    }
}
