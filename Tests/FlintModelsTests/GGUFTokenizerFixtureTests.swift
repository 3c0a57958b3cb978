import Flint
import FlintModels
import FlintTestSupport
import FlintText
import Foundation
import Testing

/// SmolLM2's GGUF vocabulary (byte-level BPE, pre-tokenizer `smollm`) against llama.cpp: the ids and detokenized
/// texts of llama-cpp-python 0.3.36 in Tests/FlintTextTests/Fixtures/gguf-tokenizer/smollm2.json
/// (scripts/fixtures/make_gguf_tokenizer_fixture.py). Needs the model file (`bash scripts/fetch-models.sh`).
@Suite struct GGUFTokenizerFixtureTests {
    static let loaded: Result<GGMLTokenizer, any Error> = Result {
        let file = try GGUFFile(path: try TestModels.smolLM2GGUF.path)
        return try GGUFVocabulary.tokenizer(file.header)
    }

    static func tokenizer() throws -> GGMLTokenizer { try loaded.get() }

    /// The fixture, read from the FlintTextTests folder of the source tree.
    static func fixture() throws -> [String: Any] {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("FlintTextTests/Fixtures/gguf-tokenizer/smollm2.json")
        let data = try Data(contentsOf: url)
        return try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
    }

    /// llama-cpp-python's `detokenize`: the pieces joined, without a leading space when the ids start with BOS.
    static func detokenized(_ tokenizer: GGMLTokenizer, _ ids: [Int], special: Bool) throws -> [UInt8] {
        var bytes = [UInt8]()
        for id in ids { bytes.append(contentsOf: try tokenizer.piece(for: id, special: special)) }
        if let first = ids.first, first == tokenizer.bos, bytes.first == 0x20 { bytes.removeFirst() }
        return bytes
    }

    /// The bytes of a fixture's `{"text": …}` or `{"hex": …}`.
    static func bytes(_ value: Any?) throws -> [UInt8] {
        let object = try #require(value as? [String: String])
        if let text = object["text"] { return Array(text.utf8) }
        let hex = Array(try #require(object["hex"]).utf8)
        return stride(from: 0, to: hex.count, by: 2).map { UInt8(String(decoding: hex[$0..<($0 + 2)], as: UTF8.self), radix: 16)! }
    }

    @Test func idsMatchLlamaCpp() throws {
        let tokenizer = try Self.tokenizer()
        let cases = try #require(try Self.fixture()["cases"] as? [[String: Any]])
        #expect(cases.count >= 200)
        var mismatches = [String]()
        for entry in cases {
            let text = try #require(entry["text"] as? String)
            let expected = try #require(entry["ids"] as? [Int])
            let ids = tokenizer.encode(text, addSpecial: true, parseSpecial: true)
            if ids != expected { mismatches.append("\(text.debugDescription): \(ids) ≠ llama.cpp \(expected)") }
        }
        #expect(mismatches.isEmpty, "\(mismatches.count) of \(cases.count) differ:\n\(mismatches.prefix(10).joined(separator: "\n"))")
    }

    @Test func detokenizationMatchesLlamaCpp() throws {
        let tokenizer = try Self.tokenizer()
        let cases = try #require(try Self.fixture()["cases"] as? [[String: Any]])
        var mismatches = [String]()
        for entry in cases {
            let text = try #require(entry["text"] as? String)
            let ids = try #require(entry["ids"] as? [Int])
            let tokens = try #require(entry["tokens"] as? [String])
            if try ids.map({ try tokenizer.tokenText($0) }) != tokens { mismatches.append("tokens of \(text.debugDescription)") }
            if try Self.detokenized(tokenizer, ids, special: true) != Self.bytes(entry["detokenized"]) {
                mismatches.append("detokenized \(text.debugDescription)")
            }
            if try Self.detokenized(tokenizer, ids, special: false) != Self.bytes(entry["detokenized_no_special"]) {
                mismatches.append("detokenized without special tokens \(text.debugDescription)")
            }
            // SmolLM2 has no space prefix and no space cleaning: llama_detokenize is the pieces joined.
            #expect(try tokenizer.decodeBytes(ids, renderSpecial: true) == Self.detokenized(tokenizer, ids, special: true))
            // Decoding round-trips (text with special tokens included, rendered).
            #expect(try tokenizer.decode(ids, renderSpecial: true) == text)
        }
        #expect(mismatches.isEmpty, "\(mismatches.prefix(10).joined(separator: "\n"))")
    }

    @Test func addBOSAndSpecialVariantsMatchLlamaCpp() throws {
        let tokenizer = try Self.tokenizer()
        let variants = try #require(try Self.fixture()["variants"] as? [[String: Any]])
        #expect(!variants.isEmpty)
        var mismatches = [String]()
        for entry in variants {
            let text = try #require(entry["text"] as? String)
            for addBOS in [true, false] {
                for special in [true, false] {
                    let variant = try #require(entry["add_bos_\(addBOS)_special_\(special)"] as? [String: Any])
                    let expected = try #require(variant["ids"] as? [Int])
                    let ids = tokenizer.encode(text, addSpecial: addBOS, parseSpecial: special)
                    if ids != expected { mismatches.append("\(text.debugDescription) add_bos \(addBOS) special \(special): \(ids) ≠ \(expected)") }
                    if try Self.detokenized(tokenizer, expected, special: true) != Self.bytes(variant["detokenized"]) {
                        mismatches.append("detokenized \(text.debugDescription) add_bos \(addBOS) special \(special)")
                    }
                }
            }
        }
        #expect(mismatches.isEmpty, "\(mismatches.prefix(10).joined(separator: "\n"))")
    }

    @Test func chatPromptGivesTheReferenceIds() throws {
        // ../shared/fixtures/smollm2/numpy_reference_capital_of_france.json (prompt_ids).
        let prompt = "<|im_start|>system\nYou are a helpful AI assistant named SmolLM, trained by Hugging Face<|im_end|>\n"
            + "<|im_start|>user\nWhat is the capital of France?<|im_end|>\n<|im_start|>assistant\n"
        let expected = [1, 9690, 198, 2683, 359, 253, 5356, 5646, 11173, 3365, 3511, 308, 34519, 28, 7018, 411, 407, 19712, 8182, 2,
                        198, 1, 4093, 198, 1780, 314, 260, 3575, 282, 4649, 47, 2, 198, 1, 520, 9531, 198]
        let tokenizer = try Self.tokenizer()
        #expect(tokenizer.encode(prompt, addSpecial: true, parseSpecial: true) == expected)
        // The reference's greedy answer, streamed one id at a time.
        var decoder = tokenizer.streamingDecoder()
        var text = ""
        for id in [504, 3575, 282, 4649, 314, 7042, 30] { text += try decoder.append(id) }
        text += decoder.finish()
        #expect(text == "The capital of France is Paris.")
        #expect(tokenizer.isEndOfGeneration(2))
    }

    @Test func specialTokensOfTheFile() throws {
        let tokenizer = try Self.tokenizer()
        #expect(tokenizer.count == 49_152)
        #expect(tokenizer.bos == 1 && tokenizer.eos == 2 && tokenizer.unknown == 0 && tokenizer.padding == 2)
        #expect(!tokenizer.addsBOS && !tokenizer.addsEOS && !tokenizer.addsSpacePrefix)
        // <|endoftext|>, <|im_end|> (EOS) and <reponame> (llama.cpp's fill-in-the-middle repository token).
        #expect(tokenizer.endOfGeneration == [0, 2, 4])
    }

    @Test func streamingDecodingNeverSplitsACharacter() throws {
        let tokenizer = try Self.tokenizer()
        for text in ["I ❤️ 北京烤鸭 and 🍣🍜!", "日本語のテキスト。🇯🇵🇫🇷", "Ünïcödé 👩‍👩‍👧‍👦 ok", "emoji 🙂🙃😉 done"] {
            let ids = tokenizer.encode(text, addSpecial: false, parseSpecial: true)
            var decoder = tokenizer.streamingDecoder()
            var pieces = [String]()
            var heldBack = false
            for id in ids {
                let piece = try decoder.append(id)
                #expect(!piece.unicodeScalars.contains("\u{FFFD}"), "\(text)")
                heldBack = heldBack || decoder.hasPendingBytes
                pieces.append(piece)
            }
            pieces.append(decoder.finish())
            #expect(pieces.joined() == text)
            // In these strings some character spans tokens, so the decoder had to hold bytes back.
            #expect(heldBack, "\(text)")
        }
    }
}
