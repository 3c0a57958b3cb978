import Foundation
import FlintTestSupport
import Testing
@testable import FlintText

/// Added tokens with lstrip, rstrip, single_word and normalized, against the Rust `tokenizers` library
/// (Fixtures/minilm_tokenizer_cases.json, section `added_tokens`).
@Suite struct AddedTokenTests {
    /// MiniLM's tokenizer.json with the fixture's `added_tokens` and no truncation or padding.
    static func tokenizer() throws -> Tokenizer {
        let url = try TestModels.miniLM.appendingPathComponent("tokenizer.json")
        var object = try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as! [String: Any]
        let section = TokenizerCases.object["added_tokens"] as! [String: Any]
        object["added_tokens"] = section["added_tokens"]
        object["truncation"] = NSNull()
        object["padding"] = NSNull()
        return try Tokenizer(json: JSONObject(object, path: "tokenizer.json"))
    }

    @Test func addedTokenOptionsMatchTokenizersLibrary() throws {
        let tokenizer = try AddedTokenTests.tokenizer()
        let cases = (TokenizerCases.object["added_tokens"] as! [String: Any])["cases"] as! [[String: Any]]
        #expect(cases.count == 5)
        for entry in cases {
            let text = entry["text"] as! String
            let encoding = tokenizer.encode(text)
            #expect(encoding.ids == entry["input_ids"] as! [Int], "\(text)")
            #expect(encoding.tokens == entry["tokens"] as! [String], "\(text)")
            #expect(encoding.offsets == TokenizerCases.offsets(entry["offsets"]), "\(text)")
            #expect(encoding.wordIds == TokenizerCases.optionals(entry["word_ids"]), "\(text)")
            #expect(encoding.specialTokensMask == entry["special_tokens_mask"] as! [Int], "\(text)")
            #expect(tokenizer.decode(encoding.ids) == entry["decoded"] as! String, "\(text)")
            #expect(tokenizer.decode(encoding.ids, skipSpecialTokens: false) == entry["decoded_keep"] as! String, "\(text)")
        }
    }

    @Test func vocabularySizeCountsAddedTokens() throws {
        let tokenizer = try AddedTokenTests.tokenizer()
        #expect(tokenizer.vocabularySize == 30526)
        #expect(tokenizer.id(for: "<sep2>") == 30523)
        #expect(tokenizer.token(for: 30525) == "ü-dot")
    }

    /// Expected values from tokenizers 0.23 (`add_tokens`, `add_special_tokens`, `encode`, `decode`).
    @Test func addTokensGivesNewIdsAndMatchesThem() throws {
        var tokenizer = try MiniLMReference.pretrained
        #expect(tokenizer.addTokens(["flintstone", "hello"]) == 2)
        #expect(tokenizer.addTokens(["<extra>"], special: true) == 1)
        #expect(tokenizer.addTokens(["hello"]) == 0)
        #expect(tokenizer.id(for: "flintstone") == 30522)
        #expect(tokenizer.id(for: "hello") == 7592)
        #expect(tokenizer.id(for: "<extra>") == 30523)
        #expect(tokenizer.vocabularySize == 30524)
        let encoding = tokenizer.encode("FlintStone says<extra>hi")
        #expect(encoding.tokens == ["[CLS]", "flintstone", "says", "<extra>", "hi", "[SEP]"])
        #expect(encoding.ids == [101, 30522, 2758, 30523, 7632, 102])
        #expect(tokenizer.decode(encoding.ids) == "flintstone says hi")
    }
}
