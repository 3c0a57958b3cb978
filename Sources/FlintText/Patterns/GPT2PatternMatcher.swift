/// A hand-written matcher for GPT-2's pre-tokenizer pattern
/// `'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+`,
/// giving the same matches as the regular expression (leftmost alternative first, greedy runs, the
/// `\s+(?!\S)` look-ahead leaving the last space of a run to the word that follows).
enum GPT2PatternMatcher {
    /// The length of the match that starts at `start` (every position starts a match of this pattern).
    @inline(__always)
    static func matchLength(_ text: UnsafeBufferPointer<UInt32>, at start: Int) -> Int {
        let count = text.count
        let first = text[start]
        // 's 't 're 've 'm 'll 'd (case-sensitive).
        if first == 0x27, start + 1 < count {
            let second = text[start + 1]
            switch second {
            case 0x73, 0x74, 0x6D, 0x64: // s t m d
                return 2
            case 0x72, 0x76: // r v → re ve
                if start + 2 < count, text[start + 2] == 0x65 { return 3 }
            case 0x6C: // l → ll
                if start + 2 < count, text[start + 2] == 0x6C { return 3 }
            default:
                break
            }
        }
        var position = start
        var firstClass = ScalarClass.of(first)
        if first == 0x20, start + 1 < count {
            // " ?X+" where the space is followed by a letter, number or other.
            let nextClass = ScalarClass.of(text[start + 1])
            if nextClass != ScalarClass.whitespace {
                position += 1
                firstClass = nextClass
            }
        }
        if firstClass != ScalarClass.whitespace {
            // \p{L}+, \p{N}+ or [^\s\p{L}\p{N}]+ : a run of one class.
            position += 1
            while position < count, ScalarClass.of(text[position]) == firstClass { position += 1 }
            return position - start
        }
        // Whitespace: \s+(?!\S) | \s+
        var end = start + 1
        while end < count, ScalarClass.isWhitespace(text[end]) { end += 1 }
        if end == count || end - start == 1 { return end - start }
        return end - 1 - start
    }
}
