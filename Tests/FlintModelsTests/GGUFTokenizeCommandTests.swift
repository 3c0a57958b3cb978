import Foundation
import Testing
import FlintTestSupport

/// `flint tokenize --model FILE.gguf`: llama.cpp's ids from the real binary, and bad tokenizer metadata as an error
/// naming the file and key (exit status 1, never a signal).
@Suite struct GGUFTokenizeCommandTests {
    /// The `input_ids` of each JSON line `flint tokenize` printed.
    static func ids(_ run: FlintBinary.Run) throws -> [[Int]] {
        try run.standardOutput.split(separator: "\n").map { line in
            let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            return try #require(object["input_ids"] as? [Int])
        }
    }

    @Test func tokenizesWithTheFileVocabulary() throws {
        let model = try TestModels.smolLM2.path
        let text = "<|im_start|>user\nWhat is the capital of France?<|im_end|>\n"
        let run = try FlintBinary.run(["tokenize", "--model", model, text, "日本語 🙂"])
        #expect(run.status == 0, "\(run.standardError)")
        // The ids of GGUFTokenizerFixtureTests' chat prompt; 日本語 🙂 as llama-cpp-python 0.3.36 tokenizes it.
        #expect(try Self.ids(run) == [[1, 4093, 198, 1780, 314, 260, 3575, 282, 4649, 47, 2, 198], [23274, 115, 40993, 179, 120, 248, 47526]])
        let plain = try FlintBinary.run(["tokenize", "--model", model, "--no-parse-special", "<|im_end|>"])
        #expect(plain.status == 0, "\(plain.standardError)")
        #expect(try Self.ids(plain) == [[44, 108, 306, 79, 486, 108, 46]])
    }

    @Test func badTokenizerMetadataIsAnErrorNamingTheKey() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("flint-gguf-tokenize-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let cases: [(String, GGUFVocabularyTests.Value?, String)] = [
            ("tokenizer.ggml.merges", nil, "tokenizer.ggml.merges"),
            ("tokenizer.ggml.token_type", .int32s([1, 1, 1]), "tokenizer.ggml.token_type"),
            ("tokenizer.ggml.pre", .string("no-such-pre-tokenizer"), "tokenizer.ggml.pre"),
        ]
        for (key, value, fragment) in cases {
            let file = directory.appendingPathComponent("bad.gguf")
            try Data(GGUFVocabularyTests.file(GGUFVocabularyTests.replacing(key, with: value))).write(to: file)
            let run = try FlintBinary.run(["tokenize", "--model", file.path, "hello"])
            #expect(!run.signaled && run.status == 1, "\(key): status \(run.status) \(run.standardError)")
            #expect(run.standardError.contains(fragment) && run.standardError.contains("bad.gguf"), "\(key): \(run.standardError)")
        }
    }
}
