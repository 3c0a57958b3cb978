/// BERT's word splitting (Hugging Face `BertPreTokenizer`): whitespace separates words and is
/// dropped; every punctuation character (see `UnicodeClasses.isPunctuation`) is a word of its own.
public struct BertPreTokenizer: PreTokenizer {
    /// A BERT pre-tokenizer.
    public init() {}

    public func preTokenize(_ text: inout PreTokenizedText) {
        let scalars = text.text.scalars
        var result: [Range<Int>] = []
        result.reserveCapacity(scalars.count / 4 + 1)
        scalars.withUnsafeBufferPointer { buffer in
            for split in text.splits {
                var wordStart = split.lowerBound
                for i in split {
                    let scalar = buffer[i]
                    if UnicodeClasses.isWhitespace(scalar) {
                        if wordStart < i { result.append(wordStart..<i) }
                        wordStart = i + 1
                    } else if UnicodeClasses.isPunctuation(scalar) {
                        if wordStart < i { result.append(wordStart..<i) }
                        result.append(i..<(i + 1))
                        wordStart = i + 1
                    }
                }
                if wordStart < split.upperBound { result.append(wordStart..<split.upperBound) }
            }
        }
        text.splits = result
    }
}
