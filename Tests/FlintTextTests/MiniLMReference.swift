import Foundation
import FlintTestSupport
@testable import FlintText

/// The MiniLM fixture made by the Hugging Face fast tokenizer (Fixtures/minilm_reference.json) and
/// tokenizers loaded from the MiniLM folder, shared by the tokenizer tests.
enum MiniLMReference {
    /// One text of the fixture.
    struct Text: Sendable {
        var key: String
        var text: String
        var inputIds: [Int]
        var tokens: [String]
        var inputIdsTruncated256: [Int]?
    }

    nonisolated(unsafe) static let object: [String: Any] = {
        let url = Bundle.module.url(forResource: "Fixtures/minilm_reference", withExtension: "json")!
        return try! JSONSerialization.jsonObject(with: Data(contentsOf: url)) as! [String: Any]
    }()

    static let texts: [Text] = (object["texts"] as! [[String: Any]]).map { entry in
        Text(key: entry["key"] as! String, text: entry["text"] as! String, inputIds: entry["input_ids"] as! [Int],
             tokens: entry["tokens"] as! [String], inputIdsTruncated256: entry["input_ids_trunc256"] as? [Int])
    }

    /// `raw_tokenizers_lib_with_tokenizer_json_defaults`: key → (ids, attention mask sum).
    static let rawDefaults: [String: (ids: [Int], attentionSum: Int)] = {
        let raw = object["raw_tokenizers_lib_with_tokenizer_json_defaults"] as! [String: [String: Any]]
        return raw.mapValues { ($0["ids"] as! [Int], $0["attention_mask_sum"] as! Int) }
    }()

    static func text(_ key: String) -> Text { texts.first { $0.key == key }! }

    // Loaded once; a missing model makes each test that uses them throw (try TestModels.miniLM says how to fetch it).
    private static let rawTokenizerResult = Result { try Tokenizer(contentsOf: try TestModels.miniLM.appendingPathComponent("tokenizer.json")) }
    private static let pretrainedResult = Result { try Tokenizer.fromPretrained(try TestModels.miniLM) }
    private static let fromVocabularyResult = Result { () throws -> Tokenizer in
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("flint-minilm-vocab-\(getpid())")
        try? FileManager.default.removeItem(at: folder)
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        for name in ["vocab.txt", "tokenizer_config.json", "special_tokens_map.json"] {
            try FileManager.default.copyItem(at: try TestModels.miniLM.appendingPathComponent(name), to: folder.appendingPathComponent(name))
        }
        return try Tokenizer.fromPretrained(folder)
    }

    /// `tokenizer.json` loaded raw (its truncation 128 and padding 128 on).
    static var rawTokenizer: Tokenizer { get throws { try rawTokenizerResult.get() } }

    /// `Tokenizer.fromPretrained` on the MiniLM folder (tokenizer.json).
    static var pretrained: Tokenizer { get throws { try pretrainedResult.get() } }

    /// The tokenizer built from `vocab.txt` + `tokenizer_config.json` only.
    static var fromVocabulary: Tokenizer { get throws { try fromVocabularyResult.get() } }
}
