import Foundation

/// What a served model does with its texts.
public enum ServedTask: String, Sendable, Equatable, Codable, CaseIterable {
    /// A `…ForSequenceClassification` folder: `/predict`, `/batch_predict`, `:predict`.
    case textClassification = "text-classification"
    /// An encoder (sentence-transformers folder or plain BERT): `/v1/embeddings`, `:predict`.
    case sentenceEmbedding = "sentence-embedding"
}

/// One name the server answers to, backed by one or more model versions (A/B variants).
///
/// In YAML either `source: REF` (one variant) or `variants: [{source: REF, weight: W}, …]`, where REF is
/// a folder path (it contains `/` or starts with `.` or `~`) or a registry reference `name`, `name@3` or
/// `name@production`. Weights are relative (90 and 10 send 90% and 10% of the requests).
public struct ModelSpecification: Sendable, Equatable, Codable {
    /// The name clients use (`"model"` in requests, `/v1/models/{name}`).
    public var name: String
    /// What the model does; when omitted, guessed from the folder (a classifier head → text-classification).
    public var task: ServedTask?
    /// The versions behind the name, with their traffic weights.
    public var variants: [Variant]
    /// Whether the server starts (and reloads) without this name while its registry reference does not exist yet
    /// — e.g. a model still training, pushed and aliased later, then picked up by `POST /admin/reload` or SIGHUP.
    /// Other errors (a broken folder, a reference that exists but cannot load) still stop the start.
    public var optional = false

    /// One version behind a served name.
    public struct Variant: Sendable, Equatable, Codable {
        /// A folder path or a registry reference.
        public var source: String
        /// Relative share of the traffic.
        public var weight: Double

        /// A variant.
        public init(source: String, weight: Double = 1) {
            self.source = source
            self.weight = weight
        }

        enum CodingKeys: String, CodingKey { case source, weight }

        /// Decodes `weight` as optional (default 1).
        public init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            source = try c.decode(String.self, forKey: .source)
            weight = try c.decodeIfPresent(Double.self, forKey: .weight) ?? 1
        }
    }

    /// A served name.
    public init(name: String, task: ServedTask? = nil, variants: [Variant]) {
        self.name = name
        self.task = task
        self.variants = variants
    }

    /// A served name with one source.
    public init(name: String, task: ServedTask? = nil, source: String) {
        self.init(name: name, task: task, variants: [Variant(source: source)])
    }

    enum CodingKeys: String, CodingKey { case name, task, source, variants, optional }

    /// Accepts `source` or `variants`.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        name = try c.decode(String.self, forKey: .name)
        task = try c.decodeIfPresent(ServedTask.self, forKey: .task)
        optional = try c.decodeIfPresent(Bool.self, forKey: .optional) ?? false
        if let source = try c.decodeIfPresent(String.self, forKey: .source) {
            variants = [Variant(source: source)]
            if c.contains(.variants) {
                throw DecodingError.dataCorruptedError(forKey: .variants, in: c,
                    debugDescription: "give either source or variants, not both")
            }
        } else {
            variants = try c.decodeIfPresent([Variant].self, forKey: .variants) ?? []
        }
    }

    /// Encodes `source` for one unit-weight variant, else `variants`.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(name, forKey: .name)
        try c.encodeIfPresent(task, forKey: .task)
        if optional { try c.encode(optional, forKey: .optional) }
        if variants.count == 1, variants[0].weight == 1 {
            try c.encode(variants[0].source, forKey: .source)
        } else {
            try c.encode(variants, forKey: .variants)
        }
    }

    /// Names: a letter or digit, then letters, digits, `.`, `_`, `-`; at most 64 characters.
    public static func isValidName(_ name: String) -> Bool {
        guard let first = name.unicodeScalars.first, name.unicodeScalars.count <= 64 else { return false }
        func ok(_ s: Unicode.Scalar) -> Bool { s.isASCII && (s.properties.isAlphabetic || ("0"..."9").contains(s)) }
        return ok(first) && name.unicodeScalars.allSatisfy { ok($0) || $0 == "." || $0 == "_" || $0 == "-" }
    }

    /// Whether `source` names a folder (rather than a registry reference).
    public static func isFolderPath(_ source: String) -> Bool {
        source.contains("/") || source.hasPrefix(".") || source.hasPrefix("~")
    }
}
