@testable import FlintText

/// Small GGUF-style vocabularies for the GGML tokenizer tests, built in code.
enum GGMLTestVocabularies {
    /// Special tokens of the byte-level vocabulary (ids 0…4).
    static let byteLevelSpecials: [(String, GGMLVocabulary.TokenType)] = [
        ("<|endoftext|>", .control), ("<|im_start|>", .control), ("<|im_end|>", .control), ("<tool>", .userDefined),
        ("<reponame>", .control),
    ]
    /// Merges of the byte-level vocabulary, in rank order.
    static let byteLevelMerges = ["l l", "e ll", "h ell", "hell o", "Ġ t", "h e", "Ġt he", "Ġ w", "o r", "Ġw or", "l d", "Ġwor ld",
                                  "Ġ hello", "1 2", "12 3"]

    /// A `gpt2` vocabulary: the specials, GPT-2's 256 byte characters, then one token per merge result.
    static func byteLevel(pre: String? = "smollm", addBOS: Bool? = nil, addEOS: Bool? = nil, bosId: Int? = 0, eosId: Int? = 2,
                          extra: [(String, GGMLVocabulary.TokenType)] = []) -> GGMLVocabulary {
        var tokens = byteLevelSpecials.map(\.0)
        var types = byteLevelSpecials.map(\.1)
        for scalar in ByteLevelAlphabet.scalarForByte {
            tokens.append(String(scalar))
            types.append(.normal)
        }
        for merge in byteLevelMerges {
            tokens.append(merge.replacingOccurrences(of: " ", with: ""))
            types.append(.normal)
        }
        for (text, type) in extra {
            tokens.append(text)
            types.append(type)
        }
        return GGMLVocabulary(source: "test.gguf", model: .gpt2, preTokenizer: pre, tokens: tokens, tokenTypes: types,
                              merges: byteLevelMerges, bosId: bosId, eosId: eosId, addBOS: addBOS, addEOS: addEOS)
    }

    /// The id of `text` in the byte-level vocabulary.
    static func byteLevelId(_ text: String) -> Int {
        byteLevel().tokens.firstIndex(of: text)!
    }

    /// A `llama` (SentencePiece) vocabulary: `<unk>`, `<s>`, `</s>`, the 256 `<0xXX>` byte tokens, then
    /// `pieces` with their scores.
    static let sentencePiecePieces: [(String, Float)] = [
        ("▁", -1), ("h", -2), ("e", -2), ("l", -2), ("o", -2), ("w", -2), ("r", -2), ("d", -2), ("a", -2), ("b", -2), ("c", -2),
        ("▁h", -3), ("el", -4), ("ll", -3.5), ("lo", -6), ("▁he", -5), ("ell", -5), ("hell", -7), ("▁hell", -6), ("▁hello", -7),
        ("▁w", -3), ("or", -4), ("▁wor", -5), ("ld", -4), ("▁world", -6),
        ("ab", -1), ("bc", -0.5),
    ]

    static func sentencePiece(addBOS: Bool? = nil, addEOS: Bool? = nil, addSpacePrefix: Bool? = nil) -> GGMLVocabulary {
        var tokens = ["<unk>", "<s>", "</s>"]
        var types: [GGMLVocabulary.TokenType] = [.unknown, .control, .control]
        var scores: [Float] = [0, 0, 0]
        let digits = Array("0123456789ABCDEF")
        for byte in 0..<256 {
            tokens.append("<0x\(digits[byte >> 4])\(digits[byte & 15])>")
            types.append(.byte)
            scores.append(0)
        }
        for (piece, score) in sentencePiecePieces {
            tokens.append(piece)
            types.append(.normal)
            scores.append(score)
        }
        return GGMLVocabulary(source: "spm.gguf", model: .llama, tokens: tokens, tokenTypes: types, scores: scores,
                              addBOS: addBOS, addEOS: addEOS, addSpacePrefix: addSpacePrefix)
    }

    static func sentencePieceId(_ text: String) -> Int {
        sentencePiece().tokens.firstIndex(of: text)!
    }
}
