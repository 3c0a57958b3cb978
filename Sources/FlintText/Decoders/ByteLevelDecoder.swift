/// The `ByteLevel` decoder: maps every token's scalars back to the bytes they spell in `ByteLevelAlphabet`
/// (a token with a scalar outside the alphabet, such as an added token, contributes its own UTF-8 bytes), joins
/// all bytes and decodes them as UTF-8, replacing invalid sequences with U+FFFD.
public struct ByteLevelDecoder: TokenDecoder {
    /// A byte-level decoder.
    public init() {}

    /// Reads `{"type": "ByteLevel", …}` (its options do not affect decoding).
    public init(json: JSONObject) throws {}

    public func decodeChain(_ tokens: [String]) -> [String] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(tokens.reduce(0) { $0 + $1.utf8.count })
        for token in tokens {
            let mark = bytes.count
            var inAlphabet = true
            for scalar in token.unicodeScalars {
                guard let byte = ByteLevelAlphabet.byte(for: scalar) else {
                    inAlphabet = false
                    break
                }
                bytes.append(byte)
            }
            if !inAlphabet {
                bytes.removeSubrange(mark...)
                bytes.append(contentsOf: token.utf8)
            }
        }
        return [String(decoding: bytes, as: UTF8.self)]
    }
}
