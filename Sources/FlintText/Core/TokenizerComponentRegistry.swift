/// Builds tokenizer components from their `tokenizer.json` objects by their `"type"`.
///
/// To support a new component, add one `case` to the matching switch (see `TokenizerComponents.swift`).
/// Unknown types throw `TokenizerError.unsupportedComponent` naming the type and the field.
public enum TokenizerComponentRegistry {
    /// The `"type"` of a component object.
    static func type(of json: JSONObject) throws -> String {
        try json.string("type")
    }

    static func unsupported(_ json: JSONObject, _ type: String) -> TokenizerError {
        .unsupportedComponent(path: json.path, field: json.field, type: type)
    }

    /// A normalizer (`normalizer` field).
    public static func normalizer(from json: JSONObject) throws -> any Normalizer {
        let type = try type(of: json)
        switch type {
        case "BertNormalizer": return try BertNormalizer(json: json)
        case "Lowercase": return LowercaseNormalizer()
        case "StripAccents": return StripAccentsNormalizer()
        case "NFD": return NFDNormalizer()
        case "Sequence": return try NormalizerSequence(json: json)
        case "NFC": return NFCNormalizer()
        case "Prepend": return try PrependNormalizer(json: json)
        case "Replace": return try ReplaceNormalizer(json: json)
        default: throw unsupported(json, type)
        }
    }

    /// A pre-tokenizer (`pre_tokenizer` field).
    public static func preTokenizer(from json: JSONObject) throws -> any PreTokenizer {
        let type = try type(of: json)
        switch type {
        case "BertPreTokenizer": return BertPreTokenizer()
        case "Whitespace": return WhitespacePreTokenizer()
        case "WhitespaceSplit": return WhitespaceSplitPreTokenizer()
        case "ByteLevel": return try ByteLevelPreTokenizer(json: json)
        case "Split": return try SplitPreTokenizer(json: json)
        case "Digits": return try DigitsPreTokenizer(json: json)
        case "Sequence": return try PreTokenizerSequence(json: json)
        case "Metaspace": return try MetaspacePreTokenizer(json: json)
        default: throw unsupported(json, type)
        }
    }

    /// A model (`model` field). Old files may omit `"type"`; it is then inferred from the fields.
    public static func model(from json: JSONObject) throws -> any TokenizerModel {
        var type = try json.optionalString("type")
        if type == nil {
            if json.has("merges") { type = "BPE" }
            else if json.has("max_input_chars_per_word") || json.has("continuing_subword_prefix") { type = "WordPiece" }
            else { throw json.mismatch("type", expected: "a model type (WordPiece, BPE, …)") }
        }
        switch type! {
        case "WordPiece": return try WordPieceModel(json: json)
        case "BPE": return try BytePairEncodingModel(json: json)
        default: throw unsupported(json, type!)
        }
    }

    /// A post-processor (`post_processor` field).
    public static func postProcessor(from json: JSONObject) throws -> any PostProcessor {
        let type = try type(of: json)
        switch type {
        case "TemplateProcessing": return try TemplateProcessing(json: json)
        case "BertProcessing": return try BertProcessing(json: json)
        case "ByteLevel": return try ByteLevelPostProcessor(json: json)
        case "Sequence": return try PostProcessorSequence(json: json)
        default: throw unsupported(json, type)
        }
    }

    /// A decoder (`decoder` field).
    public static func decoder(from json: JSONObject) throws -> any TokenDecoder {
        let type = try type(of: json)
        switch type {
        case "WordPiece": return try WordPieceDecoder(json: json)
        case "ByteLevel": return try ByteLevelDecoder(json: json)
        case "Replace": return try ReplaceDecoder(json: json)
        case "ByteFallback": return try ByteFallbackDecoder(json: json)
        case "Fuse": return try FuseDecoder(json: json)
        case "Strip": return try StripDecoder(json: json)
        case "Metaspace": return try MetaspaceDecoder(json: json)
        case "Sequence": return try DecoderSequence(json: json)
        default: throw unsupported(json, type)
        }
    }
}
