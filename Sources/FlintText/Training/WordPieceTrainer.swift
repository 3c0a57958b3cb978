import Foundation

/// Learns a WordPiece vocabulary from a corpus, the way Hugging Face's `WordPieceTrainer` does: the texts are
/// normalized and split as BERT does (`BertNormalizer` with the settings' lowercase / accents / CJK options,
/// then `BertPreTokenizer`), words are counted, and BPE merges are learned over the words with `##` marking
/// the symbols that continue a word (see `BytePairMergeLearner`); the vocabulary is the special tokens, the
/// alphabet, the `##x` continuation characters and the merge results, in that order of ids.
///
/// With CJK splitting on, every ideograph is a word of its own, so every ideograph of the corpus that survives
/// `limitAlphabet` is in the vocabulary and encodes without `[UNK]`.
///
/// ```swift
/// var trainer = WordPieceTrainer(settings: WordPieceTrainingSettings(vocabularySize: 8000))
/// trainer.feed(sentences)
/// let vocabulary = trainer.train()
/// try vocabulary.write(to: folder)            // vocab.txt + tokenizer_config.json
/// let tokenizer = try vocabulary.tokenizer()  // or Tokenizer.fromPretrained(folder)
/// ```
public struct WordPieceTrainer: Sendable {
    /// The training options.
    public let settings: WordPieceTrainingSettings
    /// How often each word (pre-token) occurs in the texts fed so far.
    public private(set) var wordCounts: [String: Int] = [:]
    private let normalizer: BertNormalizer
    private let preTokenizer = BertPreTokenizer()

    /// A trainer with `settings`.
    public init(settings: WordPieceTrainingSettings = WordPieceTrainingSettings()) {
        self.settings = settings
        normalizer = BertNormalizer(cleanText: settings.cleanText, handleChineseCharacters: settings.handleChineseCharacters,
                                    stripAccents: settings.stripAccents, lowercase: settings.lowercase)
    }

    /// Counts the words of `texts` (may be called several times).
    public mutating func feed<Texts: Sequence>(_ texts: Texts) where Texts.Element == String {
        for text in texts {
            var normalized = NormalizedText(original: text.unicodeScalars)
            normalizer.normalize(&normalized)
            var pieces = PreTokenizedText(text: normalized)
            preTokenizer.preTokenize(&pieces)
            for split in pieces.splits {
                var view = String.UnicodeScalarView()
                view.append(contentsOf: pieces.text.scalars[split])
                wordCounts[String(view), default: 0] += 1
            }
        }
    }

    /// Learns the vocabulary from the words fed so far.
    public func train() -> TrainedWordPieceVocabulary {
        var learner = BytePairMergeLearner(vocabularySize: settings.vocabularySize, minimumFrequency: settings.minimumFrequency,
                                           limitAlphabet: settings.limitAlphabet, initialAlphabet: settings.initialAlphabet,
                                           continuingSubwordPrefix: settings.continuingSubwordPrefix)
        learner.learn(wordCounts: wordCounts, specialTokens: settings.specialTokens)
        return TrainedWordPieceVocabulary(tokens: learner.tokens, settings: settings)
    }

    /// Feeds `corpus` to a new trainer and trains it.
    public static func train<Texts: Sequence>(corpus: Texts, settings: WordPieceTrainingSettings = WordPieceTrainingSettings())
        -> TrainedWordPieceVocabulary where Texts.Element == String {
        var trainer = WordPieceTrainer(settings: settings)
        trainer.feed(corpus)
        return trainer.train()
    }
}
