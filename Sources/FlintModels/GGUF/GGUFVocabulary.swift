import Flint
import FlintText

/// Reads the tokenizer vocabulary of a GGUF file (the `tokenizer.ggml.*` metadata) into FlintText's
/// `GGMLVocabulary`, checking each key's type, and builds the llama.cpp-compatible `GGMLTokenizer` from it.
///
/// ```swift
/// let file = try GGUFFile(path: "SmolLM2-135M-Instruct.Q4_1.gguf")
/// let tokenizer = try GGUFVocabulary.tokenizer(file.header)
/// tokenizer.encode("<|im_start|>user\nHi<|im_end|>", addSpecial: true, parseSpecial: true)  // [1, 4093, 198, 26843, 2]
/// ```
///
/// Keys: `model` (STRING `gpt2` or `llama`, required), `pre` (STRING), `tokens` (ARRAY of STRING, required),
/// `token_type` (ARRAY of integers 0–6), `scores` (ARRAY of FLOAT32 or INT32), `merges` (ARRAY of STRING, required
/// for `gpt2`), the ids `bos_token_id`, `eos_token_id`, `unknown_token_id`, `padding_token_id`, `eot_token_id`,
/// `eom_token_id`, `fim_{pre,suf,mid,pad,rep,sep}_token_id` (non-negative integers), and the flags
/// `add_bos_token`, `add_eos_token`, `add_space_prefix` (BOOL); also `general.name` and `general.architecture` (STRING),
/// by which llama.cpp picks whitespace stripping around some special tokens. Lengths and id ranges are checked by
/// `GGMLTokenizer.init`, which names the key too.
public enum GGUFVocabulary {
    /// The vocabulary stored in `header`.
    ///
    /// - Throws: ``FlintError/invalidFile(path:field:expected:found:)`` naming the key when it is missing, has
    ///   the wrong type, or an unsupported value; ``FlintError/missingEntry(path:name:)`` for a missing required key.
    public static func read(_ header: GGUFHeader) throws -> GGMLVocabulary {
        typealias Key = GGMLVocabulary.Key
        func invalid(_ key: String, _ expected: String, _ value: GGUFMetadataValue) -> FlintError {
            FlintError.invalidFile(path: header.path, field: "metadata \"\(key)\"", expected: expected, found: GGUFHeader.describe(value))
        }
        func string(_ key: String) throws -> String? {
            guard let value = header.metadata[key] else { return nil }
            guard let text = value.stringValue else { throw invalid(key, "a STRING", value) }
            return text
        }
        func strings(_ key: String) throws -> [String]? {
            guard let value = header.metadata[key] else { return nil }
            guard let array = value.arrayValue, let texts = array.strings else { throw invalid(key, "an ARRAY of STRING", value) }
            return texts
        }
        func flag(_ key: String) throws -> Bool? {
            guard let value = header.metadata[key] else { return nil }
            guard let flag = value.boolValue else { throw invalid(key, "a BOOL", value) }
            return flag
        }
        func id(_ key: String) throws -> Int? {
            guard let value = header.metadata[key] else { return nil }
            guard let id = value.integerValue, id >= 0 else { throw invalid(key, "a token id (an integer ≥ 0)", value) }
            return id
        }

        guard let modelName = try string(Key.model) else {
            throw FlintError.missingEntry(path: header.path, name: "metadata \"\(Key.model)\" (the file has no tokenizer)")
        }
        guard let model = GGMLVocabulary.Model(rawValue: modelName) else {
            throw invalid(Key.model, "\"gpt2\" or \"llama\" (the tokenizers Flint implements)", .string(modelName))
        }
        guard let tokens = try strings(Key.tokens) else {
            throw FlintError.missingEntry(path: header.path, name: "metadata \"\(Key.tokens)\"")
        }

        var tokenTypes: [GGMLVocabulary.TokenType]?
        if let value = header.metadata[Key.tokenTypes] {
            guard let codes = value.arrayValue?.integers else { throw invalid(Key.tokenTypes, "an ARRAY of INT32", value) }
            var types = [GGMLVocabulary.TokenType]()
            types.reserveCapacity(codes.count)
            for (index, code) in codes.enumerated() {
                guard let type = Int32(exactly: code).flatMap(GGMLVocabulary.TokenType.init(rawValue:)) else {
                    throw FlintError.invalidFile(path: header.path, field: "metadata \"\(Key.tokenTypes)\"[\(index)]",
                                                 expected: "a token type 0–6 (normal 1, unknown 2, control 3, user-defined 4, unused 5, byte 6)",
                                                 found: "\(code)")
                }
                types.append(type)
            }
            tokenTypes = types
        }

        var scores: [Float]?
        if let value = header.metadata[Key.scores] {
            switch value.arrayValue {
            case let .float32(values)?: scores = values
            case let .float64(values)?: scores = values.map { Float($0) }
            case let .int32(values)?: scores = values.map { Float($0) }
            default: throw invalid(Key.scores, "an ARRAY of FLOAT32 or INT32", value)
            }
        }

        var merges = [String]()
        if model == .gpt2 {
            guard let lines = try strings(Key.merges) else {
                throw FlintError.missingEntry(path: header.path, name: "metadata \"\(Key.merges)\" (a gpt2 tokenizer needs its merges)")
            }
            merges = lines
        }

        let fillInMiddle = GGMLVocabulary.FillInMiddleIds(
            prefix: try id(Key.fillInMiddlePrefixId) ?? id("tokenizer.ggml.prefix_token_id"),
            suffix: try id(Key.fillInMiddleSuffixId) ?? id("tokenizer.ggml.suffix_token_id"),
            middle: try id(Key.fillInMiddleMiddleId) ?? id("tokenizer.ggml.middle_token_id"),
            padding: try id(Key.fillInMiddlePaddingId),
            repository: try id(Key.fillInMiddleRepositoryId),
            separator: try id(Key.fillInMiddleSeparatorId))

        return GGMLVocabulary(
            source: header.path, model: model, preTokenizer: try string(Key.preTokenizer), tokens: tokens, tokenTypes: tokenTypes,
            scores: scores, merges: merges, bosId: try id(Key.bosId), eosId: try id(Key.eosId), unknownId: try id(Key.unknownId),
            paddingId: try id(Key.paddingId), eotId: try id(Key.eotId), eomId: try id(Key.eomId), fillInMiddleIds: fillInMiddle,
            addBOS: try flag(Key.addBOS), addEOS: try flag(Key.addEOS), addSpacePrefix: try flag(Key.addSpacePrefix),
            modelName: try string(Key.modelName), architecture: try string(Key.architecture))
    }

    /// The llama.cpp-compatible tokenizer of `header`'s vocabulary.
    ///
    /// - Throws: the errors of `read(_:)` and of `GGMLTokenizer.init(vocabulary:)` (inconsistent lengths, ids
    ///   out of range, an unknown pre-tokenizer, invalid merges), each naming the file and key.
    public static func tokenizer(_ header: GGUFHeader) throws -> GGMLTokenizer {
        try GGMLTokenizer(vocabulary: read(header))
    }
}
