import Flint
import Foundation
import Testing
@testable import FlintText

/// The llama.cpp-compatible tokenizer on small vocabularies built in code: byte-level BPE, SentencePiece BPE,
/// special-token matching, BOS/EOS, decoding, EOG and the errors of invalid vocabularies. (Ids against llama.cpp
/// itself: GGUFTokenizerFixtureTests in FlintModelsTests, on SmolLM2's vocabulary.)
@Suite struct GGMLTokenizerTests {
    typealias V = GGMLTestVocabularies

    @Test func byteLevelMergesByRankWithinPreTokenizedPieces() throws {
        let tokenizer = try GGMLTokenizer(vocabulary: V.byteLevel())
        #expect(tokenizer.encode("hello world", addSpecial: false, parseSpecial: true) == [V.byteLevelId("hello"), V.byteLevelId("Ġworld")])
        #expect(tokenizer.encode(" the", addSpecial: false, parseSpecial: true) == [V.byteLevelId("Ġthe")])
        // No merge crosses a piece: "hello" and "Ġhello" are separate pieces of "hello hello".
        #expect(tokenizer.encode("hello hello", addSpecial: false, parseSpecial: true) == [V.byteLevelId("hello"), V.byteLevelId("Ġhello")])
        #expect(tokenizer.encode("", addSpecial: false, parseSpecial: true) == [])
    }

    @Test func smollmIsolatesEveryDigitWhileGPT2KeepsRuns() throws {
        let smollm = try GGMLTokenizer(vocabulary: V.byteLevel(pre: "smollm"))
        let gpt2 = try GGMLTokenizer(vocabulary: V.byteLevel(pre: "gpt-2"))
        let digits = ["1", "2", "3"].map(V.byteLevelId)
        #expect(smollm.encode("123", addSpecial: false, parseSpecial: true) == digits)
        #expect(gpt2.encode("123", addSpecial: false, parseSpecial: true) == [V.byteLevelId("123")])
    }

    @Test func specialTokensAreMatchedOnlyWhenParsingSpecialButUserDefinedAlways() throws {
        let tokenizer = try GGMLTokenizer(vocabulary: V.byteLevel())
        let text = "<|im_start|>hello<|im_end|><tool>"
        let parsed = tokenizer.encode(text, addSpecial: false, parseSpecial: true)
        #expect(parsed == [1, V.byteLevelId("hello"), 2, 3])
        let plain = tokenizer.encode(text, addSpecial: false, parseSpecial: false)
        #expect(!plain.contains(1) && !plain.contains(2))
        #expect(plain.last == 3)
        #expect(try tokenizer.decode(plain, renderSpecial: true) == text)
        // Control tokens are rendered only on request; user-defined ones always.
        #expect(try tokenizer.decode(parsed) == "hello<tool>")
        #expect(try tokenizer.decode(parsed, renderSpecial: true) == text)
    }

    @Test func longerSpecialTokensAreMatchedFirstAsInLlamaCpp() throws {
        // llama.cpp matches each special token in turn, longest first, everywhere in the text left — not
        // leftmost-longest: in "abcd" with "ab" and "bcd", "bcd" wins.
        let vocabulary = V.byteLevel(extra: [("ab", .userDefined), ("bcd", .userDefined)])
        let tokenizer = try GGMLTokenizer(vocabulary: vocabulary)
        let ab = vocabulary.tokens.firstIndex(of: "ab")!, bcd = vocabulary.tokens.firstIndex(of: "bcd")!
        #expect(tokenizer.encode("abcd", addSpecial: false, parseSpecial: false) == [V.byteLevelId("a"), bcd])
        #expect(tokenizer.encode("abab", addSpecial: false, parseSpecial: false) == [ab, ab])
    }

    @Test func addSpecialFollowsTheVocabularyFlags() throws {
        let none = try GGMLTokenizer(vocabulary: V.byteLevel())
        #expect(none.encode("hello", addSpecial: true, parseSpecial: true) == [V.byteLevelId("hello")])
        let both = try GGMLTokenizer(vocabulary: V.byteLevel(addBOS: true, addEOS: true))
        #expect(both.encode("hello", addSpecial: true, parseSpecial: true) == [0, V.byteLevelId("hello"), 2])
        #expect(both.encode("hello", addSpecial: false, parseSpecial: true) == [V.byteLevelId("hello")])
        #expect(both.encode("", addSpecial: true, parseSpecial: true) == [0, 2])
        // llama-bpe adds BOS unless the file says otherwise.
        #expect(try GGMLTokenizer(vocabulary: V.byteLevel(pre: "llama-bpe")).addsBOS)
        #expect(try !GGMLTokenizer(vocabulary: V.byteLevel(pre: "llama-bpe", addBOS: false)).addsBOS)
        // removeSpecial drops the BOS/EOS the tokenizer adds.
        let ids = both.encode("hello", addSpecial: true, parseSpecial: true)
        #expect(try both.decode(ids, removeSpecial: true, renderSpecial: true) == "hello")
        #expect(try both.decode(ids, removeSpecial: false, renderSpecial: true) == "<|endoftext|>hello<|im_end|>")
    }

    @Test func decodingRoundTripsWithoutSpaceCleaning() throws {
        let tokenizer = try GGMLTokenizer(vocabulary: V.byteLevel(pre: "smollm"))
        for text in ["hello world", "  two  spaces\n\nand\ttabs ", "Café 日本語 🙂👍🏽 x", "a , b . c ' d 's", "<|im_start|>user\nhi<|im_end|>",
                     "\u{0}\u{7F}\u{80}", "e\u{301} vs \u{E9}"] {
            let ids = tokenizer.encode(text, addSpecial: false, parseSpecial: true)
            #expect(try tokenizer.decode(ids, renderSpecial: true) == text, "\(text)")
            #expect(try tokenizer.decodeBytes(ids, renderSpecial: true) == Array(text.utf8))
        }
    }

    @Test func gpt2FamilyDetokenizerCleansSpacesAsLlamaCpp() throws {
        let tokenizer = try GGMLTokenizer(vocabulary: V.byteLevel(pre: "gpt-2"))
        let ids = tokenizer.encode("Hello , world ! it 's you ' re", addSpecial: false, parseSpecial: true)
        #expect(try tokenizer.decode(ids) == "Hello, world! it's you're")
        var bytes = Array("a ' b 't 'll 've".utf8)
        GGMLTokenizer.cleanSpaces(&bytes)
        #expect(String(decoding: bytes, as: UTF8.self) == "a'b 't 'll've")
    }

    @Test func piecesFollowTokenToPiece() throws {
        let tokenizer = try GGMLTokenizer(vocabulary: V.byteLevel())
        #expect(try Array(tokenizer.piece(for: V.byteLevelId("Ġworld"), special: false)) == Array(" world".utf8))
        #expect(try Array(tokenizer.piece(for: 1, special: false)) == [])
        #expect(try Array(tokenizer.piece(for: 1, special: true)) == Array("<|im_start|>".utf8))
        #expect(try Array(tokenizer.piece(for: 3, special: false)) == Array("<tool>".utf8))
        #expect(try tokenizer.tokenText(V.byteLevelId("Ġworld")) == "Ġworld")
        #expect(throws: TokenizerError.self) { try tokenizer.piece(for: tokenizer.count, special: true) }
        #expect(throws: TokenizerError.self) { try tokenizer.decode([-1]) }
    }

    @Test func endOfGenerationFollowsLlamaCppRules() throws {
        let tokenizer = try GGMLTokenizer(vocabulary: V.byteLevel(eosId: 2))
        // EOS, the texts llama.cpp treats as ends, and the fill-in-the-middle repository token <reponame>.
        #expect(tokenizer.endOfGeneration == [0, 2, 4])
        #expect(tokenizer.endOfTurn == 0)
        #expect(tokenizer.isEndOfGeneration(2) && !tokenizer.isEndOfGeneration(1))
        // A normal token with an end-of-generation text becomes control (matched in text, hidden in output).
        let vocabulary = V.byteLevel(extra: [("<|eot_id|>", .normal)])
        let promoted = try GGMLTokenizer(vocabulary: vocabulary)
        let id = vocabulary.tokens.count - 1
        #expect(promoted.endOfGeneration.contains(id))
        #expect(promoted.attributes[id].contains(.control))
        #expect(promoted.encode("a<|eot_id|>", addSpecial: false, parseSpecial: true) == [V.byteLevelId("a"), id])
        // Without an EOS key a gpt2 vocabulary uses llama.cpp's default 11.
        let defaulted = try GGMLTokenizer(vocabulary: V.byteLevel(eosId: nil))
        #expect(defaulted.eos == 11 && defaulted.endOfGeneration.contains(11))
    }

    @Test func streamingDecoderHoldsBackSplitCharacters() throws {
        let tokenizer = try GGMLTokenizer(vocabulary: V.byteLevel())
        let text = "héllo 🙂 世界!👍🏽"
        let ids = tokenizer.encode(text, addSpecial: false, parseSpecial: true)
        #expect(ids.count > text.unicodeScalars.count)  // multi-byte characters span several tokens
        var decoder = tokenizer.streamingDecoder()
        var pieces = [String]()
        for id in ids {
            let piece = try decoder.append(id)
            #expect(!piece.unicodeScalars.contains("\u{FFFD}"))
            pieces.append(piece)
        }
        #expect(!decoder.hasPendingBytes)
        pieces.append(decoder.finish())
        #expect(pieces.joined() == text)
        // The first byte of 🙂 alone gives nothing yet.
        var partial = tokenizer.streamingDecoder()
        let smiley = tokenizer.encode("🙂", addSpecial: false, parseSpecial: true)
        #expect(smiley.count == 4)
        #expect(try partial.append(smiley[0]) == "")
        #expect(try partial.append(smiley[1]) == "")
        #expect(partial.hasPendingBytes)
        #expect(partial.finish() == "\u{FFFD}")
    }

    @Test func streamingDecoderReplacesInvalidBytesAtOnce() {
        // E0 80 can never start a character: nothing is held back.
        #expect(GGMLStreamingDecoder.completeLength([0x41, 0xE0, 0x80]) == 3)
        #expect(GGMLStreamingDecoder.completeLength([0x41, 0xE0, 0xA0]) == 1)
        #expect(GGMLStreamingDecoder.completeLength([0xF0, 0x9F, 0x99]) == 0)
        #expect(GGMLStreamingDecoder.completeLength([0xF0, 0x9F, 0x99, 0x82]) == 4)
        #expect(GGMLStreamingDecoder.completeLength([0x80, 0x80, 0x80, 0x80]) == 4)
    }

    @Test func sentencePieceMergesByScoreWithSpacePrefixAndByteFallback() throws {
        let tokenizer = try GGMLTokenizer(vocabulary: V.sentencePiece())
        let id = V.sentencePieceId
        #expect(tokenizer.addsBOS && tokenizer.addsSpacePrefix && tokenizer.bos == 1 && tokenizer.eos == 2)
        #expect(tokenizer.encode("hello world", addSpecial: true, parseSpecial: true) == [1, id("▁hello"), id("▁world")])
        // "bc" scores higher than "ab": merged first although it is not leftmost.
        #expect(tokenizer.encode("abc", addSpecial: false, parseSpecial: true) == [id("▁"), id("a"), id("bc")])
        // é is no token: its UTF-8 bytes become <0xC3> <0xA9>.
        let bytes = tokenizer.encode("hé", addSpecial: false, parseSpecial: true)
        #expect(bytes == [id("▁h"), 3 + 0xC3, 3 + 0xA9])
        #expect(try tokenizer.decode(bytes) == "hé")
        // A special token in the text: the text after it gets a space prefix again.
        let ids = tokenizer.encode("hello</s>world", addSpecial: false, parseSpecial: true)
        #expect(ids == [id("▁hello"), 2, id("▁world")])
        #expect(tokenizer.encode("hello</s>world", addSpecial: false, parseSpecial: false).contains(2) == false)
        // llama_detokenize: the space prefix is stripped from the first piece only; a BOS takes that place.
        #expect(try tokenizer.decode([id("▁hello"), id("▁world")]) == "hello world")
        #expect(try tokenizer.decode([1, id("▁hello")]) == " hello")
        #expect(try tokenizer.decode([1, id("▁hello")], removeSpecial: true) == " hello")
        let noPrefix = try GGMLTokenizer(vocabulary: V.sentencePiece(addBOS: false, addSpacePrefix: false))
        #expect(noPrefix.encode("hello", addSpecial: true, parseSpecial: true) == [id("hell"), id("o")])
    }

    @Test func sentencePieceWithoutByteTokensUsesTheUnknownToken() throws {
        var vocabulary = V.sentencePiece()
        for index in vocabulary.tokens.indices where vocabulary.tokenTypes![index] == .byte {
            vocabulary.tokens[index] = "<byte\(index)>"
        }
        let tokenizer = try GGMLTokenizer(vocabulary: vocabulary)
        #expect(tokenizer.encode("é", addSpecial: false, parseSpecial: true) == [V.sentencePieceId("▁"), 0, 0])
    }

    @Test func invalidVocabulariesThrowErrorsNamingTheKey() {
        func field(_ vocabulary: GGMLVocabulary) -> String? {
            do {
                _ = try GGMLTokenizer(vocabulary: vocabulary)
                return nil
            } catch let TokenizerError.invalidFile(path, field, _, _) {
                return path + ": " + field
            } catch {
                return "\(error)"
            }
        }
        var vocabulary = V.byteLevel(pre: "no-such-pre")
        #expect(field(vocabulary) == "test.gguf: tokenizer.ggml.pre")
        vocabulary = V.byteLevel()
        vocabulary.tokenTypes!.removeLast()
        #expect(field(vocabulary) == "test.gguf: tokenizer.ggml.token_type")
        vocabulary = V.sentencePiece()
        vocabulary.scores!.append(0)
        #expect(field(vocabulary) == "spm.gguf: tokenizer.ggml.scores")
        vocabulary = V.byteLevel()
        vocabulary.eosId = vocabulary.tokens.count
        #expect(field(vocabulary) == "test.gguf: tokenizer.ggml.eos_token_id")
        vocabulary = V.byteLevel()
        vocabulary.tokens[10] = vocabulary.tokens[11]
        #expect(field(vocabulary) == "test.gguf: tokenizer.ggml.tokens[11]")
        vocabulary = V.byteLevel()
        vocabulary.merges.append("nospace")
        #expect(field(vocabulary) == "test.gguf: tokenizer.ggml.merges[\(vocabulary.merges.count - 1)]")
        vocabulary = V.byteLevel()
        vocabulary.merges.append("x yz")
        #expect(field(vocabulary) == "test.gguf: tokenizer.ggml.merges[\(vocabulary.merges.count - 1)]")
        vocabulary = V.byteLevel()
        vocabulary.merges.append("x y")
        #expect(field(vocabulary) == "test.gguf: tokenizer.ggml.merges[\(vocabulary.merges.count - 1)]")
        vocabulary = V.byteLevel(addBOS: true, bosId: nil)
        vocabulary.tokens = Array(vocabulary.tokens.prefix(5))
        vocabulary.tokenTypes = Array(vocabulary.tokenTypes!.prefix(5))
        vocabulary.merges = []
        vocabulary.eosId = nil
        #expect(field(vocabulary) == "test.gguf: tokenizer.ggml.add_bos_token")
        vocabulary = V.sentencePiece()
        vocabulary.tokens = []
        vocabulary.tokenTypes = []
        vocabulary.scores = []
        #expect(field(vocabulary) == "spm.gguf: tokenizer.ggml.tokens")
        vocabulary = V.sentencePiece()
        vocabulary.scores![5] = .nan
        #expect(field(vocabulary) == "spm.gguf: tokenizer.ggml.scores[5]")
    }

    /// Random text over an alphabet that mixes ASCII, whitespace runs, multi-byte characters and special-token texts.
    static func randomText(_ random: inout RandomGenerator, specials: [String]) -> String {
        let pieces = ["a", "b", "c", "h", "e", "l", "o", " ", "  ", "\n", "\t", "\r\n", "1", "23", "'s", "'LL", ",", "!", "é", "日本",
                      "🙂", "👍🏽", "\u{0}", "\u{7F}", "\u{FEFF}", "e\u{301}", "\u{50000}", "▁", "Ġ"] + specials
        var text = ""
        for _ in 0..<random.nextInt(below: 24) { text += pieces[random.nextInt(below: pieces.count)] }
        return text
    }

    @Test func randomTextsAndVocabularyFlagsNeverCrashAndRoundTrip() throws {
        // Byte-level vocabularies under many pre-tokenizers and SentencePiece ones, all 256 bytes tokens: nothing
        // crashes, ids are in range, streaming gives the pieces' text, and decoding what encoding gave returns the
        // text wherever the detokenizer is lossless (byte-level without clean_spaces; SentencePiece without a
        // BOS, special tokens or "▁" in the text).
        var random = RandomGenerator(seed: 2026)
        let specials = GGMLTestVocabularies.byteLevelSpecials.map(\.0) + ["<s>", "</s>", "<unk>", "<|im_"]
        var tokenizers: [(GGMLTokenizer, cleansSpaces: Bool)] = []
        for pre in ["smollm", "gpt-2", "llama-bpe", "qwen2", "default", "falcon", "starcoder", "stablelm2", "command-r"] {
            let tokenizer = try GGMLTokenizer(vocabulary: V.byteLevel(pre: pre))
            tokenizers.append((tokenizer, !["smollm", "qwen2", "command-r"].contains(pre)))
        }
        tokenizers.append((try GGMLTokenizer(vocabulary: V.sentencePiece()), false))
        tokenizers.append((try GGMLTokenizer(vocabulary: V.sentencePiece(addBOS: false, addEOS: true, addSpacePrefix: false)), false))
        var checked = 0
        for _ in 0..<4_000 {
            let text = Self.randomText(&random, specials: specials)
            let (tokenizer, cleansSpaces) = tokenizers[random.nextInt(below: tokenizers.count)]
            let addSpecial = random.nextInt(below: 2) == 0, parseSpecial = random.nextInt(below: 2) == 0
            let ids = tokenizer.encode(text, addSpecial: addSpecial, parseSpecial: parseSpecial)
            #expect(ids.allSatisfy { $0 >= 0 && $0 < tokenizer.count })
            let decoded = try tokenizer.decode(ids, removeSpecial: addSpecial, renderSpecial: true)
            var decoder = tokenizer.streamingDecoder(renderSpecial: true)
            var streamed = ""
            for id in ids { streamed += try decoder.append(id) }
            streamed += decoder.finish()
            #expect(streamed == String(decoding: ids.flatMap { try! Array(tokenizer.piece(for: $0, special: true)) }, as: UTF8.self))
            guard !cleansSpaces else { continue }
            if tokenizer.vocabulary.model == .llama {
                // SentencePiece text is not recoverable where "▁" stands for a space, after a special token (which
                // gets a space prefix) or behind a removed BOS (llama.cpp then keeps the prefix space).
                let special: GGMLTokenAttributes = [.control, .unknown, .userDefined]
                guard !addSpecial, !text.contains("▁"), !ids.contains(where: { !tokenizer.attributes[$0].isDisjoint(with: special) }) else {
                    continue
                }
            }
            checked += 1
            #expect(decoded == text, "\(text.debugDescription) add_special \(addSpecial) parse_special \(parseSpecial): \(ids)")
        }
        #expect(checked > 1_000)
    }
}
