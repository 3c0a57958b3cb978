import Flint
import FlintModels
import FlintText
import Foundation
import Testing

/// Reading `tokenizer.ggml.*` metadata from GGUF headers written in the test, and the errors for each malformed key.
@Suite struct GGUFVocabularyTests {
    /// A GGUF v3 file with no tensors and the given metadata, as bytes.
    enum Value {
        case string(String), uint32(UInt32), int32(Int32), uint8(UInt8), bool(Bool)
        case strings([String]), int32s([Int32]), float32s([Float])
    }

    static func file(_ metadata: [(String, Value)]) -> [UInt8] {
        var bytes = [UInt8]()
        func u32(_ value: UInt32) { withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) } }
        func u64(_ value: UInt64) { withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) } }
        func string(_ text: String) {
            u64(UInt64(text.utf8.count))
            bytes.append(contentsOf: text.utf8)
        }
        bytes.append(contentsOf: Array("GGUF".utf8))
        u32(3)
        u64(0)
        u64(UInt64(metadata.count))
        for (key, value) in metadata {
            string(key)
            switch value {
            case let .string(text): u32(8); string(text)
            case let .uint32(number): u32(4); u32(number)
            case let .int32(number): u32(5); u32(UInt32(bitPattern: number))
            case let .uint8(number): u32(0); bytes.append(number)
            case let .bool(flag): u32(7); bytes.append(flag ? 1 : 0)
            case let .strings(texts): u32(9); u32(8); u64(UInt64(texts.count)); texts.forEach(string)
            case let .int32s(numbers): u32(9); u32(5); u64(UInt64(numbers.count)); numbers.forEach { u32(UInt32(bitPattern: $0)) }
            case let .float32s(numbers): u32(9); u32(6); u64(UInt64(numbers.count)); numbers.forEach { u32($0.bitPattern) }
            }
        }
        return bytes
    }

    static func header(_ metadata: [(String, Value)]) throws -> GGUFHeader {
        let bytes = file(metadata)
        return try bytes.withUnsafeBytes { try GGUFHeader(parsing: $0, path: "vocab.gguf") }
    }

    /// A byte-level vocabulary: `<|im_start|>`, `<|im_end|>`, GPT-2's 256 byte characters, "he", "hel", "hell", "hello".
    static func byteLevelMetadata() -> [(String, Value)] {
        let tokens = ["<|im_start|>", "<|im_end|>"] + ByteLevelAlphabet.scalarForByte.map { String($0) } + ["he", "ll", "hell", "hello"]
        let types = [Int32(3), 3] + [Int32](repeating: 1, count: 260)
        return [
            ("tokenizer.ggml.model", .string("gpt2")), ("tokenizer.ggml.pre", .string("smollm")),
            ("tokenizer.ggml.tokens", .strings(tokens)), ("tokenizer.ggml.token_type", .int32s(types)),
            ("tokenizer.ggml.merges", .strings(["h e", "l l", "he ll", "hell o"])),
            ("tokenizer.ggml.bos_token_id", .uint32(0)), ("tokenizer.ggml.eos_token_id", .uint32(1)),
            ("tokenizer.ggml.add_bos_token", .bool(true)), ("tokenizer.ggml.add_space_prefix", .bool(false)),
        ]
    }

    static func replacing(_ key: String, with value: Value?) -> [(String, Value)] {
        var metadata = byteLevelMetadata().filter { $0.0 != key }
        if let value { metadata.append((key, value)) }
        return metadata
    }

    @Test func readsAByteLevelVocabularyAndTokenizesWithIt() throws {
        let header = try Self.header(Self.byteLevelMetadata())
        let vocabulary = try GGUFVocabulary.read(header)
        #expect(vocabulary.model == .gpt2 && vocabulary.preTokenizer == "smollm")
        #expect(vocabulary.tokens.count == 262 && vocabulary.merges.count == 4)
        #expect(vocabulary.tokenTypes?.first == .control && vocabulary.bosId == 0 && vocabulary.eosId == 1)
        #expect(vocabulary.addBOS == true && vocabulary.addEOS == nil && vocabulary.addSpacePrefix == false)
        let tokenizer = try GGUFVocabulary.tokenizer(header)
        let hello = vocabulary.tokens.firstIndex(of: "hello")!
        #expect(tokenizer.encode("hello<|im_end|>", addSpecial: true, parseSpecial: true) == [0, hello, 1])
        #expect(tokenizer.endOfGeneration == [1])
        #expect(try tokenizer.decode([0, hello, 1], renderSpecial: true) == "<|im_start|>hello<|im_end|>")
    }

    /// The metadata field an error names.
    static func failure(_ metadata: [(String, Value)]) -> String {
        do {
            _ = try GGUFVocabulary.tokenizer(try header(metadata))
            return "no error"
        } catch let FlintError.invalidFile(_, field, _, _) {
            return field
        } catch let FlintError.missingEntry(_, name) {
            return "missing " + name
        } catch let TokenizerError.invalidFile(path, field, _, _) {
            return "\(path): \(field)"
        } catch {
            return "\(error)"
        }
    }

    @Test func malformedKeysAreErrorsNamingTheKey() {
        #expect(Self.failure(Self.replacing("tokenizer.ggml.model", with: nil)).hasPrefix("missing metadata \"tokenizer.ggml.model\""))
        #expect(Self.failure(Self.replacing("tokenizer.ggml.model", with: .string("bert"))) == "metadata \"tokenizer.ggml.model\"")
        #expect(Self.failure(Self.replacing("tokenizer.ggml.model", with: .uint32(2))) == "metadata \"tokenizer.ggml.model\"")
        #expect(Self.failure(Self.replacing("tokenizer.ggml.tokens", with: .int32s([1, 2]))) == "metadata \"tokenizer.ggml.tokens\"")
        #expect(Self.failure(Self.replacing("tokenizer.ggml.tokens", with: nil)) == "missing metadata \"tokenizer.ggml.tokens\"")
        #expect(Self.failure(Self.replacing("tokenizer.ggml.merges", with: nil)).hasPrefix("missing metadata \"tokenizer.ggml.merges\""))
        #expect(Self.failure(Self.replacing("tokenizer.ggml.token_type", with: .int32s([Int32](repeating: 9, count: 262))))
                == "metadata \"tokenizer.ggml.token_type\"[0]")
        #expect(Self.failure(Self.replacing("tokenizer.ggml.scores", with: .strings(["x"]))) == "metadata \"tokenizer.ggml.scores\"")
        #expect(Self.failure(Self.replacing("tokenizer.ggml.bos_token_id", with: .int32(-1))) == "metadata \"tokenizer.ggml.bos_token_id\"")
        #expect(Self.failure(Self.replacing("tokenizer.ggml.add_bos_token", with: .uint8(1))) == "metadata \"tokenizer.ggml.add_bos_token\"")
        #expect(Self.failure(Self.replacing("tokenizer.ggml.pre", with: .string("unheard-of"))) == "vocab.gguf: tokenizer.ggml.pre")
        // Lengths and id ranges are checked by the tokenizer, which names the key too.
        #expect(Self.failure(Self.replacing("tokenizer.ggml.token_type", with: .int32s([1, 1]))) == "vocab.gguf: tokenizer.ggml.token_type")
        #expect(Self.failure(Self.replacing("tokenizer.ggml.scores", with: .float32s([0]))) == "vocab.gguf: tokenizer.ggml.scores")
        #expect(Self.failure(Self.replacing("tokenizer.ggml.eos_token_id", with: .uint32(262))) == "vocab.gguf: tokenizer.ggml.eos_token_id")
        #expect(Self.failure(Self.replacing("tokenizer.ggml.merges", with: .strings(["h e", "q z"]))) == "vocab.gguf: tokenizer.ggml.merges[1]")
    }
}
