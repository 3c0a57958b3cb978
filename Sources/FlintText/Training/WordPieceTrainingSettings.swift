/// The options of `WordPieceTrainer`, named after Hugging Face's `WordPieceTrainer` /
/// `BertWordPieceTokenizer.train` arguments.
public struct WordPieceTrainingSettings: Sendable, Equatable {
    /// The size of the vocabulary to learn, special tokens and alphabet included (`vocab_size`). As in Hugging
    /// Face, merging stops at this size, but the special tokens, the alphabet and the `##x` continuation symbols
    /// are always kept, so a tiny size can be exceeded.
    public var vocabularySize: Int
    /// A pair must occur at least this often (weighted by word counts) to be merged (`min_frequency`).
    public var minimumFrequency: Int
    /// Special tokens, given the first ids in this order (`special_tokens`).
    public var specialTokens: [String]
    /// Keep at most this many distinct characters, the most frequent ones (`limit_alphabet`); nil keeps all.
    public var limitAlphabet: Int?
    /// Characters kept in the alphabet whatever their frequency (`initial_alphabet`).
    public var initialAlphabet: [Unicode.Scalar]
    /// The prefix of tokens that continue a word (`continuing_subword_prefix`).
    public var continuingSubwordPrefix: String
    /// The unknown token (must be one of `specialTokens` for the trained tokenizer to use it).
    public var unknownToken: String
    /// BERT normalizer: lowercase (`lowercase` / `do_lower_case`).
    public var lowercase: Bool
    /// BERT normalizer: strip accents (nil follows `lowercase`).
    public var stripAccents: Bool?
    /// BERT normalizer: put spaces around CJK ideographs so each is a word of its own (`handle_chinese_chars`).
    public var handleChineseCharacters: Bool
    /// BERT normalizer: drop control characters, map whitespace to spaces (`clean_text`).
    public var cleanText: Bool

    /// Settings; the defaults are `BertWordPieceTokenizer.train`'s (vocabulary 30,000, minimum frequency 2,
    /// alphabet limited to 1,000 characters, `[PAD] [UNK] [CLS] [SEP] [MASK]`, `##`, uncased BERT normalization).
    public init(vocabularySize: Int = 30_000, minimumFrequency: Int = 2,
                specialTokens: [String] = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"], limitAlphabet: Int? = 1000,
                initialAlphabet: [Unicode.Scalar] = [], continuingSubwordPrefix: String = "##", unknownToken: String = "[UNK]",
                lowercase: Bool = true, stripAccents: Bool? = nil, handleChineseCharacters: Bool = true, cleanText: Bool = true) {
        self.vocabularySize = vocabularySize
        self.minimumFrequency = minimumFrequency
        self.specialTokens = specialTokens
        self.limitAlphabet = limitAlphabet
        self.initialAlphabet = initialAlphabet
        self.continuingSubwordPrefix = continuingSubwordPrefix
        self.unknownToken = unknownToken
        self.lowercase = lowercase
        self.stripAccents = stripAccents
        self.handleChineseCharacters = handleChineseCharacters
        self.cleanText = cleanText
    }
}
