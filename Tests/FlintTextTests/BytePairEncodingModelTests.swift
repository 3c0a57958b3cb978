import Foundation
import Testing
@testable import FlintText

/// The BPE model: merge order, both merge spellings, unknown handling, byte fallback, prefixes and suffixes,
/// `ignore_merges`, the heap merge loop, and errors for malformed files. Expected values are derived by hand
/// from the merge rules.
@Suite struct BytePairEncodingModelTests {
    static func model(_ vocabulary: [String], _ merges: [(String, String)], unknownToken: String? = nil, fusesUnknown: Bool = false,
                      usesByteFallback: Bool = false, continuingSubwordPrefix: String? = nil, endOfWordSuffix: String? = nil,
                      ignoresMerges: Bool = false) throws -> BytePairEncodingModel {
        var ids: [String: Int] = [:]
        for (index, token) in vocabulary.enumerated() { ids[token] = index }
        return try BytePairEncodingModel(vocabulary: ids, merges: merges, unknownToken: unknownToken, fusesUnknown: fusesUnknown,
                                         usesByteFallback: usesByteFallback, continuingSubwordPrefix: continuingSubwordPrefix,
                                         endOfWordSuffix: endOfWordSuffix, ignoresMerges: ignoresMerges)
    }

    static func pieces(_ model: BytePairEncodingModel, _ word: String) -> [String] {
        model.tokenize(word).map { model.tokens[$0.id] }
    }

    @Test func mergesApplyByRankLeftmostFirst() throws {
        let model = try Self.model(["a", "b", "c", "ab", "bc", "abc", "aa"], [("b", "c"), ("a", "b"), ("a", "bc"), ("a", "a")])
        // (b,c) has rank 0, so "abc" → a + bc → abc; "aaa" → aa + a (leftmost first).
        #expect(Self.pieces(model, "abc") == ["abc"])
        #expect(Self.pieces(model, "aaa") == ["aa", "a"])
        #expect(Self.pieces(model, "abab") == ["ab", "ab"])
        #expect(model.tokenize("abab").map(\.range) == [0..<2, 2..<4])
    }

    @Test func unknownTokensFusedOrNotOrDropped() throws {
        let vocabulary = ["<unk>", "a", "b", "ab"]
        let plain = try Self.model(vocabulary, [("a", "b")], unknownToken: "<unk>")
        #expect(Self.pieces(plain, "axxb") == ["a", "<unk>", "<unk>", "b"])
        let fused = try Self.model(vocabulary, [("a", "b")], unknownToken: "<unk>", fusesUnknown: true)
        #expect(Self.pieces(fused, "axxb") == ["a", "<unk>", "b"])
        #expect(fused.tokenize("axxb").map(\.range) == [0..<1, 1..<3, 3..<4])
        let dropping = try Self.model(vocabulary, [("a", "b")])
        #expect(Self.pieces(dropping, "axb") == ["ab"])
    }

    @Test func byteFallbackSpellsUnknownScalarsAsBytes() throws {
        let model = try Self.model(["<unk>", "a", "<0xC3>", "<0xA9>"], [], unknownToken: "<unk>", usesByteFallback: true)
        #expect(Self.pieces(model, "aéz") == ["a", "<0xC3>", "<0xA9>", "<unk>"])
        #expect(ByteFallback.token(for: 0x0A) == "<0x0A>")
        #expect(ByteFallback.byte(of: "<0xA9>") == 0xA9)
        #expect(ByteFallback.byte(of: "<0xZZ>") == nil)
    }

    @Test func continuingPrefixAndEndOfWordSuffix() throws {
        let prefixed = try Self.model(["a", "##b", "##c", "ab", "abc"], [("a", "##b"), ("ab", "##c")], continuingSubwordPrefix: "##")
        #expect(Self.pieces(prefixed, "abc") == ["abc"])
        #expect(Self.pieces(prefixed, "acb") == ["a", "##c", "##b"])
        let suffixed = try Self.model(["a", "b", "b</w>", "ab</w>"], [("a", "b</w>")], endOfWordSuffix: "</w>")
        #expect(Self.pieces(suffixed, "ab") == ["ab</w>"])
        #expect(Self.pieces(suffixed, "bab") == ["b", "ab</w>"])
    }

    @Test func ignoreMergesTakesWholeWords() throws {
        let vocabulary = ["a", "b", "c", "ab", "abc"]
        #expect(Self.pieces(try Self.model(vocabulary, [("a", "b")]), "abc") == ["ab", "c"])
        #expect(Self.pieces(try Self.model(vocabulary, [("a", "b")], ignoresMerges: true), "abc") == ["abc"])
    }

    static func fixtureModel(_ name: String) throws -> BytePairEncodingModel {
        let url = try #require(Bundle.module.url(forResource: "Fixtures/\(name)", withExtension: "json"))
        let file = try JSONObject(contentsOf: url)
        return try BytePairEncodingModel(json: file.object("model"))
    }

    @Test func bothMergeSpellingsGiveTheSameModel() throws {
        for style in ["bpe_gpt2_style", "bpe_llama3_style", "bpe_smollm_style"] {
            let pairs = try Self.fixtureModel(style)
            let legacy = try Self.fixtureModel(style + "_legacy")
            #expect(pairs.merges.count == 741)
            #expect(pairs.merges.table.count == legacy.merges.table.count)
            for (key, entry) in pairs.merges.table {
                #expect(legacy.merges.table[key]?.rank == entry.rank && legacy.merges.table[key]?.result == entry.result)
            }
            let word = Array("Ġthe quick brown fox".utf8)
            let fromPairs = word.withUnsafeBufferPointer { pairs.tokenize(bytes: $0) }
            #expect(fromPairs == word.withUnsafeBufferPointer { legacy.tokenize(bytes: $0) })
            #expect(fromPairs == pairs.tokenize(ByteLevelAlphabet.encode(word)))
        }
    }

    @Test func heapAndScanningMergeLoopsAgree() throws {
        let model = try Self.fixtureModel("bpe_gpt2_style")
        let alphabet = Array("the quick brown fox and of to in".utf8)
        var state: UInt64 = 42
        for length in [2, 5, 40, 49, 120, 700] {
            for _ in 0..<20 {
                var symbols: [BytePairWord.Symbol] = []
                for index in 0..<length {
                    state = state &* 6364136223846793005 &+ 1442695040888963407
                    let byte = alphabet[Int(state >> 33) % alphabet.count]
                    let id = Int32(model.vocabulary[String(ByteLevelAlphabet.scalarForByte[Int(byte)])]!)
                    symbols.append(BytePairWord.Symbol(id: id, start: Int32(index), length: 1))
                }
                var scanned = symbols
                var heaped = symbols
                BytePairWord.mergeByScanning(&scanned, merges: model.merges)
                BytePairWord.mergeWithHeap(&heaped, merges: model.merges)
                #expect(scanned == heaped)
                if length >= 40 { #expect(scanned.count < symbols.count) }
            }
        }
    }

    static func modelJSON(merges: Any, extra: [String: Any] = [:]) -> JSONObject {
        var model: [String: Any] = ["type": "BPE", "vocab": ["a": 0, "b": 1, "ab": 2], "merges": merges]
        for (key, value) in extra { model[key] = value }
        return JSONObject(model, path: "bad.json", field: "model")
    }

    @Test func malformedMergesThrowNamingTheField() throws {
        let cases: [(Any, String)] = [
            (["a b c"], "model.merges[0]"),
            (["a b", ["a"]], "model.merges[1]"),
            ([["a", 3]], "model.merges[0]"),
            (["a x"], "model.merges[0]"),
            ([["b", "a"]], "model.merges[0]"),
            ("a b", "model.merges"),
        ]
        for (merges, field) in cases {
            do {
                _ = try BytePairEncodingModel(json: Self.modelJSON(merges: merges))
                Issue.record("merges \(merges) should not load")
            } catch let TokenizerError.invalidFile(path, foundField, _, _) {
                #expect(path == "bad.json")
                #expect(foundField == field)
            }
        }
        // An unk_token outside the vocabulary loads (as in Hugging Face); unknown scalars are then dropped.
        let missingUnknown = try BytePairEncodingModel(json: Self.modelJSON(merges: ["a b"], extra: ["unk_token": "<unk>"]))
        #expect(Self.pieces(missingUnknown, "axb") == ["ab"])
        #expect(throws: TokenizerError.self) { try BytePairEncodingModel(json: Self.modelJSON(merges: ["a b"], extra: ["dropout": 0.1])) }
        #expect(throws: TokenizerError.self) { try BytePairEncodingModel(json: Self.modelJSON(merges: ["a b"], extra: ["vocab": ["a": "zero"]])) }
        #expect(throws: TokenizerError.self) { try BytePairEncodingModel(json: Self.modelJSON(merges: [], extra: ["vocab": ["a": -1]])) }
        #expect(throws: TokenizerError.self) {
            try BytePairEncodingModel(json: Self.modelJSON(merges: [], extra: ["vocab": ["a": 9_000_000_000_000]]))
        }
        let good = try BytePairEncodingModel(json: Self.modelJSON(merges: [["a", "b"]], extra: ["future_option": 1]))
        #expect(Self.pieces(good, "ab") == ["ab"])
    }
}
