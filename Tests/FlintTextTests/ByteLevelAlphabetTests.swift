import Foundation
import Testing
@testable import FlintText

/// GPT-2's byte ↔ scalar alphabet, the ByteLevel decoder and the ByteLevel post-processor's offset trimming.
@Suite struct ByteLevelAlphabetTests {
    @Test func alphabetIsABijectionWithGPT2Spellings() {
        let scalars = ByteLevelAlphabet.scalarForByte
        #expect(Set(scalars).count == 256)
        #expect(scalars[0x20] == "Ġ")
        #expect(scalars[0x0A] == "Ċ")
        #expect(scalars[0x00] == "\u{100}")
        #expect(scalars[0x41] == "A")
        #expect(scalars[0xAD] == "\u{143}")
        #expect(scalars[0xE9] == "é")
        for byte in 0..<256 { #expect(ByteLevelAlphabet.byte(for: scalars[byte]) == UInt8(byte)) }
        #expect(ByteLevelAlphabet.byte(for: "中") == nil)
        #expect(ByteLevelAlphabet.encode(Array("é 😀".utf8)) == "Ã©ĠðŁĺĢ")
        #expect(ByteLevelAlphabet.decode("Ã©ĠðŁĺĢ") == Array("é 😀".utf8))
    }

    @Test func decoderRestoresBytesAndPassesForeignTokensThrough() {
        let decoder = ByteLevelDecoder()
        #expect(decoder.decodeChain(["Hello", "Ġw", "orld", "Ċ", "ðŁĺ", "Ģ"]) == ["Hello world\n😀"])
        #expect(decoder.decodeChain(["<|im_start|>", "中文", "Ġx"]) == ["<|im_start|>中文 x"])
        // Invalid UTF-8 becomes U+FFFD per maximal invalid subsequence, as Hugging Face's from_utf8_lossy does
        // (reference: tokenizers 0.23 decode of these tokens with the bpe_gpt2_style fixture).
        #expect(decoder.decodeChain(["ðŁĺ"]) == ["\u{FFFD}"])
        #expect(decoder.decodeChain(["ðŁ", "Ġa"]) == ["\u{FFFD} a"])
        #expect(decoder.decodeChain(["Ã", "Ã", "a"]) == ["\u{FFFD}\u{FFFD}a"])
        #expect(decoder.decodeChain(["ð", "Ł", "ĺ", "ð"]) == ["\u{FFFD}\u{FFFD}"])
    }

    static func encoding(_ tokens: [String], _ offsets: [Range<Int>]) -> Encoding {
        var encoding = Encoding()
        for (token, range) in zip(tokens, offsets) {
            encoding.append(id: 0, token: token, typeId: 0, offsets: range, wordId: 0, sequenceId: 0, isSpecial: false)
        }
        return encoding
    }

    @Test func postProcessorTrimsSpacesFromOffsets() {
        // Reference values from the HF fixture (bpe_gpt2_style, trim_offsets true, add_prefix_space true).
        let processor = ByteLevelPostProcessor(trimOffsets: true, addPrefixSpace: true)
        let leading = processor.process(Self.encoding(["Ġl", "ding", "Ġspac"], [0..<2, 4..<8, 8..<13]), pair: nil)
        #expect(leading.offsets == [0..<2, 4..<8, 9..<13])
        let spaces = processor.process(Self.encoding(["Ċ", "Ċ", "ĠĠ", "Ċ"], [0..<1, 1..<2, 2..<4, 4..<5]), pair: nil)
        #expect(spaces.offsets == [0..<1, 1..<2, 4..<4, 4..<5])
        let untrimmed = ByteLevelPostProcessor(trimOffsets: false).process(Self.encoding(["Ġx"], [3..<5]), pair: nil)
        #expect(untrimmed.offsets == [3..<5])
        let noPrefix = ByteLevelPostProcessor(trimOffsets: true, addPrefixSpace: false).process(Self.encoding(["Ġl"], [0..<2]), pair: nil)
        #expect(noPrefix.offsets == [1..<2])
    }
}
