import Foundation
import Testing
@testable import FlintText

/// Ids and tokens identical to the Hugging Face fast tokenizer on every text of the MiniLM fixture.
@Suite struct WordPieceExactnessTests {
    @Test func tokenizerJSONMatchesFixtureOnEveryText() throws {
        var tokenizer = try MiniLMReference.pretrained
        tokenizer.truncation = Truncation(maximumLength: 512)
        for text in MiniLMReference.texts {
            let encoding = tokenizer.encode(text.text)
            #expect(encoding.ids == text.inputIds, "\(text.key)")
            #expect(encoding.tokens == text.tokens, "\(text.key)")
            #expect(encoding.attentionMask == Array(repeating: 1, count: text.inputIds.count), "\(text.key)")
            #expect(encoding.typeIds == Array(repeating: 0, count: text.inputIds.count), "\(text.key)")
        }
    }

    @Test func vocabularyFileMatchesFixtureOnEveryText() throws {
        var tokenizer = try MiniLMReference.fromVocabulary
        #expect(tokenizer.modelMaximumLength == 512)
        tokenizer.truncation = Truncation(maximumLength: tokenizer.modelMaximumLength ?? 512)
        for text in MiniLMReference.texts {
            let encoding = tokenizer.encode(text.text)
            #expect(encoding.ids == text.inputIds, "\(text.key)")
            #expect(encoding.tokens == text.tokens, "\(text.key)")
        }
    }

    @Test func truncationTo256MatchesSentenceTransformersInput() throws {
        var tokenizer = try MiniLMReference.pretrained
        tokenizer.truncation = Truncation(maximumLength: 256)
        var checked = 0
        for text in MiniLMReference.texts {
            let expected = text.inputIdsTruncated256 ?? text.inputIds
            #expect(tokenizer.encode(text.text).ids == expected, "\(text.key)")
            if text.inputIdsTruncated256 != nil { checked += 1 }
        }
        #expect(checked >= 1)
    }

    @Test func rawTokenizerJSONAppliesStoredTruncationAndPadding() throws {
        let tokenizer = try MiniLMReference.rawTokenizer
        #expect(tokenizer.truncation == Truncation(maximumLength: 128, strategy: .longestFirst, stride: 0, direction: .right))
        #expect(tokenizer.padding == Padding(strategy: .fixed(128), side: .right, padId: 0, padTypeId: 0, padToken: "[PAD]"))
        #expect(!MiniLMReference.rawDefaults.isEmpty)
        for (key, expected) in MiniLMReference.rawDefaults {
            let encoding = tokenizer.encode(MiniLMReference.text(key).text)
            #expect(encoding.ids == expected.ids, "\(key)")
            #expect(encoding.attentionMask.reduce(0, +) == expected.attentionSum, "\(key)")
        }
    }

    @Test func pretrainedLoadingDoesNotPadOrTruncate() throws {
        let tokenizer = try MiniLMReference.pretrained
        #expect(tokenizer.truncation == nil)
        #expect(tokenizer.padding == nil)
        #expect(tokenizer.modelMaximumLength == 512)
        let long = MiniLMReference.text("long_text")
        #expect(tokenizer.encode(long.text).count > 512)
    }

    @Test func vocabularyHasEveryEntry() throws {
        #expect(try MiniLMReference.pretrained.vocabularySize == 30522)
        #expect(try MiniLMReference.fromVocabulary.vocabularySize == 30522)
    }
}
