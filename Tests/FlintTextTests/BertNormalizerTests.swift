import Foundation
import Testing
@testable import FlintText

/// BertNormalizer and the BERT pipeline on Unicode edge cases (control, format, private-use and
/// unassigned code points, whitespace, CJK range edges, case mappings, accents) against
/// `tokenizers.normalizers.BertNormalizer.normalize_str` and the fast tokenizer.
@Suite struct BertNormalizerTests {
    static func normalize(_ normalizer: BertNormalizer, _ text: String) -> String {
        var normalized = NormalizedText(original: text.unicodeScalars)
        normalizer.normalize(&normalized)
        let scalars = Array(text.unicodeScalars)
        let direct = scalars.withUnsafeBufferPointer { normalizer.normalized(original: $0, offset: 0) }
        #expect(direct == normalized, "\(text.unicodeScalars.map { String($0.value, radix: 16) })")
        return normalized.string
    }

    @Test func normalizerMatchesTokenizersOnEdgeCases() throws {
        let cases = TokenizerCases.section("unicode_edge")
        #expect(cases.count > 60)
        let settings: [(String, BertNormalizer)] = [
            ("normalized", BertNormalizer()),
            ("normalized_keep_accents", BertNormalizer(stripAccents: false)),
            ("normalized_cased", BertNormalizer(handleChineseCharacters: false, lowercase: false)),
            ("normalized_strip_cased", BertNormalizer(cleanText: false, stripAccents: true, lowercase: false)),
        ]
        for entry in cases {
            let text = entry["text"] as! String
            let label = text.unicodeScalars.map { String($0.value, radix: 16) }.joined(separator: " ")
            for (key, normalizer) in settings {
                // Compare scalar by scalar: Swift's String == would equate canonically equivalent forms.
                let expected = Array((entry[key] as! String).unicodeScalars)
                #expect(Array(BertNormalizerTests.normalize(normalizer, text).unicodeScalars) == expected, "\(key): \(label)")
            }
        }
    }

    @Test func edgeCaseIdsMatchFastTokenizer() throws {
        for entry in TokenizerCases.section("unicode_edge") {
            let text = entry["text"] as! String
            let label = text.unicodeScalars.map { String($0.value, radix: 16) }.joined(separator: " ")
            #expect(try MiniLMReference.pretrained.encode(text).ids == entry["input_ids"] as! [Int], "\(label)")
            #expect(try MiniLMReference.fromVocabulary.encode(text).tokens == entry["tokens"] as! [String], "\(label)")
        }
    }

    @Test func alignmentPointsBackToTheOriginalScalars() throws {
        // "Ａ" (fullwidth, kept) "é" (stripped to e) "中" (spaced) BEL (deleted) "ǅ" (lowercased to ǆ).
        var text = NormalizedText(original: "xé中\u{7}ǅ".unicodeScalars, offset: 10)
        BertNormalizer().normalize(&text)
        #expect(text.string == "xe 中 ǆ")
        #expect(text.originStart == [10, 11, 12, 12, 12, 14])
        #expect(text.originEnd == [11, 12, 13, 13, 13, 15])
    }
}
