import Foundation
import Testing
@testable import FlintText

/// Byte-level BPE tokenizers loaded from tokenizer.json files made by Hugging Face `tokenizers` 0.23
/// (`scripts/fixtures/make_bpe_fixtures.py`): GPT-2 style, Llama-3 style (NFC + Split regex + ByteLevel) and
/// SmolLM style (Digits + ByteLevel), each with pair and legacy merges. Ids, tokens, offsets and decoded text
/// must equal the library's, and every text must round-trip.
@Suite struct BytePairEncodingFixtureTests {
    struct Case {
        var text: String
        var ids: [Int]
        var tokens: [String]
        var offsets: [Range<Int>]
        var decoded: String
        var decodedSkippingSpecial: String
    }

    static let styles = ["bpe_gpt2_style", "bpe_llama3_style", "bpe_smollm_style"]
    /// Files derived from bpe_llama3_style: `ignore_merges` + Sequence[ByteLevel, TemplateProcessing], and a
    /// GPT-4o-style Split pattern that runs through the general regular-expression engine.
    static let derived = ["bpe_llama3_full", "bpe_gpt4o_pattern"]
    /// SentencePiece-style BPE (byte fallback): Llama-2's normalizer/decoder chain, and a Metaspace pre-tokenizer.
    static let sentencePiece = ["bpe_llama2_style", "bpe_metaspace_style"]

    static func cases(_ style: String) throws -> [Case] {
        let url = try #require(Bundle.module.url(forResource: "Fixtures/bpe_reference", withExtension: "json"))
        let root = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any])
        let tokenizers = try #require(root["tokenizers"] as? [String: Any])
        let entry = try #require(tokenizers[style] as? [String: Any])
        let list = try #require(entry["cases"] as? [[String: Any]])
        return try list.map { item in
            let offsets = try #require(item["offsets"] as? [[Int]])
            return Case(text: try #require(item["text"] as? String), ids: try #require(item["ids"] as? [Int]),
                        tokens: try #require(item["tokens"] as? [String]), offsets: offsets.map { $0[0]..<$0[1] },
                        decoded: try #require(item["decoded"] as? String),
                        decodedSkippingSpecial: try #require(item["decoded_skip_special"] as? String))
        }
    }

    static func tokenizer(_ name: String) throws -> Tokenizer {
        let url = try #require(Bundle.module.url(forResource: "Fixtures/\(name)", withExtension: "json"))
        return try Tokenizer(contentsOf: url)
    }

    @Test(arguments: styles.flatMap { [$0, $0 + "_legacy"] } + derived + sentencePiece)
    func matchesHuggingFace(file: String) throws {
        let style = file.replacingOccurrences(of: "_legacy", with: "")
        let tokenizer = try Self.tokenizer(file)
        let cases = try Self.cases(style)
        #expect(cases.count >= 30)
        for reference in cases {
            let encoding = tokenizer.encode(reference.text)
            #expect(encoding.ids == reference.ids, "\(file): ids of \(reference.text.debugDescription)")
            #expect(encoding.tokens == reference.tokens, "\(file): tokens of \(reference.text.debugDescription)")
            #expect(encoding.offsets == reference.offsets, "\(file): offsets of \(reference.text.debugDescription)")
            #expect(tokenizer.decode(reference.ids, skipSpecialTokens: false) == reference.decoded,
                    "\(file): decode of \(reference.text.debugDescription)")
            #expect(tokenizer.decode(reference.ids, skipSpecialTokens: true) == reference.decodedSkippingSpecial,
                    "\(file): decode (skipping special tokens) of \(reference.text.debugDescription)")
        }
    }

    static let roundTripTexts: [String] = [
        "Emoji 😀😃 🎉 👍🏽 ❤️ 🇫🇷 👨‍👩‍👧‍👦 done", "中文分词测试：我爱自然语言处理。日本語のテキスト 한국어 문장",
        "e\u{301}\u{302} a\u{300} \u{1E0B}\u{323} combining", "windows\r\nline\r\n\r\nends", String(repeating: " ", count: 57) + "x" + String(repeating: " ", count: 33),
        "\t\t tabs \t", "zero\u{200B}width\u{200D}joiner\u{FEFF}", "\u{0}\u{1}\u{7F} controls", "<|im_start|>system\nYou are helpful.<|im_end|>",
        "𝔘𝔫𝔦𝔠𝔬𝔡𝔢 𝟙𝟚𝟛 ١٢٣٤٥", "unpaired ' quote's and 'LL", String(repeating: "abc", count: 400),
    ]

    @Test(arguments: styles + derived + sentencePiece)
    func decodeOfEncodeIsIdentity(style: String) throws {
        let tokenizer = try Self.tokenizer(style)
        let isSentencePiece = Self.sentencePiece.contains(style)
        for text in try Self.cases(style).map(\.text) + Self.roundTripTexts {
            // The Metaspace decoder drops the ▁ of the first token, so leading spaces cannot come back (nor do they
            // in Hugging Face: see the fixture's decoded " leading space").
            if style == "bpe_metaspace_style", text.unicodeScalars.first == " " { continue }
            let ids = tokenizer.encode(text).ids
            let normalizes = style != "bpe_gpt2_style" && style != "bpe_smollm_style" && !isSentencePiece
            var expected = normalizes ? text.precomposedStringWithCanonicalMapping : text
            if style == "bpe_llama3_full" { expected = "<|endoftext|>" + expected }
            // SentencePiece-style files add <s>: decode without it.
            let decoded = tokenizer.decode(ids, skipSpecialTokens: isSentencePiece)
            #expect(Array(decoded.unicodeScalars) == Array(expected.unicodeScalars), "\(style): \(text.debugDescription)")
        }
    }

    @Test func knownPatternsUseTheHandWrittenMatchers() throws {
        func splitPattern(_ name: String) throws -> SplitPattern {
            let sequence = try #require(try Self.tokenizer(name).preTokenizer as? PreTokenizerSequence)
            return try #require(sequence.preTokenizers.first as? SplitPreTokenizer).pattern
        }
        #expect(try splitPattern("bpe_llama3_style").isHandWritten)
        #expect(try !splitPattern("bpe_gpt4o_pattern").isHandWritten)
    }

    @Test func batchEncodingOnTwoThreadsMatchesOneByOne() throws {
        // Many distinct words through the shared word cache from both workers.
        let tokenizer = try Self.tokenizer("bpe_llama3_style")
        let texts = (0..<600).map { index in
            "sentence \(index): word\(index % 37)x \(String(repeating: "ab", count: index % 9)) 中文\(index) 😀 It's done"
        } + (try Self.cases("bpe_llama3_style").map(\.text))
        let batch = tokenizer.encodeBatch(texts)
        #expect(batch.count == texts.count)
        for (text, encoding) in zip(texts, batch) { #expect(encoding == tokenizer.encode(text), "\(text)") }
    }

    @Test func sequenceElementsFailNamingTheirField() throws {
        let url = try #require(Bundle.module.url(forResource: "Fixtures/bpe_llama3_full", withExtension: "json"))
        let original = try String(contentsOf: url, encoding: .utf8)
        func loadError(_ from: String, _ to: String) throws -> TokenizerError? {
            #expect(original.contains(from))
            do {
                _ = try Tokenizer(json: JSONObject(data: Data(original.replacingOccurrences(of: from, with: to).utf8), path: "edited.json"))
                return nil
            } catch let error as TokenizerError {
                return error
            }
        }
        // An unknown pre-tokenizer inside the Sequence.
        let unknown = try loadError("\"type\": \"Split\"", "\"type\": \"Mystery\"")
        #expect(unknown == .unsupportedComponent(path: "edited.json", field: "pre_tokenizer.pretokenizers[0]", type: "Mystery"))
        // Two post-processors that both add special tokens.
        let twoJoiners = try loadError("{\n    \"type\": \"ByteLevel\",\n    \"add_prefix_space\": true,\n    \"trim_offsets\": false",
                                       "{\n    \"type\": \"BertProcessing\", \"sep\": [\"<|im_end|>\", 2], \"cls\": [\"<|im_start|>\", 1],\n    \"add_prefix_space\": true,\n    \"trim_offsets\": false")
        guard case let .invalidFile(path, field, _, _)? = twoJoiners else {
            Issue.record("expected invalidFile, got \(String(describing: twoJoiners))")
            return
        }
        #expect(path == "edited.json")
        #expect(field == "post_processor.processors[1]")
    }

    @Test(arguments: ["bpe_llama3_full", "bpe_llama2_style", "bpe_metaspace_style"])
    func mutatedFilesThrowOrLoadButNeverCrash(file: String) throws {
        // Byte mutations of the component part (added tokens, normalizer, pre-tokenizer, post-processor, decoder,
        // model options) and of the first merges: each file either loads and encodes, or throws a TokenizerError.
        let url = try #require(Bundle.module.url(forResource: "Fixtures/\(file)", withExtension: "json"))
        let original = Array(try Data(contentsOf: url))
        let mergesStart = try #require(original.firstRange(of: Array("\"merges\"".utf8))?.lowerBound)
        let regions = [0..<2200, mergesStart..<min(original.count, mergesStart + 400)]
        let replacements = Array("0123456789{}[]\":,. -tfnx\\".utf8)
        var state: UInt64 = 99
        func next() -> Int {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Int(truncatingIfNeeded: state >> 33)
        }
        var loaded = 0, rejected = 0
        for _ in 0..<300 {
            var bytes = original
            let region = regions[next() % regions.count]
            for _ in 0..<(1 + next() % 3) {
                let position = region.lowerBound + next() % region.count
                bytes[position] = replacements[next() % replacements.count]
            }
            do {
                let tokenizer = try Tokenizer(json: JSONObject(data: Data(bytes), path: "mutated.json"))
                _ = tokenizer.encode("Hello world! 123 中文 😀 <|im_start|>x")
                _ = tokenizer.decode(tokenizer.encode("It's fine.").ids)
                loaded += 1
            } catch is TokenizerError {
                rejected += 1
            }
        }
        #expect(loaded + rejected == 300)
        #expect(rejected > 0)
    }

    @Test func pairsMatchHuggingFace() throws {
        // Reference: tokenizers 0.23 Tokenizer.encode("Hello world", "Second one here").
        let expected: [(String, [Int], [Int], [Range<Int>], [Int])] = [
            ("bpe_gpt2_style", [42, 571, 81, 261, 274, 78, 70, 53, 71, 69, 319, 70, 477, 486], [0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1],
             [0..<1, 1..<4, 4..<5, 6..<7, 7..<9, 9..<10, 10..<11, 0..<1, 1..<2, 2..<3, 3..<5, 5..<6, 7..<10, 11..<15],
             [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]),
            ("bpe_llama3_full", [0, 42, 577, 81, 261, 274, 78, 70, 0, 53, 71, 69, 317, 70, 469, 482],
             [0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1],
             [0..<0, 0..<1, 1..<4, 4..<5, 5..<7, 7..<9, 9..<10, 10..<11, 0..<0, 0..<1, 1..<2, 2..<3, 3..<5, 5..<6, 6..<10, 10..<15],
             [1, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0]),
        ]
        for (name, ids, typeIds, offsets, specialMask) in expected {
            let encoding = try Self.tokenizer(name).encode("Hello world", pair: "Second one here")
            #expect(encoding.ids == ids, "\(name)")
            #expect(encoding.typeIds == typeIds, "\(name)")
            #expect(encoding.offsets == offsets, "\(name)")
            #expect(encoding.specialTokensMask == specialMask, "\(name)")
        }
    }

    @Test func pairAndLegacyMergesEncodeIdentically() throws {
        for style in Self.styles {
            let pairs = try Self.tokenizer(style)
            let legacy = try Self.tokenizer(style + "_legacy")
            for text in Self.roundTripTexts { #expect(pairs.encode(text) == legacy.encode(text)) }
        }
    }

    @Test func unknownComponentTypesFailNamingTheType() throws {
        let url = try #require(Bundle.module.url(forResource: "Fixtures/bpe_gpt2_style", withExtension: "json"))
        let original = try String(contentsOf: url, encoding: .utf8)
        let replacements: [(String, String, String)] = [
            ("\"type\": \"BPE\"", "\"type\": \"FancyBPE\"", "FancyBPE"),
            ("\"type\": \"ByteLevel\",\n  \"add_prefix_space\": false", "\"type\": \"Telepathy\",\n  \"add_prefix_space\": false", "Telepathy"),
        ]
        for (from, to, type) in replacements {
            #expect(original.contains(from))
            let edited = original.replacingOccurrences(of: from, with: to)
            do {
                _ = try Tokenizer(json: JSONObject(data: Data(edited.utf8), path: "edited.json"))
                Issue.record("\(type) should not load")
            } catch let TokenizerError.unsupportedComponent(path, _, foundType) {
                #expect(path == "edited.json")
                #expect(foundType == type)
            }
        }
        let badMerge = original.replacingOccurrences(of: "\"merges\": [\n   [", with: "\"merges\": [\n   [\"zz\"], [")
        #expect(badMerge != original)
        #expect(throws: TokenizerError.self) { try Tokenizer(json: JSONObject(data: Data(badMerge.utf8), path: "edited.json")) }
    }
}
