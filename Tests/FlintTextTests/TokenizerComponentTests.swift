import Foundation
import Testing
@testable import FlintText

/// Each component on its own against the Rust `tokenizers` library (Fixtures/minilm_tokenizer_cases.json,
/// section `components`): split behaviours, pre-tokenizers, normalizers, WordPiece, post-processors, decoders.
@Suite struct TokenizerComponentTests {
    nonisolated(unsafe) static let components = TokenizerCases.object["components"] as! [String: Any]

    static func cases(_ key: String) -> [[String: Any]] { components[key] as! [[String: Any]] }

    /// The pieces of a pre-tokenized text as (string, original scalar range).
    static func pieces(_ text: PreTokenizedText) -> [String] {
        text.splits.map { split in
            let range = text.text.originRange(of: split)
            return "\(Tokenizer.string(text.text.scalars[split]))@\(range.lowerBound)-\(range.upperBound)"
        }
    }

    static func expectedPieces(_ entry: [String: Any]) -> [String] {
        (entry["pieces"] as! [[Any]]).map { piece in
            let range = piece[1] as! [Int]
            return "\(piece[0] as! String)@\(range[0])-\(range[1])"
        }
    }

    @Test func splitBehavioursMatchSplitPreTokenizer() {
        let cases = TokenizerComponentTests.cases("split")
        #expect(cases.count == 35)
        let behaviours: [String: SplitDelimiterBehavior] = [
            "removed": .removed, "isolated": .isolated, "merged_with_previous": .mergedWithPrevious,
            "merged_with_next": .mergedWithNext, "contiguous": .contiguous,
        ]
        for entry in cases {
            let text = entry["text"] as! String
            var preTokenized = PreTokenizedText(text: NormalizedText(original: text.unicodeScalars))
            preTokenized.split(behavior: behaviours[entry["behavior"] as! String]!) { $0 == "-" }
            #expect(TokenizerComponentTests.pieces(preTokenized) == TokenizerComponentTests.expectedPieces(entry),
                    "\(entry["behavior"]!): \(text)")
        }
    }

    @Test func preTokenizersMatch() throws {
        for entry in TokenizerComponentTests.cases("pre_tokenizers") {
            let type = entry["type"] as! String
            let preTokenizer = try TokenizerComponentRegistry.preTokenizer(from: JSONObject(["type": type], path: "test"))
            let text = entry["text"] as! String
            var preTokenized = PreTokenizedText(text: NormalizedText(original: text.unicodeScalars))
            preTokenizer.preTokenize(&preTokenized)
            #expect(TokenizerComponentTests.pieces(preTokenized) == TokenizerComponentTests.expectedPieces(entry), "\(type): \(text)")
        }
    }

    @Test func normalizersMatch() throws {
        for entry in TokenizerComponentTests.cases("normalizers") {
            let type = entry["type"] as! String
            let json: [String: Any] = type.hasPrefix("Sequence")
                ? ["type": "Sequence", "normalizers": [["type": "NFD"], ["type": "Lowercase"], ["type": "StripAccents"]]]
                : ["type": type]
            let normalizer = try TokenizerComponentRegistry.normalizer(from: JSONObject(json, path: "test"))
            let text = entry["text"] as! String
            var normalized = NormalizedText(original: text.unicodeScalars)
            normalizer.normalize(&normalized)
            #expect(normalized.scalars == Array((entry["normalized"] as! String).unicodeScalars), "\(type): \(text)")
            #expect(normalized.originStart.count == normalized.count && normalized.originEnd.count == normalized.count)
        }
    }

    @Test func wordPieceGreedyLongestMatchAndLimits() throws {
        let vocabulary = ["[UNK]": 0, "un": 1, "##aff": 2, "##able": 3, "a": 4, "##b": 5, "ab": 6, "##c": 7, "##ab": 8, "##a": 9]
        let model = try WordPieceModel(vocabulary: vocabulary, maximumInputCharactersPerWord: 8)
        let tokenizer = Tokenizer(preTokenizer: WhitespaceSplitPreTokenizer(), model: model)
        for entry in TokenizerComponentTests.cases("wordpiece") {
            let text = entry["text"] as! String
            let encoding = tokenizer.encode(text)
            #expect(encoding.ids == entry["input_ids"] as! [Int], "\(text)")
            #expect(encoding.tokens == entry["tokens"] as! [String], "\(text)")
            #expect(encoding.offsets == TokenizerCases.offsets(entry["offsets"]), "\(text)")
        }
        #expect(throws: TokenizerError.self) { try WordPieceModel(vocabulary: ["a": 0]) }
    }

    @Test func postProcessorsFromJSON() throws {
        var first = Encoding()
        first.append(id: 5, token: "x", typeId: 0, offsets: 0..<1, wordId: 0, sequenceId: 0, isSpecial: false)
        first.append(id: 6, token: "y", typeId: 0, offsets: 2..<3, wordId: 1, sequenceId: 0, isSpecial: false)
        var second = Encoding()
        second.append(id: 7, token: "z", typeId: 1, offsets: 0..<1, wordId: 0, sequenceId: 1, isSpecial: false)

        let bert = try TokenizerComponentRegistry.postProcessor(
            from: JSONObject(TokenizerComponentTests.components["bert_processing"] as! [String: Any], path: "test"))
        #expect(bert.addedTokenCount(isPair: false) == 2 && bert.addedTokenCount(isPair: true) == 3)
        let single = bert.process(first, pair: nil)
        #expect(single.ids == [101, 5, 6, 102])
        #expect(single.specialTokensMask == [1, 0, 0, 1])
        #expect(single.offsets == [0..<0, 0..<1, 2..<3, 0..<0])
        let pair = bert.process(first, pair: second)
        #expect(pair.ids == [101, 5, 6, 102, 7, 102])
        #expect(pair.typeIds == [0, 0, 0, 0, 1, 1])
        #expect(pair.wordIds == [nil, 0, 1, nil, 0, nil])

        let template = try TokenizerComponentRegistry.postProcessor(
            from: JSONObject(TokenizerComponentTests.components["template_processing"] as! [String: Any], path: "test"))
        #expect(template.addedTokenCount(isPair: true) == 4)
        let roberta = template.process(first, pair: second)
        #expect(roberta.ids == [0, 5, 6, 2, 2, 7, 2])
        #expect(roberta.typeIds == [0, 0, 0, 0, 0, 1, 1])
        #expect(roberta.sequenceIds == [nil, 0, 0, nil, nil, 1, nil])

        // The string form of templates, a sequence in the middle, and a template with $B first.
        let parsed = try TemplateProcessing(json: JSONObject([
            "type": "TemplateProcessing", "single": "[X] $A:2 [Y]:3", "pair": "$B:1 [X] $A",
            "special_tokens": ["[X]": ["id": "[X]", "ids": [90, 91], "tokens": ["[X]", "[X2]"]],
                               "[Y]": ["id": "[Y]", "ids": [92], "tokens": ["[Y]"]]]], path: "test"))
        let parsedSingle = parsed.process(first, pair: nil)
        #expect(parsedSingle.ids == [90, 91, 5, 6, 92])
        #expect(parsedSingle.typeIds == [0, 0, 2, 2, 3])
        #expect(parsedSingle.tokens == ["[X]", "[X2]", "x", "y", "[Y]"])
        let reversed = parsed.process(first, pair: second)
        #expect(reversed.ids == [7, 90, 91, 5, 6])
        #expect(reversed.typeIds == [1, 0, 0, 0, 0])
        #expect(parsed.addedTokenCount(isPair: false) == 3)

        #expect(throws: TokenizerError.self) {
            try TemplateProcessing(json: JSONObject(["type": "TemplateProcessing", "single": "[Z] $A", "pair": "$A $B",
                                                     "special_tokens": [String: Any]()], path: "test"))
        }
    }

    @Test func wordPieceDecoderMatches() {
        for entry in TokenizerComponentTests.cases("decoders") {
            let tokens = entry["tokens"] as! [String]
            #expect(WordPieceDecoder(cleanup: true).decodeChain(tokens).joined() == entry["cleanup"] as! String)
            #expect(WordPieceDecoder(cleanup: false).decodeChain(tokens).joined() == entry["raw"] as! String)
        }
    }

    @Test func truncationAndPaddingSettingsFromJSON() throws {
        let truncation = try Truncation(json: JSONObject(["max_length": 7, "strategy": "OnlySecond", "stride": 2, "direction": "Left"],
                                                         path: "test"))
        #expect(truncation == Truncation(maximumLength: 7, strategy: .onlySecond, stride: 2, direction: .left))
        let padding = try Padding(json: JSONObject(["strategy": "BatchLongest", "direction": "Left", "pad_to_multiple_of": 8,
                                                    "pad_id": 3, "pad_type_id": 1, "pad_token": "<pad>"], path: "test"))
        #expect(padding == Padding(strategy: .longest, side: .left, padToMultipleOf: 8, padId: 3, padTypeId: 1, padToken: "<pad>"))
        #expect(padding.targetLength(longest: 9) == 16)
        #expect(throws: TokenizerError.self) { try Padding(json: JSONObject(["strategy": "Sometimes"], path: "test")) }
        #expect(throws: TokenizerError.self) { try Truncation(json: JSONObject(["max_length": 4, "strategy": "Middle"], path: "test")) }
    }
}
