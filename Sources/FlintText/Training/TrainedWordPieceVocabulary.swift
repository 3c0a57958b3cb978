import Foundation
import Flint
import FlintSupport

/// A vocabulary learned by `WordPieceTrainer`: the tokens in id order, which it can write as a BERT model
/// folder's `vocab.txt` + `tokenizer_config.json` or turn into a ready `Tokenizer`.
public struct TrainedWordPieceVocabulary: Sendable, Equatable {
    /// The tokens; a token's id is its index.
    public let tokens: [String]
    /// The settings it was trained with (normalization, special tokens).
    public let settings: WordPieceTrainingSettings

    /// A vocabulary of `tokens` (index = id) trained with `settings`.
    public init(tokens: [String], settings: WordPieceTrainingSettings) {
        self.tokens = tokens
        self.settings = settings
    }

    /// Token → id (a repeated token keeps its first id).
    public var vocabulary: [String: Int] {
        Dictionary(tokens.enumerated().map { ($0.element, $0.offset) }, uniquingKeysWith: { first, _ in first })
    }

    /// The `vocab.txt` text: one token per line, in id order.
    public var vocabularyText: String { tokens.joined(separator: "\n") + "\n" }

    /// Writes `vocab.txt` and a `tokenizer_config.json` (BertTokenizer settings) into `folder` (created if
    /// needed), each atomically (``FlintSupport/AtomicFile``), so `Tokenizer.fromPretrained(folder)` and Hugging
    /// Face's `BertTokenizer` load it.
    ///
    /// - Parameter modelMaximumLength: the longest input the model takes, in tokens with `[CLS]` and `[SEP]`
    ///   (usually the model's `max_position_embeddings`), written as `model_max_length`. Without it
    ///   transformers assumes an unbounded length, so `tokenizer(text, truncation=True)` does not truncate and
    ///   a long text overflows the position embeddings; with it, that call truncates to this length, and
    ///   `Tokenizer.fromPretrained` reports it as `modelMaximumLength`.
    public func write(to folder: URL, modelMaximumLength: Int? = nil) throws {
        if let modelMaximumLength {
            require(modelMaximumLength > 0, "TrainedWordPieceVocabulary.write: modelMaximumLength must be positive, got \(modelMaximumLength)")
        }
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        try AtomicFile.write(Data(vocabularyText.utf8), to: folder.appendingPathComponent("vocab.txt"))
        var config: [String: Any] = [
            "tokenizer_class": "BertTokenizer",
            "do_lower_case": settings.lowercase,
            "tokenize_chinese_chars": settings.handleChineseCharacters,
            "strip_accents": settings.stripAccents.map { $0 as Any } ?? NSNull(),
            "unk_token": settings.unknownToken,
        ]
        let roles: [(key: String, token: String)] = [("pad_token", "[PAD]"), ("cls_token", "[CLS]"), ("sep_token", "[SEP]"),
                                                     ("mask_token", "[MASK]")]
        for role in roles where settings.specialTokens.contains(role.token) { config[role.key] = role.token }
        if let modelMaximumLength { config["model_max_length"] = modelMaximumLength }
        let data = try JSONSerialization.data(withJSONObject: config, options: [.prettyPrinted, .sortedKeys])
        try AtomicFile.write(data, to: folder.appendingPathComponent("tokenizer_config.json"))
    }

    /// A BERT tokenizer over this vocabulary: the training normalization, `BertPreTokenizer`, WordPiece
    /// (unknown token and prefix from the settings), `[CLS] … [SEP]` templates when both tokens exist, and the
    /// WordPiece decoder. Throws `TokenizerError.unknownToken` if the unknown token is not in the vocabulary.
    public func tokenizer() throws -> Tokenizer {
        let ids = vocabulary
        guard ids[settings.unknownToken] != nil else { throw TokenizerError.unknownToken(settings.unknownToken) }
        let model = try WordPieceModel(vocabulary: ids, unknownToken: settings.unknownToken,
                                       continuingSubwordPrefix: settings.continuingSubwordPrefix)
        let normalizer = BertNormalizer(cleanText: settings.cleanText, handleChineseCharacters: settings.handleChineseCharacters,
                                        stripAccents: settings.stripAccents, lowercase: settings.lowercase)
        var postProcessor: (any PostProcessor)?
        if let classifier = ids["[CLS]"], let separator = ids["[SEP]"] {
            postProcessor = TemplateProcessing.bert(classifier: ("[CLS]", classifier), separator: ("[SEP]", separator))
        }
        let addedTokens = settings.specialTokens.compactMap { token in ids[token].map { AddedToken(content: token, id: $0) } }
        return Tokenizer(normalizer: normalizer, preTokenizer: BertPreTokenizer(), model: model, postProcessor: postProcessor,
                         decoder: WordPieceDecoder(prefix: settings.continuingSubwordPrefix), addedTokens: addedTokens)
    }
}
