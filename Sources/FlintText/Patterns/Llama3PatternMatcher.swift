/// A hand-written matcher for the Llama-3 pre-tokenizer pattern
/// `(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+`
/// and its Qwen2 variant with `\p{N}` (one digit) in place of `\p{N}{1,3}`, giving the same matches as the
/// regular expression.
enum Llama3PatternMatcher {
    @inline(__always)
    private static func isNewline(_ value: UInt32) -> Bool { value == 0x0A || value == 0x0D }

    /// Case folding as `(?i:…)` applies it to the contraction letters: ASCII upper case, and U+017F (long s),
    /// the only other scalar that folds to one of s t r e v m l d.
    @inline(__always)
    private static func lowercasedASCII(_ value: UInt32) -> UInt32 {
        if value == 0x17F { return 0x73 }
        return (0x41...0x5A).contains(value) ? value + 0x20 : value
    }

    /// The length of the match that starts at `start`; `maximumDigits` is 3 for Llama-3, 1 for Qwen2.
    @inline(__always)
    static func matchLength(_ text: UnsafeBufferPointer<UInt32>, at start: Int, maximumDigits: Int) -> Int {
        let count = text.count
        let first = text[start]
        // (?i:'s|'t|'re|'ve|'m|'ll|'d)
        if first == 0x27, start + 1 < count {
            let second = lowercasedASCII(text[start + 1])
            switch second {
            case 0x73, 0x74, 0x6D, 0x64: // s t m d
                return 2
            case 0x72, 0x76: // r v → re ve
                if start + 2 < count, lowercasedASCII(text[start + 2]) == 0x65 { return 3 }
            case 0x6C: // l → ll
                if start + 2 < count, lowercasedASCII(text[start + 2]) == 0x6C { return 3 }
            default:
                break
            }
        }
        let firstClass = ScalarClass.of(first)
        // [^\r\n\p{L}\p{N}]?\p{L}+
        if firstClass == ScalarClass.letter {
            var position = start + 1
            while position < count, ScalarClass.isLetter(text[position]) { position += 1 }
            return position - start
        }
        if firstClass != ScalarClass.number, !isNewline(first), start + 1 < count, ScalarClass.isLetter(text[start + 1]) {
            var position = start + 2
            while position < count, ScalarClass.isLetter(text[position]) { position += 1 }
            return position - start
        }
        // \p{N}{1,maximumDigits}
        if firstClass == ScalarClass.number {
            var position = start + 1
            while position < count, position - start < maximumDigits, ScalarClass.isNumber(text[position]) { position += 1 }
            return position - start
        }
        //  ?[^\s\p{L}\p{N}]+[\r\n]*
        var otherStart = -1
        if firstClass == 0 {
            otherStart = start
        } else if first == 0x20, start + 1 < count, ScalarClass.isOther(text[start + 1]) {
            otherStart = start + 1
        }
        if otherStart >= 0 {
            var position = otherStart + 1
            while position < count, ScalarClass.isOther(text[position]) { position += 1 }
            while position < count, isNewline(text[position]) { position += 1 }
            return position - start
        }
        // Whitespace from here on. \s*[\r\n]+ : up to and including the last newline of the whitespace run.
        var end = start + 1
        var lastNewline = isNewline(first) ? start : -1
        while end < count, ScalarClass.isWhitespace(text[end]) {
            if isNewline(text[end]) { lastNewline = end }
            end += 1
        }
        if lastNewline >= 0 { return lastNewline + 1 - start }
        // \s+(?!\S) | \s+
        if end == count || end - start == 1 { return end - start }
        return end - 1 - start
    }
}
