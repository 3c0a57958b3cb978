/// The `Metaspace` decoder: turns the replacement character (`▁`) back into spaces; in the first token, when
/// the pre-tokenizer prepends, the replacement characters are dropped instead (as Hugging Face does).
public struct MetaspaceDecoder: TokenDecoder {
    /// The scalar that stands for a space.
    public let replacement: Unicode.Scalar
    /// The pre-tokenizer's prepend scheme.
    public let prependScheme: MetaspacePreTokenizer.PrependScheme

    /// A Metaspace decoder.
    public init(replacement: Unicode.Scalar = "\u{2581}", prependScheme: MetaspacePreTokenizer.PrependScheme = .always) {
        self.replacement = replacement
        self.prependScheme = prependScheme
    }

    /// Reads `{"type": "Metaspace", "replacement": …, "prepend_scheme" | "add_prefix_space": …}`.
    public init(json: JSONObject) throws {
        let preTokenizer = try MetaspacePreTokenizer(json: json)
        self.init(replacement: preTokenizer.replacement, prependScheme: preTokenizer.prependScheme)
    }

    public func decodeChain(_ tokens: [String]) -> [String] {
        tokens.enumerated().map { index, token in
            var result = String.UnicodeScalarView()
            for scalar in token.unicodeScalars {
                if scalar == replacement {
                    if index == 0 && prependScheme != .never { continue }
                    result.append(" ")
                } else {
                    result.append(scalar)
                }
            }
            return String(result)
        }
    }
}
