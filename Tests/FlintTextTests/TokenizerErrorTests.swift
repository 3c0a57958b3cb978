import Foundation
import FlintTestSupport
import Testing
@testable import FlintText

/// Bad tokenizer files throw errors naming the file, the field, and what was expected and found.
@Suite struct TokenizerErrorTests {
    nonisolated(unsafe) private static let miniLMJSONResult = Result { () throws -> [String: Any] in
        let url = try TestModels.miniLM.appendingPathComponent("tokenizer.json")
        return try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as! [String: Any]
    }
    /// MiniLM's tokenizer.json as a JSON object (throws, failing the test, when the model is missing).
    static var miniLMJSON: [String: Any] { get throws { try miniLMJSONResult.get() } }

    /// A temporary folder holding `files` (name → contents).
    static func folder(_ name: String, _ files: [String: Data]) throws -> URL {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("flint-tokenizer-\(name)-\(getpid())")
        try? FileManager.default.removeItem(at: folder)
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        for (file, data) in files { try data.write(to: folder.appendingPathComponent(file)) }
        return folder
    }

    static func json(_ object: [String: Any]) -> Data { try! JSONSerialization.data(withJSONObject: object) }

    /// MiniLM's tokenizer.json with `field` (a top-level key) changed by `change`.
    static func modified(_ field: String, _ change: (inout [String: Any]) -> Void) throws -> [String: Any] {
        var object = try Self.miniLMJSON
        var component = object[field] as! [String: Any]
        change(&component)
        object[field] = component
        return object
    }

    @Test func malformedJSONNamesTheFile() throws {
        let data = try Data(contentsOf: try TestModels.miniLM.appendingPathComponent("tokenizer.json"))
        let folder = try TokenizerErrorTests.folder("malformed", ["tokenizer.json": data.prefix(5000)])
        let url = folder.appendingPathComponent("tokenizer.json")
        #expect {
            try Tokenizer(contentsOf: url)
        } throws: { error in
            guard case let .invalidFile(path, field, expected, _) = error as? TokenizerError else { return false }
            return path == url.path && field == "(document)" && expected == "valid JSON"
        }
        #expect(throws: TokenizerError.self) { try Tokenizer.fromPretrained(folder) }
    }

    @Test func unknownComponentTypeIsNamed() throws {
        let cases: [(String, String)] = [("normalizer", "FancyNormalizer"), ("pre_tokenizer", "Metaspace2"),
                                         ("post_processor", "ChatTemplate"), ("decoder", "Telepathy"), ("model", "Unigram9")]
        for (field, type) in cases {
            let object = try TokenizerErrorTests.modified(field) { $0["type"] = type }
            #expect {
                try Tokenizer(json: JSONObject(object, path: "t.json"))
            } throws: { error in
                guard let error = error as? TokenizerError, case let .unsupportedComponent(path, errorField, errorType) = error else {
                    return false
                }
                return path == "t.json" && errorField == field && errorType == type && error.description.contains("\"\(type)\"")
            }
        }
    }

    @Test func wrongFieldTypeNamesTheField() throws {
        let object = try TokenizerErrorTests.modified("normalizer") { $0["lowercase"] = "yes" }
        #expect(throws: TokenizerError.invalidFile(path: "t.json", field: "normalizer.lowercase", expected: "true or false",
                                                   found: "the string \"yes\"")) {
            try Tokenizer(json: JSONObject(object, path: "t.json"))
        }
        var badVersion = try TokenizerErrorTests.miniLMJSON
        badVersion["version"] = "2.0"
        #expect(throws: TokenizerError.invalidFile(path: "t.json", field: "version", expected: "\"1.0\"", found: "the string \"2.0\"")) {
            try Tokenizer(json: JSONObject(badVersion, path: "t.json"))
        }
    }

    @Test func missingVocabulary() throws {
        let noVocab = try TokenizerErrorTests.modified("model") { $0.removeValue(forKey: "vocab") }
        #expect(throws: TokenizerError.invalidFile(path: "t.json", field: "model.vocab", expected: "an object", found: "nothing")) {
            try Tokenizer(json: JSONObject(noVocab, path: "t.json"))
        }
        let noUnknown = try TokenizerErrorTests.modified("model") { $0["vocab"] = ["a": 0, "b": 1] }
        #expect(throws: TokenizerError.self) { try Tokenizer(json: JSONObject(noUnknown, path: "t.json")) }

        let config = try Data(contentsOf: try TestModels.miniLM.appendingPathComponent("tokenizer_config.json"))
        let onlyConfig = try TokenizerErrorTests.folder("config-only", ["tokenizer_config.json": config])
        #expect(throws: TokenizerError.missingFiles(folder: onlyConfig.path, expected: ["tokenizer.json", "vocab.txt"])) {
            try Tokenizer.fromPretrained(onlyConfig)
        }
        let badVocab = try TokenizerErrorTests.folder("bad-vocab", ["tokenizer_config.json": config, "vocab.txt": Data("a\nb\n".utf8)])
        #expect {
            try Tokenizer.fromPretrained(badVocab)
        } throws: { error in
            guard case let .invalidFile(path, field, _, _) = error as? TokenizerError else { return false }
            return path.hasSuffix("vocab.txt") && field == "unk_token"
        }
        #expect(throws: TokenizerError.missingFiles(folder: "/nonexistent-flint", expected: ["tokenizer.json", "vocab.txt"])) {
            try Tokenizer.fromPretrained(URL(fileURLWithPath: "/nonexistent-flint"))
        }
    }

    @Test func unknownExtraKeysAreIgnored() throws {
        var object = try TokenizerErrorTests.modified("normalizer") { $0["future_option"] = [1, 2, 3] }
        object["some_new_section"] = ["x": true]
        var model = object["model"] as! [String: Any]
        model["byte_fallback"] = false
        object["model"] = model
        let tokenizer = try Tokenizer(json: JSONObject(object, path: "t.json"))
        let plain = MiniLMReference.text("plain_1")
        var untruncated = tokenizer
        untruncated.padding = nil
        #expect(untruncated.encode(plain.text).ids == plain.inputIds)
    }

    @Test func unsupportedTokenizerClassWithoutTokenizerJSON() throws {
        let vocab = try Data(contentsOf: try TestModels.miniLM.appendingPathComponent("vocab.txt"))
        let folder = try TokenizerErrorTests.folder("gpt2-class", [
            "vocab.txt": vocab, "tokenizer_config.json": Data("{\"tokenizer_class\": \"GPT2Tokenizer\"}".utf8)])
        #expect {
            try Tokenizer.fromPretrained(folder)
        } throws: { error in
            guard case let .unsupportedComponent(_, field, type) = error as? TokenizerError else { return false }
            return field == "tokenizer_class" && type == "GPT2Tokenizer"
        }
    }

    @Test func vocabularyFileLineEndingsAndSparseIds() throws {
        let config = Data("{\"do_lower_case\": true}".utf8)
        let crlf = try TokenizerErrorTests.folder("crlf", [
            "tokenizer_config.json": config, "vocab.txt": Data("[PAD]\r\n[UNK]\r\n[CLS]\r[SEP]\nhello\r\n##s\r\nworld".utf8)])
        let tokenizer = try Tokenizer.fromPretrained(crlf)
        #expect(tokenizer.vocabularySize == 7)
        let encoding = tokenizer.encode("Hellos WORLD x")
        #expect(encoding.ids == [2, 4, 5, 6, 1, 3])
        #expect(encoding.tokens == ["[CLS]", "hello", "##s", "world", "[UNK]", "[SEP]"])

        let sparse = try TokenizerErrorTests.modified("model") { $0["vocab"] = ["[UNK]": 0, "a": 1_000_000_000_000] }
        #expect(throws: TokenizerError.self) { try Tokenizer(json: JSONObject(sparse, path: "t.json")) }
        let negative = try TokenizerErrorTests.modified("model") { $0["vocab"] = ["[UNK]": 0, "a": -4] }
        #expect(throws: TokenizerError.invalidFile(path: "t.json", field: "model.vocab.a", expected: "an id ≥ 0", found: "the number -4")) {
            try Tokenizer(json: JSONObject(negative, path: "t.json"))
        }
    }

    @Test func truncationToNothingKeepsEverythingAsOverflow() throws {
        var encoding = try MiniLMReference.pretrained.encode("one two three", addSpecialTokens: false)
        encoding.truncate(to: -3)
        #expect(encoding.count == 0)
        #expect(encoding.overflowing.map(\.ids) == [[2028, 2048, 2093]])
        var tokenizer = try MiniLMReference.pretrained
        tokenizer.truncation = Truncation(maximumLength: 1)
        let tiny = tokenizer.encode("one two three")
        #expect(tiny.ids == [101, 102])
        #expect(tiny.overflowing.first?.ids == [101, 2028, 2048, 2093, 102])
    }
}
