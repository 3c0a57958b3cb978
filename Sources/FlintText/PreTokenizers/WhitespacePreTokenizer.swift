/// Splits into runs of word characters and runs of other non-space characters, dropping whitespace:
/// the regex `\w+|[^\w\s]+` (`{"type": "Whitespace"}`).
public struct WhitespacePreTokenizer: PreTokenizer {
    /// A `\w+|[^\w\s]+` pre-tokenizer.
    public init() {}

    /// `\w`: alphabetic, mark, decimal number, connector punctuation (and join controls).
    static func isWordCharacter(_ scalar: Unicode.Scalar) -> Bool {
        let value = scalar.value
        if value < 128 {
            return (value >= 48 && value <= 57) || (value >= 65 && value <= 90) || (value >= 97 && value <= 122) || value == 95
        }
        let properties = scalar.properties
        if properties.isAlphabetic || properties.isJoinControl { return true }
        switch properties.generalCategory {
        case .nonspacingMark, .spacingMark, .enclosingMark, .decimalNumber, .connectorPunctuation: return true
        default: return false
        }
    }

    public func preTokenize(_ text: inout PreTokenizedText) {
        let scalars = text.text.scalars
        text.refineSplits { range, output in
            var start = range.lowerBound
            var kind = 0 // 0 none, 1 word, 2 other
            for i in range {
                let scalar = scalars[i]
                let current = UnicodeClasses.isWhitespace(scalar) ? 0 : (WhitespacePreTokenizer.isWordCharacter(scalar) ? 1 : 2)
                if current != kind {
                    if kind != 0 { output.append(start..<i) }
                    start = i
                    kind = current
                }
            }
            if kind != 0 { output.append(start..<range.upperBound) }
        }
    }
}
