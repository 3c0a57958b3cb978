import Foundation
import Testing
@testable import FlintText

/// The hand-written GPT-2 and Llama-3 / Qwen2 pattern matchers agree with the general regular-expression engine,
/// and the Split / Digits pre-tokenizers cut as Hugging Face does.
@Suite struct BytePairEncodingPatternTests {
    static let samples: [String] = [
        "Hello world", "It's 3:45 pm; we've got 12,345 things.", "I'LL BE THERE, YOU'RE LATE", "'s'S'x 'll'LL're",
        "   many   spaces   ", "line one\nline two\r\n\r\nline three\n\n\nend", "tabs\tand\t\ttabs", "\n\n  \n", " ", "",
        "Café naïve e\u{301}", "Emoji 😀😃 🎉 👍🏽 ❤️ 🇫🇷 👨‍👩‍👧‍👦", "中文分词测试：我爱自然语言处理。", "日本語のテキスト 한국어",
        "1234567890 3.14159 -17 $19.99 ١٢٣ ½", "def f(x):\n    return x ** 2  # square", "!!!??? ... --- ***\n\n",
        "a\u{00a0}b\u{2003}c\u{3000}d\u{200b}e", " \"quoted\" 'single'", "x  \n  y", "\r\n", " !\n\n", "\t\tword",
    ]

    /// Random strings over an alphabet that exercises every branch of the patterns.
    static func randomStrings(count: Int, seed: UInt64) -> [String] {
        let alphabet: [Unicode.Scalar] = ["a", "B", "é", "中", "1", "٣", "½", " ", " ", "\t", "\n", "\r", "'", "s", "t", "r",
                                          "e", "v", "l", "L", "d", "M", "!", ".", "😀", "\u{00a0}", "\u{301}", "-", "\u{3000}"]
        var state = seed
        func next() -> Int {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Int(truncatingIfNeeded: state >> 33)
        }
        return (0..<count).map { _ in
            var view = String.UnicodeScalarView()
            for _ in 0..<(next() % 24) { view.append(alphabet[next() % alphabet.count]) }
            return String(view)
        }
    }

    static func pieces(_ pattern: SplitPattern, _ text: String) -> [String] {
        let values = text.unicodeScalars.map(\.value)
        let ranges = values.withUnsafeBufferPointer { pattern.matches(in: $0) }
        return ranges.map { range in
            var view = String.UnicodeScalarView()
            for value in values[range] { view.append(Unicode.Scalar(value)!) }
            return String(view)
        }
    }

    @Test(arguments: [SplitPattern.gpt2Source, SplitPattern.llama3Source, SplitPattern.qwen2Source])
    func handWrittenMatcherAgreesWithRegularExpression(source: String) throws {
        let fast = try SplitPattern(regularExpression: source)
        let general = try SplitPattern.generalRegularExpression(source)
        #expect(fast.isHandWritten)
        #expect(!general.isHandWritten)
        for text in Self.samples + Self.randomStrings(count: 3000, seed: 7) {
            #expect(Self.pieces(fast, text) == Self.pieces(general, text), "\(text.debugDescription)")
        }
    }

    @Test func gpt2PatternHandDerived() {
        #expect(Self.pieces(.gpt2, "It's  a test!!\n") == ["It", "'s", " ", " a", " test", "!!", "\n"])
        #expect(Self.pieces(.gpt2, "I'LL 123abc") == ["I", "'", "LL", " 123", "abc"])
    }

    @Test func llama3PatternHandDerived() throws {
        let pattern = try SplitPattern(regularExpression: SplitPattern.llama3Source)
        #expect(Self.pieces(pattern, "I'LL pay 12345\n\n  now!\n") == ["I", "'LL", " pay", " ", "123", "45", "\n\n", " ", " now", "!\n"])
        // (?i:'s) matches the long s (Oniguruma folds ſ to s): tokenizers 0.23 splits "x'ſa" as x 'ſ a.
        #expect(Self.pieces(pattern, "x'ſa x'Ka") == ["x", "'ſ", "a", " x", "'Ka"])
        let qwen = try SplitPattern(regularExpression: SplitPattern.qwen2Source)
        #expect(Self.pieces(qwen, "x 123") == ["x", " ", "1", "2", "3"])
    }

    @Test func unknownPatternRunsThroughRegularExpression() throws {
        let pattern = try SplitPattern(regularExpression: #"\p{N}+|[a-z]+"#)
        #expect(!pattern.isHandWritten)
        #expect(Self.pieces(pattern, "ab12 cd😀3") == ["ab", "12", "cd", "3"])
        #expect(throws: TokenizerError.self) { try SplitPattern(regularExpression: "(unclosed") }
    }

    static func preTokenize(_ preTokenizer: any PreTokenizer, _ text: String) -> [String] {
        var pieces = PreTokenizedText(text: NormalizedText(original: text.unicodeScalars))
        preTokenizer.preTokenize(&pieces)
        return pieces.splits.map { String(String.UnicodeScalarView(pieces.text.scalars[$0])) }
    }

    @Test func splitBehaviorsMatchHuggingFace() {
        // Reference: tokenizers.pre_tokenizers.Split(" ", behavior).pre_tokenize_str("a  b c") (tokenizers 0.23).
        let text = "a  b c"
        let space = SplitPattern(literal: " ")
        let expected: [(SplitDelimiterBehavior, Bool, [String])] = [
            (.removed, false, ["a", "b", "c"]),
            (.isolated, false, ["a", " ", " ", "b", " ", "c"]),
            (.mergedWithPrevious, false, ["a ", " ", "b ", "c"]),
            (.mergedWithNext, false, ["a", " ", " b", " c"]),
            (.contiguous, false, ["a", "  ", "b", " ", "c"]),
            (.removed, true, [" ", " ", " "]),
            (.isolated, true, ["a", " ", " ", "b", " ", "c"]),
            (.mergedWithPrevious, true, ["a", " ", " b", " c"]),
            (.mergedWithNext, true, ["a ", " ", "b ", "c"]),
            (.contiguous, true, ["a", "  ", "b", " ", "c"]),
        ]
        for (behavior, invert, pieces) in expected {
            let splitter = SplitPreTokenizer(pattern: space, behavior: behavior, invert: invert)
            #expect(Self.preTokenize(splitter, text) == pieces, "\(behavior) invert \(invert)")
        }
    }

    @Test func digitsIndividualAndContiguous() {
        #expect(Self.preTokenize(DigitsPreTokenizer(individualDigits: true), "ab123c٣4") == ["ab", "1", "2", "3", "c", "٣", "4"])
        #expect(Self.preTokenize(DigitsPreTokenizer(individualDigits: false), "ab123c٣4") == ["ab", "123", "c", "٣4"])
    }

    @Test func byteLevelPreTokenizerSpellsBytesAndKeepsAlignment() {
        var pieces = PreTokenizedText(text: NormalizedText(original: "é 😀".unicodeScalars))
        ByteLevelPreTokenizer(addPrefixSpace: true, useRegex: true).preTokenize(&pieces)
        let words = pieces.splits.map { String(String.UnicodeScalarView(pieces.text.scalars[$0])) }
        #expect(words == ["ĠÃ©", "ĠðŁĺĢ"])
        // Every byte of 😀 points at the whole emoji (scalar 2 of the original).
        #expect(pieces.splits.map { pieces.text.originRange(of: $0) } == [0..<1, 1..<3])
        #expect(Array(pieces.text.originStart[pieces.splits[1]]) == [1, 2, 2, 2, 2])
    }

    @Test func byteLevelPrefixSpaceMatchesHuggingFace() throws {
        // Reference: tokenizers 0.23 ByteLevel(add_prefix_space=True).pre_tokenize_str(text).
        let expected: [(String, [(String, Range<Int>)])] = [
            ("Hello world", [("ĠHello", 0..<5), ("Ġworld", 5..<11)]),
            (" leading", [("Ġleading", 0..<8)]),
            ("\n\nx", [("ĠĊ", 0..<1), ("Ċ", 1..<2), ("x", 2..<3)]),
            ("1", [("Ġ1", 0..<1)]),
            ("é😀", [("ĠÃ©", 0..<1), ("ðŁĺĢ", 1..<2)]),
        ]
        for (text, pieces) in expected {
            var split = PreTokenizedText(text: NormalizedText(original: text.unicodeScalars))
            ByteLevelPreTokenizer(addPrefixSpace: true, useRegex: true).preTokenize(&split)
            let found = split.splits.map { (String(String.UnicodeScalarView(split.text.scalars[$0])), split.text.originRange(of: $0)) }
            #expect(found.map(\.0) == pieces.map(\.0), "\(text.debugDescription)")
            #expect(found.map(\.1) == pieces.map(\.1), "\(text.debugDescription)")
        }
        // The prefix goes in front of every piece of an earlier split (Hugging Face: Sequence[Split(\p{P},
        // isolated), ByteLevel(add_prefix_space=True, use_regex=False)] on "a.b c" gives Ġa Ġ. ĠbĠc).
        let sequence = PreTokenizerSequence([
            SplitPreTokenizer(pattern: try SplitPattern(regularExpression: #"\p{P}"#), behavior: .isolated),
            ByteLevelPreTokenizer(addPrefixSpace: true, useRegex: false),
        ])
        #expect(Self.preTokenize(sequence, "a.b c") == ["Ġa", "Ġ.", "ĠbĠc"])
    }

    @Test func matchersAgreeWithOniguruma() throws {
        // Reference: tokenizers 0.23 (Oniguruma) on 400 random strings (scripts/fixtures/make_pattern_fixture.py).
        let url = try #require(Bundle.module.url(forResource: "Fixtures/bpe_pattern_reference", withExtension: "json"))
        let root = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any])
        // Code points: Foundation's JSONSerialization on Linux drops a U+FEFF that starts a string.
        let codePoints = try #require(root["texts_as_code_points"] as? [[UInt32]])
        let texts = codePoints.map { String(String.UnicodeScalarView($0.map { Unicode.Scalar($0)! })) }
        let splits = try #require(root["splits"] as? [String: [[[Int]]]])
        let patterns: [(String, SplitPattern)] = [
            ("gpt2", .gpt2), ("llama3", try SplitPattern(regularExpression: SplitPattern.llama3Source)),
            ("qwen2", try SplitPattern(regularExpression: SplitPattern.qwen2Source)),
        ]
        for (name, pattern) in patterns {
            let expected = try #require(splits[name])
            #expect(expected.count == texts.count)
            for (text, pieces) in zip(texts, expected) {
                let values = text.unicodeScalars.map(\.value)
                let found = values.withUnsafeBufferPointer { pattern.matches(in: $0) }
                #expect(found == pieces.map { $0[0]..<$0[1] }, "\(name): \(text.debugDescription)")
            }
        }
    }
}
