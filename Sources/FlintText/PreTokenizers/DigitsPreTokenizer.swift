/// The `Digits` pre-tokenizer: separates numbers (Unicode category N) from the rest, either one digit per piece
/// (`individual_digits`, as SmolLM does) or runs of digits.
public struct DigitsPreTokenizer: PreTokenizer {
    /// Whether every digit is its own piece.
    public let individualDigits: Bool

    /// A pre-tokenizer isolating digits one by one or in runs.
    public init(individualDigits: Bool) {
        self.individualDigits = individualDigits
    }

    /// Reads `{"type": "Digits", "individual_digits": …}`.
    public init(json: JSONObject) throws {
        individualDigits = try json.bool("individual_digits", default: false)
    }

    public func preTokenize(_ text: inout PreTokenizedText) {
        text.split(behavior: individualDigits ? .isolated : .contiguous) { ScalarClass.isNumber($0.value) }
    }
}
