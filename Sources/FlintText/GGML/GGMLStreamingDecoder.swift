/// Turns token ids into text one id at a time, for streaming generated text.
///
/// A token's piece can end inside a character (byte-level BPE splits an emoji's four bytes over several tokens;
/// SentencePiece byte fallback gives one `<0xXX>` token per byte). The decoder keeps such an unfinished UTF-8
/// sequence back until the bytes that complete it arrive, so every string it returns is whole characters; bytes
/// that can never form a character (an invalid sequence) come out as U+FFFD right away. `finish()` returns what
/// is still held back (an unfinished sequence becomes U+FFFD).
///
/// The concatenation of everything `append` and `finish` return equals `String(decoding:as:)` of all the pieces:
/// the text `GGMLTokenizer.decode` gives without a space prefix to strip or spaces to clean.
public struct GGMLStreamingDecoder: Sendable {
    /// The tokenizer whose pieces are decoded.
    public let tokenizer: GGMLTokenizer
    /// Whether control tokens are rendered (`llama_token_to_piece`'s `special`).
    public let renderSpecial: Bool
    /// Bytes of an unfinished character (at most 3).
    private var pending: [UInt8] = []

    /// A decoder over `tokenizer`'s pieces.
    public init(tokenizer: GGMLTokenizer, renderSpecial: Bool = false) {
        self.tokenizer = tokenizer
        self.renderSpecial = renderSpecial
        pending.reserveCapacity(8)
    }

    /// Adds token `id` and returns the text that is now complete (possibly empty). Throws if `id` is outside the
    /// vocabulary.
    public mutating func append(_ id: Int) throws -> String {
        let piece = try tokenizer.piece(for: id, special: renderSpecial)
        if pending.isEmpty, let last = piece.last, last < 0x80 {
            // The common case: the piece ends with an ASCII byte, so nothing can be unfinished.
            return String(decoding: piece, as: UTF8.self)
        }
        pending.append(contentsOf: piece)
        let complete = Self.completeLength(pending)
        let text = String(decoding: pending[..<complete], as: UTF8.self)
        pending.removeFirst(complete)
        return text
    }

    /// Returns the bytes still held back (an unfinished character becomes U+FFFD) and empties the decoder.
    public mutating func finish() -> String {
        defer { pending.removeAll(keepingCapacity: true) }
        return String(decoding: pending, as: UTF8.self)
    }

    /// Whether bytes are held back.
    public var hasPendingBytes: Bool { !pending.isEmpty }

    /// The length of the prefix of `bytes` that leaves out a trailing unfinished UTF-8 sequence: a lead byte
    /// followed by fewer continuation bytes than it announces, all of them valid so far. Anything else is left in
    /// (an invalid sequence decodes to U+FFFD now; waiting would not make it valid).
    static func completeLength(_ bytes: [UInt8]) -> Int {
        let count = bytes.count
        var start = count - 1
        // Find the last byte that is not a continuation byte, at most 3 back.
        while start >= 0 && count - start <= 3 && bytes[start] & 0xC0 == 0x80 { start -= 1 }
        guard start >= 0 else { return count }
        let lead = bytes[start]
        let needed: Int
        switch lead {
        case 0xC2...0xDF: needed = 2
        case 0xE0...0xEF: needed = 3
        case 0xF0...0xF4: needed = 4
        default: return count
        }
        let available = count - start
        guard available < needed else { return count }
        // The second byte of some sequences has a narrower range (no overlong forms, surrogates, or > U+10FFFF).
        if available >= 2 {
            let second = bytes[start + 1]
            let valid: Bool
            switch lead {
            case 0xE0: valid = second >= 0xA0
            case 0xED: valid = second <= 0x9F
            case 0xF0: valid = second >= 0x90
            case 0xF4: valid = second <= 0x8F
            default: valid = true
            }
            if !valid { return count }
        }
        return start
    }
}
