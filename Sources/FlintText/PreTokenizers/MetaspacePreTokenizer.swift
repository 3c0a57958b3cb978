/// The `Metaspace` pre-tokenizer (SentencePiece-style files): replaces every space with `replacement` (`▁`),
/// puts one in front of a piece that does not start with it (`prepend_scheme` `always`; `first`: only the piece
/// at the very start of the text; `never`), and with `split` cuts before every replacement character
/// (Hugging Face's `MergedWithNext`). Older files say `"add_prefix_space": true/false` for always/never.
public struct MetaspacePreTokenizer: PreTokenizer {
    /// When the replacement character is put in front of a piece.
    public enum PrependScheme: String, Sendable {
        /// Every piece.
        case always
        /// Only the piece that starts the text.
        case first
        /// Never.
        case never
    }

    /// The scalar that stands for a space.
    public let replacement: Unicode.Scalar
    /// When a replacement is put in front of a piece.
    public let prependScheme: PrependScheme
    /// Whether pieces are cut before every replacement character.
    public let split: Bool

    /// A Metaspace pre-tokenizer.
    public init(replacement: Unicode.Scalar = "\u{2581}", prependScheme: PrependScheme = .always, split: Bool = true) {
        self.replacement = replacement
        self.prependScheme = prependScheme
        self.split = split
    }

    /// Reads `{"type": "Metaspace", "replacement": "▁", "prepend_scheme": …, "split": …}` (or the older
    /// `add_prefix_space`).
    public init(json: JSONObject) throws {
        let text = try json.string("replacement")
        guard text.unicodeScalars.count == 1, let scalar = text.unicodeScalars.first else {
            throw json.mismatch("replacement", expected: "one character")
        }
        var scheme: PrependScheme = .always
        if let name = try json.optionalString("prepend_scheme") {
            guard let parsed = PrependScheme(rawValue: name) else {
                throw json.mismatch("prepend_scheme", expected: "always, first or never")
            }
            scheme = parsed
        } else if json.has("add_prefix_space") {
            scheme = try json.bool("add_prefix_space", default: true) ? .always : .never
        }
        self.init(replacement: scalar, prependScheme: scheme, split: try json.bool("split", default: true))
    }

    public func preTokenize(_ text: inout PreTokenizedText) {
        let source = text.text
        var output = NormalizedText(capacity: source.count + text.splits.count)
        var splits: [Range<Int>] = []
        splits.reserveCapacity(text.splits.count * 2)
        let pattern = SplitPattern(literal: String(replacement))
        for piece in text.splits {
            let pieceStart = output.count
            let first = source.scalars[piece.lowerBound]
            let startsWithReplacement = first == " " || first == replacement
            let prepend = !startsWithReplacement
                && (prependScheme == .always || (prependScheme == .first && source.originStart[piece.lowerBound] == 0))
            if prepend {
                output.append(replacement, originStart: source.originStart[piece.lowerBound], originEnd: source.originEnd[piece.lowerBound])
            }
            for index in piece {
                let scalar = source.scalars[index] == " " ? replacement : source.scalars[index]
                output.append(scalar, originStart: source.originStart[index], originEnd: source.originEnd[index])
            }
            let range = pieceStart..<output.count
            if split {
                let matches = output.scalars.withUnsafeBufferPointer { buffer in
                    buffer.withMemoryRebound(to: UInt32.self) { pattern.matches(in: UnsafeBufferPointer(rebasing: $0[range])) }
                }
                SplitPreTokenizer.cut(range, matches: matches, behavior: .mergedWithNext, invert: false, into: &splits)
            } else {
                splits.append(range)
            }
        }
        text = PreTokenizedText(text: output, splits: splits)
    }
}
