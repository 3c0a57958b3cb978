/// Splits on whitespace and drops it (`{"type": "WhitespaceSplit"}`).
public struct WhitespaceSplitPreTokenizer: PreTokenizer {
    /// A whitespace-splitting pre-tokenizer.
    public init() {}

    public func preTokenize(_ text: inout PreTokenizedText) {
        text.split(behavior: .removed, where: UnicodeClasses.isWhitespace)
    }
}
