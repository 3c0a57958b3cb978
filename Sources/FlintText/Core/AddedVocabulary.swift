/// The added tokens of a tokenizer and the matcher that finds them in text, as Hugging Face's
/// `AddedVocabulary`: tokens with `normalized == false` are found in the original text before
/// normalization, the others in the normalized text; matching is leftmost-longest.
public struct AddedVocabulary: Sendable {
    /// The added tokens, in file order.
    public let tokens: [AddedToken]
    private let byId: [Int: Int]
    private let byContent: [String: Int]
    /// What `decode` prints for each token: the content, normalized for `normalized` tokens.
    private let decodedContents: [String]
    /// Finds tokens with `normalized == false`.
    let originalMatcher: AddedTokenMatcher
    /// Finds tokens with `normalized == true` (patterns are the normalized contents).
    let normalizedMatcher: AddedTokenMatcher

    /// The vocabulary of `tokens`; `normalizer` normalizes the contents of `normalized` tokens.
    public init(tokens: [AddedToken], normalizer: (any Normalizer)? = nil) {
        self.tokens = tokens
        var byId: [Int: Int] = [:]
        var byContent: [String: Int] = [:]
        for (index, token) in tokens.enumerated() {
            byId[token.id] = index
            byContent[token.content] = index
        }
        self.byId = byId
        self.byContent = byContent
        var original: [(scalars: [Unicode.Scalar], token: Int)] = []
        var normalized: [(scalars: [Unicode.Scalar], token: Int)] = []
        var decodedContents = tokens.map(\.content)
        for (index, token) in tokens.enumerated() {
            if token.normalized {
                var text = NormalizedText(original: token.content.unicodeScalars)
                normalizer?.normalize(&text)
                if !text.isEmpty { normalized.append((text.scalars, index)) }
                decodedContents[index] = text.string
            } else {
                original.append((Array(token.content.unicodeScalars), index))
            }
        }
        self.decodedContents = decodedContents
        originalMatcher = AddedTokenMatcher(patterns: original, tokens: tokens)
        normalizedMatcher = AddedTokenMatcher(patterns: normalized, tokens: tokens)
    }

    /// The added token with `id`.
    public func token(for id: Int) -> AddedToken? { byId[id].map { tokens[$0] } }

    /// The id of the added token `content`.
    public func id(for content: String) -> Int? { byContent[content].map { tokens[$0].id } }

    /// The text `decode` gives for the added token `id` (normalized tokens decode to their normalized form).
    public func decodedContent(for id: Int) -> String? { byId[id].map { decodedContents[$0] } }

    /// Whether `id` is a special added token.
    public func isSpecial(_ id: Int) -> Bool { token(for: id)?.special ?? false }
}

/// Leftmost-longest matching of a set of scalar patterns, with the single-word and strip options.
struct AddedTokenMatcher: Sendable {
    /// A found token: the scalars it covers (strip options included) and the token.
    struct Match {
        var range: Range<Int>
        var token: AddedToken
    }

    private let patterns: [[Unicode.Scalar]]
    private let patternTokens: [AddedToken]
    /// Pattern indices by first scalar, longest first.
    private let byFirstScalar: [UInt32: [Int]]
    /// Bit `c` set when an ASCII scalar `c` starts a pattern.
    private let asciiFirst: (UInt64, UInt64)
    private let hasNonASCIIFirst: Bool

    init(patterns entries: [(scalars: [Unicode.Scalar], token: Int)], tokens: [AddedToken]) {
        patterns = entries.map(\.scalars)
        patternTokens = entries.map { tokens[$0.token] }
        var table: [UInt32: [Int]] = [:]
        var low: UInt64 = 0, high: UInt64 = 0
        var nonASCII = false
        for (index, pattern) in patterns.enumerated() {
            guard let first = pattern.first?.value else { continue }
            table[first, default: []].append(index)
            if first < 64 { low |= 1 << UInt64(first) } else if first < 128 { high |= 1 << UInt64(first - 64) } else { nonASCII = true }
        }
        let lengths = patterns.map(\.count)
        byFirstScalar = table.mapValues { $0.sorted { lengths[$0] > lengths[$1] } }
        asciiFirst = (low, high)
        hasNonASCIIFirst = nonASCII
    }

    /// Whether there is nothing to match.
    var isEmpty: Bool { patterns.isEmpty }

    @inline(__always)
    private func mayStart(_ value: UInt32) -> Bool {
        if value < 64 { return asciiFirst.0 & (1 << UInt64(value)) != 0 }
        if value < 128 { return asciiFirst.1 & (1 << UInt64(value - 64)) != 0 }
        return hasNonASCIIFirst
    }

    private static func isWordScalar(_ scalar: Unicode.Scalar) -> Bool {
        if scalar.value < 128 {
            let v = scalar.value
            return (v >= 48 && v <= 57) || (v >= 65 && v <= 90) || (v >= 97 && v <= 122) || v == 95
        }
        let properties = scalar.properties
        return properties.isAlphabetic || properties.numericType != nil
    }

    /// The matches in `scalars[range]`, in order and non-overlapping.
    func matches(in scalars: [Unicode.Scalar], range: Range<Int>) -> [Match] {
        if patterns.isEmpty { return [] }
        var result: [Match] = []
        var position = range.lowerBound
        var lastEnd = range.lowerBound
        while position < range.upperBound {
            let value = scalars[position].value
            guard mayStart(value), let candidates = byFirstScalar[value] else {
                position += 1
                continue
            }
            var found: Match? = nil
            for candidate in candidates {
                let pattern = patterns[candidate]
                let end = position + pattern.count
                guard end <= range.upperBound else { continue }
                var equal = true
                for k in 1..<max(pattern.count, 1) where scalars[position + k] != pattern[k] {
                    equal = false
                    break
                }
                guard equal else { continue }
                let token = patternTokens[candidate]
                if token.singleWord {
                    let startsWord = position == range.lowerBound || !AddedTokenMatcher.isWordScalar(scalars[position - 1])
                    let endsWord = end == range.upperBound || !AddedTokenMatcher.isWordScalar(scalars[end])
                    guard startsWord && endsWord else { continue }
                }
                var start = position, stop = end
                if token.leftStrip {
                    while start > lastEnd && scalars[start - 1].properties.isWhitespace { start -= 1 }
                }
                if token.rightStrip {
                    while stop < range.upperBound && scalars[stop].properties.isWhitespace { stop += 1 }
                }
                found = Match(range: start..<stop, token: token)
                break
            }
            if let match = found {
                result.append(match)
                position = match.range.upperBound
                lastEnd = position
            } else {
                position += 1
            }
        }
        return result
    }
}
