import Foundation
import Testing
@testable import FlintText

/// The SentencePiece-style components used with BPE files that have byte fallback (Llama-2, Mistral):
/// Prepend / Replace normalizers, the Metaspace pre-tokenizer, and the Replace / ByteFallback / Fuse / Strip /
/// Metaspace / Sequence decoders. Expected values are Hugging Face tokenizers 0.23 outputs.
@Suite struct BytePairEncodingSentencePieceTests {
    static func normalize(_ normalizer: any Normalizer, _ text: String) -> NormalizedText {
        var normalized = NormalizedText(original: text.unicodeScalars)
        normalizer.normalize(&normalized)
        return normalized
    }

    @Test func prependAndReplaceNormalizers() {
        // normalizers.Sequence([Prepend("▁"), Replace(" ", "▁")]).normalize_str(" hi  there") == "▁▁hi▁▁there".
        let sequence = NormalizerSequence([PrependNormalizer(prefix: "▁"), ReplaceNormalizer(pattern: SplitPattern(literal: " "), content: "▁")])
        let normalized = Self.normalize(sequence, " hi  there")
        #expect(normalized.string == "▁▁hi▁▁there")
        #expect(Array(normalized.originStart) == [0, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9])
        #expect(Self.normalize(sequence, "").string == "")
        // A longer replacement keeps aligning with the match; an empty one deletes it.
        let longer = Self.normalize(ReplaceNormalizer(pattern: SplitPattern(literal: "b"), content: "xyz"), "abc")
        #expect(longer.string == "axyzc")
        #expect(Array(longer.originStart) == [0, 1, 1, 1, 2])
        #expect(Self.normalize(ReplaceNormalizer(pattern: SplitPattern(literal: "b"), content: ""), "abcb").string == "ac")
    }

    static func pieces(_ preTokenizer: any PreTokenizer, _ text: String) -> [(String, Range<Int>)] {
        var split = PreTokenizedText(text: NormalizedText(original: text.unicodeScalars))
        preTokenizer.preTokenize(&split)
        return split.splits.map { (String(String.UnicodeScalarView(split.text.scalars[$0])), split.text.originRange(of: $0)) }
    }

    @Test func metaspacePreTokenizer() {
        let first = MetaspacePreTokenizer(prependScheme: .first, split: true)
        let found = Self.pieces(first, "hi  there you")
        #expect(found.map(\.0) == ["▁hi", "▁", "▁there", "▁you"])
        #expect(found.map(\.1) == [0..<2, 2..<3, 3..<9, 9..<13])
        #expect(Self.pieces(first, " x").map(\.0) == ["▁x"])
        #expect(Self.pieces(first, " x").map(\.1) == [0..<2])
        let always = MetaspacePreTokenizer(prependScheme: .always, split: false)
        #expect(Self.pieces(always, "hi  there").map(\.0) == ["▁hi▁▁there"])
        #expect(Self.pieces(always, "hi  there").map(\.1) == [0..<9])
        // "first" prepends only at the start of the original text (not after an added token, say).
        var later = PreTokenizedText(text: NormalizedText(original: "x".unicodeScalars, offset: 5))
        first.preTokenize(&later)
        #expect(String(String.UnicodeScalarView(later.text.scalars)) == "x")
    }

    @Test func decoders() {
        let llama2 = DecoderSequence([ReplaceDecoder(pattern: SplitPattern(literal: "▁"), content: " "), ByteFallbackDecoder(), FuseDecoder(),
                                      StripDecoder(content: " ", start: 1, stop: 0)])
        #expect(llama2.decodeChain(["▁Hello", "▁w", "<0xC3>", "<0xA9>", "<0xE2>", "<0x82>", "x", "▁▁y"]) == ["Hello w\u{FFFD}\u{FFFD}\u{FFFD}\u{FFFD}x  y"])
        #expect(ByteFallbackDecoder().decodeChain(["<0xE2>", "<0x82>", "a", "<0xFF>", "<0xC3>", "<0xA9>"]).joined()
                == "\u{FFFD}\u{FFFD}a\u{FFFD}\u{FFFD}\u{FFFD}")
        #expect(ByteFallbackDecoder().decodeChain(["<0xC3>", "<0xA9>", "t", "<0xE9>"]) == ["é", "t", "\u{FFFD}"])
        #expect(MetaspaceDecoder().decodeChain(["▁Hello", "▁w"]).joined() == "Hello w")
        #expect(MetaspaceDecoder(prependScheme: .never).decodeChain(["▁Hello", "▁w"]).joined() == " Hello w")
        #expect(StripDecoder(content: "x", start: 2, stop: 1).decodeChain(["xxxaxx", "x", ""]) == ["xax", "", ""])
    }
}
