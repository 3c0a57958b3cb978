import Foundation
import Testing
@testable import FlintText

/// Without special tokens Hugging Face still runs the post-processor, so ByteLevel's `trim_offsets` still
/// applies. Expected values from tokenizers 0.23.3: `Tokenizer.from_file(f).encode(s, add_special_tokens=False)`.
@Suite struct BytePairEncodingNoSpecialTokensTests {
    static let cases: [(file: String, text: String, ids: [Int], offsets: [[Int]])] = [
        ("bpe_gpt2_style", "Hello world", [42, 571, 81, 261, 274, 78, 70],
         [[0, 1], [1, 4], [4, 5], [6, 7], [7, 9], [9, 10], [10, 11]]),
        ("bpe_gpt2_style", "  two  spaces here", [223, 810, 223, 397, 486], [[0, 0], [2, 5], [6, 6], [7, 13], [14, 18]]),
        ("bpe_gpt2_style", "Hi there, friend!", [42, 75, 470, 14, 265, 84, 75, 299, 70, 3],
         [[0, 1], [1, 2], [3, 8], [8, 9], [10, 11], [11, 12], [12, 13], [13, 15], [15, 16], [16, 17]]),
        ("bpe_llama3_full", "Hello world", [42, 577, 81, 261, 274, 78, 70],
         [[0, 1], [1, 4], [4, 5], [5, 7], [7, 9], [9, 10], [10, 11]]),
        ("bpe_llama3_full", "  two  spaces here", [223, 819, 223, 387, 482], [[0, 1], [1, 5], [5, 6], [6, 13], [13, 18]]),
    ]

    @Test func offsetsAreTrimmedWithoutSpecialTokensToo() throws {
        for item in Self.cases {
            let url = try #require(Bundle.module.url(forResource: "Fixtures/\(item.file)", withExtension: "json"))
            var tokenizer = try Tokenizer(contentsOf: url)
            tokenizer.padding = nil
            tokenizer.truncation = nil
            let encoding = tokenizer.encode(item.text, addSpecialTokens: false)
            #expect(encoding.ids == item.ids, "\(item.file): \(item.text)")
            #expect(encoding.offsets.map { [$0.lowerBound, $0.upperBound] } == item.offsets, "\(item.file): \(item.text)")
        }
    }
}
