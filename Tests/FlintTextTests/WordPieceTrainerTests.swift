import Foundation
import Testing
@testable import FlintText

/// The WordPiece vocabulary trainer: hand-derived merges, size and frequency limits, alphabet limits,
/// determinism, coverage of a Chinese corpus, files that `Tokenizer.fromPretrained` loads, and agreement with
/// Hugging Face's `WordPieceTrainer` (tokenizers 0.23) on a small corpus.
@Suite struct WordPieceTrainerTests {
    static func settings(size: Int, minimumFrequency: Int = 0, limitAlphabet: Int? = nil,
                         specials: [String] = ["[UNK]"]) -> WordPieceTrainingSettings {
        WordPieceTrainingSettings(vocabularySize: size, minimumFrequency: minimumFrequency, specialTokens: specials,
                                  limitAlphabet: limitAlphabet)
    }

    @Test func handDerivedMerges() {
        // Words: "ab" ×3, "ac" ×1. Alphabet a b c; continuation symbols ##b ##c; pairs (a,##b)=3, (a,##c)=1.
        let corpus = ["ab AB ab ac"]
        #expect(WordPieceTrainer.train(corpus: corpus, settings: Self.settings(size: 100)).tokens
                == ["[UNK]", "a", "b", "c", "##b", "##c", "ab", "ac"])
        #expect(WordPieceTrainer.train(corpus: corpus, settings: Self.settings(size: 7)).tokens
                == ["[UNK]", "a", "b", "c", "##b", "##c", "ab"])
        #expect(WordPieceTrainer.train(corpus: corpus, settings: Self.settings(size: 100, minimumFrequency: 2)).tokens
                == ["[UNK]", "a", "b", "c", "##b", "##c", "ab"])
        // "abab": symbols a ##b ##a ##b (##b and ##a occur in one word each: code-point order gives ##a id 3,
        // ##b id 4). Pairs (a,##b) = ids (1,4), (##b,##a) = (4,3), (##a,##b) = (3,4), all count 1: the smallest
        // pair (1,4) merges first → "ab" [ab ##a ##b]; then (##a,##b)=(3,4) < (ab,##a)=(5,3) → "##ab".
        #expect(WordPieceTrainer.train(corpus: ["abab"], settings: Self.settings(size: 7)).tokens
                == ["[UNK]", "a", "b", "##a", "##b", "ab", "##ab"])
    }

    @Test func alphabetLimitKeepsTheMostFrequentCharacters() {
        // Counts: a 5, b 3, c 2, d 1 → with a limit of 2, a and b stay; c and d are dropped from the words.
        let vocabulary = WordPieceTrainer.train(corpus: ["aaaaa bbb cc d"], settings: Self.settings(size: 100, limitAlphabet: 2))
        #expect(Array(vocabulary.tokens.prefix(5)) == ["[UNK]", "a", "b", "##a", "##b"])
        #expect(!vocabulary.tokens.contains("c") && !vocabulary.tokens.contains("d") && !vocabulary.tokens.contains("##c"))
        // Degenerate settings give degenerate vocabularies, never a crash.
        #expect(WordPieceTrainer.train(corpus: ["abc"], settings: Self.settings(size: 100, limitAlphabet: -3)).tokens == ["[UNK]"])
        #expect(WordPieceTrainer.train(corpus: ["abc"], settings: Self.settings(size: -1)).tokens == ["[UNK]", "a", "b", "c", "##b", "##c"])
        #expect(WordPieceTrainer.train(corpus: [String](), settings: Self.settings(size: 10)).tokens == ["[UNK]"])
    }

    static let chineseCorpus: [String] = [
        "这家餐厅的菜很好吃，服务也很周到。", "电影太无聊了，我看了一半就走了。", "今天天气很好，我们去公园散步吧！",
        "这本书写得非常精彩，强烈推荐。", "质量太差了，用了两天就坏了，非常失望。", "快递很快，包装也很好，满意。",
        "服务员态度很差，再也不来了。", "非常好的体验，下次还会再来。", "价格便宜，质量不错，推荐购买。",
        "The food was great and the service was friendly.",
    ]

    @Test func chineseCorpusIsCoveredWithoutUnknownTokens() throws {
        let settings = WordPieceTrainingSettings(vocabularySize: 400, minimumFrequency: 2)
        let vocabulary = WordPieceTrainer.train(corpus: Self.chineseCorpus, settings: settings)
        #expect(Array(vocabulary.tokens.prefix(5)) == ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"])
        #expect(vocabulary.tokens.count <= 400)
        #expect(Set(vocabulary.tokens).count == vocabulary.tokens.count)
        let ideographs = Set(Self.chineseCorpus.joined().unicodeScalars.filter { (0x4E00...0x9FFF).contains($0.value) })
        for ideograph in ideographs { #expect(vocabulary.tokens.contains(String(ideograph)), "\(ideograph)") }
        let tokenizer = try vocabulary.tokenizer()
        let unknown = try #require(tokenizer.id(for: "[UNK]"))
        for text in Self.chineseCorpus {
            let encoding = tokenizer.encode(text)
            #expect(!encoding.ids.contains(unknown), "\(text)")
            #expect(encoding.tokens.first == "[CLS]" && encoding.tokens.last == "[SEP]")
        }
        // Each ideograph is its own token after BERT pre-tokenization.
        #expect(tokenizer.encode("很好", addSpecialTokens: false).tokens == ["很", "好"])
    }

    @Test func respectsTheSizeAndIsDeterministic() {
        let settings = WordPieceTrainingSettings(vocabularySize: 140, minimumFrequency: 0)
        let first = WordPieceTrainer.train(corpus: Self.chineseCorpus, settings: settings)
        let second = WordPieceTrainer.train(corpus: Self.chineseCorpus.reversed(), settings: settings)
        #expect(first.tokens.count == 140)
        #expect(first == second)
    }

    @Test func writtenFolderLoadsThroughFromPretrained() throws {
        let vocabulary = WordPieceTrainer.train(corpus: Self.chineseCorpus, settings: WordPieceTrainingSettings(vocabularySize: 300))
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("flint-wordpiece-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        try vocabulary.write(to: folder)
        let lines = try String(contentsOf: folder.appendingPathComponent("vocab.txt"), encoding: .utf8).split(separator: "\n")
        #expect(lines.map(String.init) == vocabulary.tokens)
        let loaded = try Tokenizer.fromPretrained(folder)
        let direct = try vocabulary.tokenizer()
        for text in Self.chineseCorpus + ["Café and 未知字 words"] {
            #expect(loaded.encode(text).ids == direct.encode(text).ids, "\(text)")
            #expect(loaded.encode(text).tokens == direct.encode(text).tokens)
        }
    }

    @Test func writtenFolderRecordsTheModelMaximumLength() throws {
        let vocabulary = WordPieceTrainer.train(corpus: Self.chineseCorpus, settings: WordPieceTrainingSettings(vocabularySize: 300))
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("flint-wordpiece-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        try vocabulary.write(to: folder, modelMaximumLength: 128)
        let data = try Data(contentsOf: folder.appendingPathComponent("tokenizer_config.json"))
        let config = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        #expect(config["model_max_length"] as? Int == 128)
        #expect(config["tokenize_chinese_chars"] as? Bool == true)
        #expect(try Tokenizer.fromPretrained(folder).modelMaximumLength == 128)
        // Without a length the key is absent (transformers then assumes no limit) and so is Flint's.
        try vocabulary.write(to: folder)
        let plain = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: folder.appendingPathComponent("tokenizer_config.json"))) as? [String: Any])
        #expect(plain["model_max_length"] == nil)
        #expect(try Tokenizer.fromPretrained(folder).modelMaximumLength == nil)
    }

    @Test func agreesWithHuggingFaceWordPieceTrainer() throws {
        let url = try #require(Bundle.module.url(forResource: "Fixtures/wordpiece_trainer_reference", withExtension: "json"))
        let root = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any])
        let corpus = try #require(root["corpus"] as? [String])
        let settings = try #require(root["settings"] as? [String: Any])
        let commonPrefix = try #require(root["common_id_prefix"] as? [String])
        let sizes = try #require(root["sizes"] as? [Int])
        let observedSets = try #require(root["distinct_vocabulary_sets"] as? [[String]]).map(Set.init)
        let vocabulary = WordPieceTrainer.train(corpus: corpus, settings: WordPieceTrainingSettings(
            vocabularySize: try #require(settings["vocabulary_size"] as? Int),
            minimumFrequency: try #require(settings["minimum_frequency"] as? Int),
            specialTokens: try #require(settings["special_tokens"] as? [String]),
            limitAlphabet: try #require(settings["limit_alphabet"] as? Int)))
        // Special tokens and the alphabet: same tokens with the same ids as every Hugging Face run.
        #expect(Array(vocabulary.tokens.prefix(commonPrefix.count)) == commonPrefix)
        #expect(sizes.contains(vocabulary.tokens.count))
        // Hugging Face breaks ties between equally frequent pairs by hash-map order, so its runs differ; Flint's
        // deterministic result is one of the vocabularies Hugging Face produced.
        #expect(observedSets.contains(Set(vocabulary.tokens)))
    }
}
