import Foundation
@testable import FlintText

/// Cases made by the Hugging Face fast tokenizer for MiniLM (scripts/fixtures/make_tokenizer_cases.py →
/// Fixtures/minilm_tokenizer_cases.json): offsets, word ids, pairs, truncation, overflow, padding, decoding.
enum TokenizerCases {
    nonisolated(unsafe) static let object: [String: Any] = {
        let url = Bundle.module.url(forResource: "Fixtures/minilm_tokenizer_cases", withExtension: "json")!
        return try! JSONSerialization.jsonObject(with: Data(contentsOf: url)) as! [String: Any]
    }()

    /// The cases of one section.
    static func section(_ name: String) -> [[String: Any]] { object[name] as! [[String: Any]] }

    /// `[[start, end]]` as ranges.
    static func offsets(_ value: Any?) -> [Range<Int>] {
        (value as! [[Int]]).map { $0[0]..<$0[1] }
    }

    /// A list with nulls as optionals.
    static func optionals(_ value: Any?) -> [Int?] {
        (value as! [Any]).map { $0 as? Int }
    }
}
