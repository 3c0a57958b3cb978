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
        let file = try GGUFFile(path: try TestModels.smolLM2.path)
        return try GGUFVocabulary.tokenizer(file.header)
    }

    static func tokenizer() throws -> GGMLTokenizer { try loaded.get() }

    /// The fixture file in the FlintTextTests folder of the source tree.
    static let fixtureURL = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("FlintTextTests/Fixtures/gguf-tokenizer/smollm2.json")

    /// The fixture's `cases` and `variants` (the `tokenizer` metadata is read with `metadata()`).
    struct Fixture: Decodable {
        let cases: [GGUFTokenizerReference.Case]
        let variants: [Variants]
    }

    /// One string of `variants`, tokenized with the four add_bos/special combinations.
    struct Variants: Decodable {
        let text: String
        let addBOSSpecial: GGUFTokenizerReference.Case
        let addBOS: GGUFTokenizerReference.Case
        let special: GGUFTokenizerReference.Case
        let neither: GGUFTokenizerReference.Case

        enum CodingKeys: String, CodingKey {
            case text
            case addBOSSpecial = "add_bos_true_special_true", addBOS = "add_bos_true_special_false"
            case special = "add_bos_false_special_true", neither = "add_bos_false_special_false"
        }

        /// (add_bos, special, the recorded ids and detokenizations).
        var all: [(Bool, Bool, GGUFTokenizerReference.Case)] {
            [(true, true, addBOSSpecial), (true, false, addBOS), (false, true, special), (false, false, neither)]
        }
    }

    static let loadedFixture: Result<Fixture, any Error> = Result {
        // JSONDecoder, not JSONSerialization: the latter drops a leading U+FEFF (byte order mark) from strings.
        try JSONDecoder().decode(Fixture.self, from: Data(contentsOf: fixtureURL))
    }

    static func cases() throws -> [GGUFTokenizerReference.Case] { try loadedFixture.get().cases }

    /// The fixture's `tokenizer` object: the file's tokenizer metadata as gguf-py read it.
    static func metadata() throws -> [String: Any] {
        let object = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: fixtureURL)) as? [String: Any])
        return try #require(object["tokenizer"] as? [String: Any])
    }

    @Test func idsMatchLlamaCppOnEveryString() throws {
        let tokenizer = try Self.tokenizer()
        let cases = try Self.cases()
        #expect(cases.count >= 200)
        var mismatches = [String]()
        for entry in cases {
            let ids = tokenizer.encode(entry.text, addSpecial: true, parseSpecial: true)
            if let difference = GGUFTokenizerReference.difference(ids, entry.ids, tokenizer) {
                mismatches.append("\(entry.text.debugDescription): \(difference)")
            }
        }
        #expect(mismatches.isEmpty, """
            \(cases.count - mismatches.count) of \(cases.count) strings identical to llama.cpp; first differences:
            \(mismatches.prefix(10).joined(separator: "\n"))
            """)
    }

    @Test func tokenTextsAndDetokenizationMatchLlamaCpp() throws {
        let tokenizer = try Self.tokenizer()
        var mismatches = [String]()
        var roundTrips = 0
        for entry in try Self.cases() {
            let tokens = try #require(entry.tokens)
            if try entry.ids.map({ try tokenizer.tokenText($0) }) != tokens { mismatches.append("token texts of \(entry.text.debugDescription)") }
            mismatches += try GGUFTokenizerReference.detokenizationMismatches(tokenizer, entry.ids, entry, label: entry.text.debugDescription)
            // Decoding round-trips (special tokens rendered) wherever llama.cpp's does: llama.cpp drops the bytes
            // whose byte-level character is not in SmolLM2's vocabulary (some control characters, the lead bytes
            // F1 and F2 of supplementary-plane characters), so those few strings do not come back in either.
            if try GGUFTokenizerReference.bytes(entry.detokenized) == Array(entry.text.utf8) {
                roundTrips += 1
                if try tokenizer.decode(entry.ids, renderSpecial: true) != entry.text { mismatches.append("round trip of \(entry.text.debugDescription)") }
            }
        }
        #expect(mismatches.isEmpty, "\(mismatches.count) mismatches:\n\(mismatches.prefix(10).joined(separator: "\n"))")
        #expect(roundTrips >= 260)
    }

    @Test func addBOSAndSpecialVariantsMatchLlamaCpp() throws {
        let tokenizer = try Self.tokenizer()
        let variants = try Self.loadedFixture.get().variants
        #expect(variants.count >= 20)
        var mismatches = [String]()
        for entry in variants {
            for (addBOS, special, expected) in entry.all {
                let label = "\(entry.text.debugDescription) add_bos \(addBOS) special \(special)"
                let ids = tokenizer.encode(entry.text, addSpecial: addBOS, parseSpecial: special)
                if let difference = GGUFTokenizerReference.difference(ids, expected.ids, tokenizer) {
                    mismatches.append("\(label): \(difference)")
                }
                mismatches += try GGUFTokenizerReference.detokenizationMismatches(tokenizer, expected.ids, expected, label: label)
            }
        }
        #expect(mismatches.isEmpty, "\(mismatches.count) mismatches:\n\(mismatches.prefix(10).joined(separator: "\n"))")
    }

    @Test func streamingDecodingOfEveryFixtureEmitsWholeCharactersAndTheFullText() throws {
        let tokenizer = try Self.tokenizer()
        var splitCharacters = 0
        for entry in try Self.cases() {
            for renderSpecial in [true, false] {
                let streamed = try GGUFTokenizerReference.streamed(tokenizer, entry.ids, renderSpecial: renderSpecial)
                let full = try tokenizer.decodeBytes(entry.ids, renderSpecial: renderSpecial)
                let label = "\(entry.text.debugDescription) renderSpecial \(renderSpecial)"
                // Together the pieces are the text; each is whole characters: no U+FFFD unless the bytes themselves
                // are not UTF-8 (the strings where llama.cpp drops a lead byte).
                #expect(streamed.pieces.joined() == String(decoding: full, as: UTF8.self), "\(label)")
                if String(validating: full, as: UTF8.self) != nil {
                    #expect(!streamed.pieces.contains { $0.unicodeScalars.contains("\u{FFFD}") }, "\(label)")
                }
                splitCharacters += streamed.heldBack
            }
        }
        // The fixture has characters spread over several tokens (CJK, emoji), so the decoder had to hold bytes back.
        #expect(splitCharacters > 100)
    }

    @Test func streamingDecodingOfRandomIdSequencesAgreesWithDecodingAll() throws {
        // Random ids, most of them byte-level single-byte tokens (ids below 300), so that lead bytes, continuation
        // bytes and invalid sequences meet at every kind of token boundary. Whatever the bytes, the streamed text is
        // the whole decode, and where the bytes are valid UTF-8 no piece has a U+FFFD.
        let tokenizer = try Self.tokenizer()
        var random = RandomGenerator(seed: 12)
        var validSequences = 0
        for sequence in 0..<3_000 {
            let count = 1 + Int(random.next() % 12)
            let ids = (0..<count).map { _ in Int(random.next() % 4 == 0 ? random.next() % UInt64(tokenizer.count) : random.next() % 300) }
            let streamed = try GGUFTokenizerReference.streamed(tokenizer, ids, renderSpecial: sequence % 2 == 0)
            let full = try tokenizer.decodeBytes(ids, renderSpecial: sequence % 2 == 0)
            #expect(streamed.pieces.joined() == String(decoding: full, as: UTF8.self), "\(ids)")
            if String(validating: full, as: UTF8.self) != nil {
                validSequences += 1
                #expect(!streamed.pieces.contains { $0.unicodeScalars.contains("\u{FFFD}") }, "\(ids)")
            }
        }
        #expect(validSequences > 500 && validSequences < 3_000)
    }

    /// Tests/FlintTextTests/Fixtures/gguf-tokenizer/smollm2-pre-tokenizers.json
    /// (scripts/fixtures/make_gguf_pretokenizer_fixture.py): SmolLM2's vocabulary under other `tokenizer.ggml.pre` names.
    struct PreTokenizerFixture: Decodable {
        let texts: [String]
        let preTokenizers: [String: [GGUFTokenizerReference.Case]]

        enum CodingKeys: String, CodingKey {
            case texts, preTokenizers = "pre_tokenizers"
        }
    }

    @Test(arguments: ["gpt-2", "llama-bpe", "qwen2", "default"])
    func otherPreTokenizersOnTheSameVocabularyMatchLlamaCpp(_ name: String) throws {
        let url = Self.fixtureURL.deletingLastPathComponent().appendingPathComponent("smollm2-pre-tokenizers.json")
        let fixture = try JSONDecoder().decode(PreTokenizerFixture.self, from: Data(contentsOf: url))
        let cases = try #require(fixture.preTokenizers[name])
        #expect(cases.count == fixture.texts.count && cases.count >= 200)
        var vocabulary = try GGUFVocabulary.read(GGUFFile(path: try TestModels.smolLM2.path).header)
        vocabulary.preTokenizer = name
        let tokenizer = try GGMLTokenizer(vocabulary: vocabulary)
        var mismatches = [String]()
        for (text, entry) in zip(fixture.texts, cases) {
            let label = "\(name) \(text.debugDescription)"
            if let difference = GGUFTokenizerReference.difference(tokenizer.encode(text, addSpecial: true, parseSpecial: true), entry.ids, tokenizer) {
                mismatches.append("\(label): \(difference)")
            }
            mismatches += try GGUFTokenizerReference.detokenizationMismatches(tokenizer, entry.ids, entry, label: label)
        }
        #expect(mismatches.isEmpty, """
            \(mismatches.count) mismatches in \(cases.count) strings:
            \(mismatches.prefix(10).joined(separator: "\n"))
            """)
    }

    /// Tests/FlintTextTests/Fixtures/gguf-tokenizer/special-token-strip.json
    /// (scripts/fixtures/make_gguf_special_strip_fixture.py): vocabularies where llama.cpp strips whitespace next to
    /// special tokens, made by the modifications the fixture records.
    struct StripFixture: Decodable {
        struct Vocabulary: Decodable {
            let modelName: String?
            let preTokenizer: String?
            let appendedTokens: [AppendedToken]
            let cases: [GGUFTokenizerReference.Case]

            enum CodingKeys: String, CodingKey {
                case modelName = "general.name", preTokenizer = "tokenizer.ggml.pre", appendedTokens = "appended_tokens", cases
            }
        }

        /// `[text, token type]`.
        struct AppendedToken: Decodable {
            let text: String
            let type: Int32

            init(from decoder: any Decoder) throws {
                var container = try decoder.unkeyedContainer()
                text = try container.decode(String.self)
                type = try container.decode(Int32.self)
            }
        }

        let vocabularies: [String: Vocabulary]
    }

    @Test(arguments: ["phi-3", "jina-v2-code"])
    func whitespaceStrippingNextToSpecialTokensMatchesLlamaCpp(_ name: String) throws {
        let url = Self.fixtureURL.deletingLastPathComponent().appendingPathComponent("special-token-strip.json")
        let fixture = try #require(try JSONDecoder().decode(StripFixture.self, from: Data(contentsOf: url)).vocabularies[name])
        let source = name == "phi-3"
            ? URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/gguf-tiny/tiny-llama-untied-mha.gguf").path
            : try TestModels.smolLM2.path
        var vocabulary = try GGUFVocabulary.read(GGUFFile(path: source).header)
        if let modelName = fixture.modelName { vocabulary.modelName = modelName }
        if let preTokenizer = fixture.preTokenizer { vocabulary.preTokenizer = preTokenizer }
        for token in fixture.appendedTokens {
            vocabulary.tokens.append(token.text)
            vocabulary.tokenTypes?.append(try #require(GGMLVocabulary.TokenType(rawValue: token.type)))
            vocabulary.scores?.append(0)
        }
        let tokenizer = try GGMLTokenizer(vocabulary: vocabulary)
        #expect(fixture.cases.count >= 8)
        var mismatches = [String]()
        for entry in fixture.cases {
            let label = "\(name) \(entry.text.debugDescription)"
            if let difference = GGUFTokenizerReference.difference(tokenizer.encode(entry.text, addSpecial: true, parseSpecial: true), entry.ids, tokenizer) {
                mismatches.append("\(label): \(difference)")
            }
            let plain = try #require(entry.idsWithoutBOSAndSpecial)
            if let difference = GGUFTokenizerReference.difference(tokenizer.encode(entry.text, addSpecial: false, parseSpecial: false), plain, tokenizer) {
                mismatches.append("\(label) add_bos false special false: \(difference)")
            }
            mismatches += try GGUFTokenizerReference.detokenizationMismatches(tokenizer, entry.ids, entry, label: label)
        }
        #expect(mismatches.isEmpty, "\(mismatches.count) mismatches:\n\(mismatches.prefix(10).joined(separator: "\n"))")
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
    }

    @Test func specialTokensAndFlagsComeFromTheFileMetadata() throws {
        let tokenizer = try Self.tokenizer()
        let metadata = try Self.metadata()
        #expect(tokenizer.count == metadata["token_count"] as? Int)
        #expect(tokenizer.vocabulary.merges.count == metadata["merge_count"] as? Int)
        #expect(tokenizer.vocabulary.preTokenizer == metadata["tokenizer.ggml.pre"] as? String)
        #expect(tokenizer.bos == metadata["tokenizer.ggml.bos_token_id"] as? Int)
        #expect(tokenizer.eos == metadata["tokenizer.ggml.eos_token_id"] as? Int)
        #expect(tokenizer.unknown == metadata["tokenizer.ggml.unknown_token_id"] as? Int)
        #expect(tokenizer.padding == metadata["tokenizer.ggml.padding_token_id"] as? Int)
        #expect(tokenizer.addsBOS == metadata["tokenizer.ggml.add_bos_token"] as? Bool)
        #expect(tokenizer.addsSpacePrefix == metadata["tokenizer.ggml.add_space_prefix"] as? Bool)
        #expect(!tokenizer.addsEOS)
        // llama.cpp 0.3.36 on this file (llama_vocab_eot, llama_vocab_is_eog over all ids): EOT is <|endoftext|> (0),
        // and generation ends at <|endoftext|>, <|im_end|> (EOS) and <reponame> (the fill-in-the-middle repository token).
        #expect(tokenizer.endOfTurn == 0)
        #expect(tokenizer.endOfGeneration == [0, 2, 4])
        #expect(tokenizer.isEndOfGeneration(2) && !tokenizer.isEndOfGeneration(1))
    }
}

/// The tiny random GGUF models of Tests/FlintModelsTests/Fixtures/gguf-tiny (scripts/fixtures/make_tiny_gguf_models.py):
/// llama.cpp's ids of ~40 strings and of the logit prompts for a SentencePiece (`llama`) vocabulary trained by the
/// script, and for a SmolLM2 subset with the `smollm` and `qwen2` pre-tokenizers.
@Suite struct GGUFTinyModelTokenizerTests {
    static let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/gguf-tiny")

    /// A tiny model's JSON: the tokenizer cases and the logit prompts (the rest is for the model tests).
    struct Fixture: Decodable {
        struct Prompt: Decodable {
            let text: String
            let ids: [Int]
        }

        let tokenizerCases: [GGUFTokenizerReference.Case]
        let prompts: [String: Prompt]

        enum CodingKeys: String, CodingKey {
            case tokenizerCases = "tokenizer_cases", prompts
        }
    }

    /// Checks every case of the model's JSON: ids with BOS and special tokens parsed, ids without either, both
    /// detokenizations, streaming, the logit prompts' ids. Returns the mismatches.
    static func mismatches(model name: String, expectedModel: GGMLVocabulary.Model, pre: String) throws -> [String] {
        let file = try GGUFFile(path: folder.appendingPathComponent("\(name).gguf").path)
        let tokenizer = try GGUFVocabulary.tokenizer(file.header)
        #expect(tokenizer.vocabulary.model == expectedModel && tokenizer.vocabulary.preTokenizer == pre)
        let fixture = try JSONDecoder().decode(Fixture.self, from: Data(contentsOf: folder.appendingPathComponent("\(name).json")))
        #expect(fixture.tokenizerCases.count >= 30)
        var mismatches = [String]()
        for entry in fixture.tokenizerCases {
            let label = "\(name) \(entry.text.debugDescription)"
            if let difference = GGUFTokenizerReference.difference(tokenizer.encode(entry.text, addSpecial: true, parseSpecial: true), entry.ids, tokenizer) {
                mismatches.append("\(label): \(difference)")
            }
            let plain = try #require(entry.idsWithoutBOSAndSpecial)
            if let difference = GGUFTokenizerReference.difference(tokenizer.encode(entry.text, addSpecial: false, parseSpecial: false), plain, tokenizer) {
                mismatches.append("\(label) add_bos false special false: \(difference)")
            }
            mismatches += try GGUFTokenizerReference.detokenizationMismatches(tokenizer, entry.ids, entry, label: label)
            let streamed = try GGUFTokenizerReference.streamed(tokenizer, entry.ids, renderSpecial: true)
            let full = try tokenizer.decodeBytes(entry.ids, renderSpecial: true)
            if String(validating: full, as: UTF8.self) != nil, streamed.pieces.contains(where: { $0.unicodeScalars.contains("\u{FFFD}") }) {
                mismatches.append("\(label): the streaming decoder emitted U+FFFD")
            }
        }
        for (prompt, entry) in fixture.prompts {
            if let difference = GGUFTokenizerReference.difference(tokenizer.encode(entry.text, addSpecial: true, parseSpecial: true), entry.ids, tokenizer) {
                mismatches.append("\(name) prompt \(prompt): \(difference)")
            }
        }
        return mismatches
    }

    @Test func sentencePieceVocabularyMatchesLlamaCpp() throws {
        let mismatches = try Self.mismatches(model: "tiny-llama-untied-mha", expectedModel: .llama, pre: "default")
        #expect(mismatches.isEmpty, "\(mismatches.count) mismatches:\n\(mismatches.prefix(10).joined(separator: "\n"))")
        let file = try GGUFFile(path: Self.folder.appendingPathComponent("tiny-llama-untied-mha.gguf").path)
        let tokenizer = try GGUFVocabulary.tokenizer(file.header)
        #expect(tokenizer.addsBOS && tokenizer.addsSpacePrefix && tokenizer.bos == 1 && tokenizer.eos == 2 && tokenizer.unknown == 0)
    }

    @Test func smollmPreTokenizerOnASubsetVocabularyMatchesLlamaCpp() throws {
        let mismatches = try Self.mismatches(model: "tiny-llama-tied-gqa", expectedModel: .gpt2, pre: "smollm")
        #expect(mismatches.isEmpty, "\(mismatches.count) mismatches:\n\(mismatches.prefix(10).joined(separator: "\n"))")
    }

    @Test func qwen2PreTokenizerMatchesLlamaCpp() throws {
        let mismatches = try Self.mismatches(model: "tiny-qwen2-bias", expectedModel: .gpt2, pre: "qwen2")
        #expect(mismatches.isEmpty, "\(mismatches.count) mismatches:\n\(mismatches.prefix(10).joined(separator: "\n"))")
    }
}

/// Comparisons against llama.cpp's recorded ids and detokenizations, shared by the GGUF tokenizer suites.
enum GGUFTokenizerReference {
    /// A fixture's text or bytes: `{"text": …}` when valid UTF-8, else `{"hex": …}`.
    struct Detokenized: Decodable {
        let text: String?
        let hex: String?
    }

    /// One string with llama.cpp's ids and the two detokenizations of those ids.
    struct Case: Decodable {
        /// Absent in the add_bos/special variants (the text is their parent's).
        let text: String
        let ids: [Int]
        let tokens: [String]?
        let idsWithoutBOSAndSpecial: [Int]?
        let detokenized: Detokenized
        let detokenizedRemoveSpecial: Detokenized

        enum CodingKeys: String, CodingKey {
            case text, ids, tokens, idsWithoutBOSAndSpecial = "ids_add_bos_false_special_false", detokenized
            case detokenizedRemoveSpecial = "detokenized_remove_special"
        }

        init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            text = try container.decodeIfPresent(String.self, forKey: .text) ?? ""
            ids = try container.decode([Int].self, forKey: .ids)
            tokens = try container.decodeIfPresent([String].self, forKey: .tokens)
            idsWithoutBOSAndSpecial = try container.decodeIfPresent([Int].self, forKey: .idsWithoutBOSAndSpecial)
            detokenized = try container.decode(Detokenized.self, forKey: .detokenized)
            detokenizedRemoveSpecial = try container.decode(Detokenized.self, forKey: .detokenizedRemoveSpecial)
        }
    }

    /// Nil when the id lists are equal, else where they first differ, with the token texts around it.
    static func difference(_ ids: [Int], _ expected: [Int], _ tokenizer: GGMLTokenizer) -> String? {
        guard ids != expected else { return nil }
        let position = zip(ids, expected).enumerated().first { $0.element.0 != $0.element.1 }?.offset ?? min(ids.count, expected.count)
        func around(_ list: [Int]) -> String {
            let window = list[position..<min(list.count, position + 4)]
            return window.map { id in "\(id) \((try? tokenizer.tokenText(id))?.debugDescription ?? "?")" }.joined(separator: ", ")
        }
        return "first difference at id \(position) of \(expected.count): Flint [\(around(ids))] llama.cpp [\(around(expected))]"
            + " (Flint \(ids.count) ids)"
    }

    /// The bytes of a fixture's `{"text": …}` or `{"hex": …}`.
    static func bytes(_ value: Detokenized) throws -> [UInt8] {
        if let text = value.text { return Array(text.utf8) }
        let hex = Array(try #require(value.hex).utf8)
        return try stride(from: 0, to: hex.count, by: 2).map {
            try #require(UInt8(String(decoding: hex[$0..<($0 + 2)], as: UTF8.self), radix: 16))
        }
    }

    /// `llama_detokenize(ids, remove_special: false, unparse_special: true)` and `(remove_special: true,
    /// unparse_special: false)` against the entry's `detokenized` and `detokenized_remove_special`.
    static func detokenizationMismatches(_ tokenizer: GGMLTokenizer, _ ids: [Int], _ entry: Case, label: String) throws -> [String] {
        var mismatches = [String]()
        if try tokenizer.decodeBytes(ids, removeSpecial: false, renderSpecial: true) != bytes(entry.detokenized) {
            mismatches.append("detokenized \(label): \(try tokenizer.decode(ids, renderSpecial: true).debugDescription)")
        }
        if try tokenizer.decodeBytes(ids, removeSpecial: true, renderSpecial: false) != bytes(entry.detokenizedRemoveSpecial) {
            mismatches.append("detokenized without special tokens \(label): \(try tokenizer.decode(ids, removeSpecial: true).debugDescription)")
        }
        return mismatches
    }

    /// The strings a streaming decoder emits for `ids` (`finish()` last), and how many times it held bytes back.
    static func streamed(_ tokenizer: GGMLTokenizer, _ ids: [Int], renderSpecial: Bool) throws -> (pieces: [String], heldBack: Int) {
        var decoder = tokenizer.streamingDecoder(renderSpecial: renderSpecial)
        var pieces = [String]()
        var heldBack = 0
        for id in ids {
            pieces.append(try decoder.append(id))
            if decoder.hasPendingBytes { heldBack += 1 }
        }
        pieces.append(decoder.finish())
        return (pieces, heldBack)
    }
}
