import Foundation
import Testing
@testable import FlintText

/// 600 random strings over many Unicode blocks and 300 sentences of the benchmark corpus: ids and
/// offsets identical to the Hugging Face fast tokenizer (scripts/fixtures/make_random_unicode_cases.py).
@Suite struct RandomUnicodeExactnessTests {
    @Test func idsAndOffsetsMatchOnRandomUnicode() throws {
        let url = try #require(Bundle.module.url(forResource: "Fixtures/minilm_random_unicode", withExtension: "json"))
        let object = try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as! [String: Any]
        let cases = object["cases"] as! [[String: Any]]
        #expect(cases.count == 900)
        let texts = cases.map { $0["text"] as! String }
        for tokenizer in [try MiniLMReference.pretrained, try MiniLMReference.fromVocabulary] {
            let encodings = tokenizer.encodeBatch(texts)
            var mismatches = 0
            for (entry, encoding) in zip(cases, encodings) {
                let same = encoding.ids == entry["input_ids"] as! [Int] && encoding.offsets == TokenizerCases.offsets(entry["offsets"])
                if !same {
                    mismatches += 1
                    let text = entry["text"] as! String
                    Issue.record("\(text.unicodeScalars.map { String($0.value, radix: 16) }): \(encoding.ids) vs \(entry["input_ids"]!)")
                }
            }
            #expect(mismatches == 0)
        }
    }
}
