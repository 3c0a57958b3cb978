import Flint
import FlintSupport
import Foundation

/// What `flint inspect` prints about a GGUF file: the model's shape, its tensor types, its tokenizer and
/// chat template, and the metadata (as gguf-py's `gguf-dump` lists it).
public struct GGUFSummary: Sendable {
    /// One tensor type's share of the file.
    public struct TypeShare: Sendable, Equatable {
        public let type: GGMLType
        public let tensorCount: Int
        public let parameterCount: Int
        public let byteCount: Int
    }

    /// A special token named by the tokenizer metadata.
    public struct SpecialToken: Sendable, Equatable {
        /// The role: `bos`, `eos`, `unknown`, `padding`, `separator`, `mask`, `eot`, `eom`.
        public let role: String
        public let id: Int
        /// The token's text, when the id is inside the vocabulary.
        public let text: String?
    }

    public let path: String
    public let fileSize: Int
    public let version: UInt32
    public let alignment: Int
    public let dataOffset: Int
    public let tensorCount: Int
    public let architecture: String?
    public let name: String?
    /// `general.file_type` and llama.cpp's name for it (`MOSTLY_Q4_1`).
    public let fileType: (code: Int, name: String)?
    public let parameterCount: Int
    /// `<arch>.context_length`, `.block_count`, `.embedding_length`, `.feed_forward_length`,
    /// `.attention.head_count`, `.attention.head_count_kv`, `.rope.freq_base` where present.
    public let hyperparameters: [(key: String, value: String)]
    public let types: [TypeShare]
    public let tokenizerModel: String?
    public let preTokenizer: String?
    public let vocabularySize: Int?
    public let mergeCount: Int?
    public let addBOS: Bool?
    public let addEOS: Bool?
    public let specialTokens: [SpecialToken]
    /// The length of `tokenizer.chat_template` in characters, nil when the file has none.
    public let chatTemplateLength: Int?
    /// Every metadata pair, in file order: key, type (`ARRAY [STRING x 49152]`) and a short value.
    public let metadata: [(key: String, type: String, value: String)]

    /// Summarises a parsed header.
    public init(_ header: GGUFHeader) {
        path = header.path
        fileSize = header.fileSize
        version = header.version
        alignment = header.alignment
        dataOffset = header.dataOffset
        tensorCount = header.tensors.count
        let meta = header.metadata
        architecture = meta["general.architecture"]?.stringValue
        name = meta["general.name"]?.stringValue
        fileType = meta["general.file_type"]?.integerValue.map { ($0, GGUFSummary.fileTypeName($0)) }
        parameterCount = header.tensors.reduce(0) { $0 &+ $1.elementCount }

        var hyper = [(key: String, value: String)]()
        if let arch = architecture {
            for suffix in ["context_length", "block_count", "embedding_length", "feed_forward_length", "attention.head_count",
                           "attention.head_count_kv", "rope.dimension_count", "rope.freq_base", "attention.layer_norm_rms_epsilon",
                           "rope.scaling.type", "rope.scaling.factor", "vocab_size"] {
                if let value = meta["\(arch).\(suffix)"] { hyper.append((key: "\(arch).\(suffix)", value: GGUFSummary.render(value))) }
            }
        }
        hyperparameters = hyper

        var shares = [GGMLType: (Int, Int, Int)]()
        for tensor in header.tensors {
            let old = shares[tensor.type] ?? (0, 0, 0)
            shares[tensor.type] = (old.0 + 1, old.1 &+ tensor.elementCount, old.2 &+ tensor.byteCount)
        }
        types = shares.map { TypeShare(type: $0.key, tensorCount: $0.value.0, parameterCount: $0.value.1, byteCount: $0.value.2) }
            .sorted { $0.byteCount > $1.byteCount }

        tokenizerModel = meta["tokenizer.ggml.model"]?.stringValue
        preTokenizer = meta["tokenizer.ggml.pre"]?.stringValue
        let tokens = meta["tokenizer.ggml.tokens"]?.arrayValue?.strings
        vocabularySize = tokens?.count
        mergeCount = meta["tokenizer.ggml.merges"]?.arrayValue?.count
        addBOS = meta["tokenizer.ggml.add_bos_token"]?.boolValue
        addEOS = meta["tokenizer.ggml.add_eos_token"]?.boolValue
        var special = [SpecialToken]()
        for (role, key) in [("bos", "bos_token_id"), ("eos", "eos_token_id"), ("eot", "eot_token_id"), ("eom", "eom_token_id"),
                            ("unknown", "unknown_token_id"), ("padding", "padding_token_id"), ("separator", "seperator_token_id"),
                            ("separator", "separator_token_id"), ("mask", "mask_token_id")] {
            guard let id = meta["tokenizer.ggml.\(key)"]?.integerValue else { continue }
            let text = tokens.flatMap { id >= 0 && id < $0.count ? $0[id] : nil }
            special.append(SpecialToken(role: role, id: id, text: text))
        }
        specialTokens = special
        chatTemplateLength = meta["tokenizer.chat_template"]?.stringValue?.unicodeScalars.count

        metadata = header.metadataKeys.map { key in
            let value = meta[key]!
            if case let .array(array) = value {
                let preview = array.preview(limit: 5).joined(separator: ", ")
                return (key, "ARRAY [\(array.elementType) x \(array.count)]", "[\(preview)\(array.count > 5 ? ", …" : "")]")
            }
            return (key, value.type.description, GGUFSummary.render(value))
        }
    }

    /// A value as gguf-py's dump shows it (strings quoted and cut at 60 characters).
    static func render(_ value: GGUFMetadataValue) -> String {
        switch value {
        case let .string(text):
            let length = text.unicodeScalars.count
            return GGUFArray.quote(length > 60 ? String(String.UnicodeScalarView(text.unicodeScalars.prefix(60))) + "…" : text) + (length > 60 ? " (\(length) chars)" : "")
        case let .bool(flag): return flag ? "True" : "False"
        case let .float32(x): return "\(x)"
        case let .float64(x): return "\(x)"
        case let .array(array): return "[\(array.preview(limit: 5).joined(separator: ", "))]"
        default: return value.integerValue.map(String.init) ?? "\(value)"
        }
    }

    /// llama.cpp's name of a `general.file_type` code (`llama_ftype`).
    public static func fileTypeName(_ code: Int) -> String {
        let names: [Int: String] = [
            0: "ALL_F32", 1: "MOSTLY_F16", 2: "MOSTLY_Q4_0", 3: "MOSTLY_Q4_1", 7: "MOSTLY_Q8_0", 8: "MOSTLY_Q5_0",
            9: "MOSTLY_Q5_1", 10: "MOSTLY_Q2_K", 11: "MOSTLY_Q3_K_S", 12: "MOSTLY_Q3_K_M", 13: "MOSTLY_Q3_K_L",
            14: "MOSTLY_Q4_K_S", 15: "MOSTLY_Q4_K_M", 16: "MOSTLY_Q5_K_S", 17: "MOSTLY_Q5_K_M", 18: "MOSTLY_Q6_K",
            32: "MOSTLY_BF16",
        ]
        return names[code] ?? "type \(code)"
    }

    /// The human-readable report `flint inspect` prints.
    public var text: String {
        var lines = [String]()
        func mib(_ bytes: Int) -> String { String(format: "%.1f MiB", Double(bytes) / 1_048_576) }
        lines.append("\(path): GGUF v\(version), \(fileSize) bytes (\(mib(fileSize))), \(tensorCount) tensors, alignment \(alignment), data from byte \(dataOffset)")
        lines.append("architecture:    \(architecture ?? "(none)")\(name.map { "  (\($0))" } ?? "")")
        if let fileType { lines.append("file type:       \(fileType.name) (\(fileType.code))") }
        lines.append("parameters:      \(parameterCount) (\(String(format: "%.1f", Double(parameterCount) / 1e6)) M)")
        for (key, value) in hyperparameters { lines.append("  \(key) = \(value)") }
        lines.append("tensor types:")
        for share in types {
            lines.append("  " + share.type.name.padding(toLength: 6, withPad: " ", startingAt: 0)
                + String(format: " %5d tensors %12d params %12d bytes (%@)", share.tensorCount, share.parameterCount, share.byteCount, mib(share.byteCount)))
        }
        lines.append("tokenizer:       \(tokenizerModel ?? "(none)")\(preTokenizer.map { ", pre-tokenizer \($0)" } ?? "")"
            + "\(vocabularySize.map { ", \($0) tokens" } ?? "")\(mergeCount.map { ", \($0) merges" } ?? "")")
        if addBOS != nil || addEOS != nil {
            lines.append("  add_bos_token = \(addBOS.map { $0 ? "true" : "false" } ?? "-"), add_eos_token = \(addEOS.map { $0 ? "true" : "false" } ?? "-")")
        }
        for token in specialTokens {
            lines.append("  \(token.role) = \(token.id)\(token.text.map { " " + GGUFArray.quote($0) } ?? " (outside the vocabulary)")")
        }
        lines.append("chat template:   " + (chatTemplateLength.map { "yes (\($0) characters)" } ?? "no"))
        lines.append("metadata:")
        for entry in metadata {
            lines.append("  " + entry.key.padding(toLength: max(entry.key.count, 44), withPad: " ", startingAt: 0) + " "
                + entry.type.padding(toLength: max(entry.type.count, 8), withPad: " ", startingAt: 0) + " " + entry.value)
        }
        return lines.joined(separator: "\n")
    }

    /// The report as one JSON object (`flint inspect --json`).
    public var json: String {
        var fields: [(String, String)] = [
            ("path", JSONText.quoted(path)), ("file_size", JSONText.number(fileSize)), ("version", JSONText.number(version)),
            ("alignment", JSONText.number(alignment)), ("data_offset", JSONText.number(dataOffset)),
            ("tensor_count", JSONText.number(tensorCount)),
            ("architecture", architecture.map(JSONText.quoted) ?? "null"), ("name", name.map(JSONText.quoted) ?? "null"),
            ("file_type", fileType.map { JSONText.quoted($0.name) } ?? "null"),
            ("parameter_count", JSONText.number(parameterCount)),
        ]
        fields.append(("hyperparameters", JSONText.object(hyperparameters.map { entry -> (String, String) in
            let number = Double(entry.value)
            return (entry.key, number.map { JSONText.number($0) } ?? JSONText.quoted(entry.value))
        })))
        fields.append(("tensor_types", JSONText.array(types.map { share in
            JSONText.object([("type", JSONText.quoted(share.type.name)), ("tensors", JSONText.number(share.tensorCount)),
                             ("parameters", JSONText.number(share.parameterCount)), ("bytes", JSONText.number(share.byteCount))])
        })))
        var tokenizer: [(String, String)] = [
            ("model", tokenizerModel.map(JSONText.quoted) ?? "null"), ("pre", preTokenizer.map(JSONText.quoted) ?? "null"),
            ("vocabulary_size", vocabularySize.map { JSONText.number($0) } ?? "null"),
            ("merges", mergeCount.map { JSONText.number($0) } ?? "null"),
            ("add_bos_token", addBOS.map(JSONText.bool) ?? "null"), ("add_eos_token", addEOS.map(JSONText.bool) ?? "null"),
        ]
        tokenizer.append(("special_tokens", JSONText.array(specialTokens.map { token in
            JSONText.object([("role", JSONText.quoted(token.role)), ("id", JSONText.number(token.id)),
                             ("text", token.text.map(JSONText.quoted) ?? "null")])
        })))
        fields.append(("tokenizer", JSONText.object(tokenizer)))
        fields.append(("chat_template", JSONText.bool(chatTemplateLength != nil)))
        fields.append(("metadata", JSONText.array(metadata.map { entry in
            JSONText.object([("key", JSONText.quoted(entry.key)), ("type", JSONText.quoted(entry.type)), ("value", JSONText.quoted(entry.value))])
        })))
        return JSONText.object(fields)
    }
}
