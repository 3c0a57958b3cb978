/// Normalized text cut into pieces ("pre-tokens", roughly words) that the model tokenizes one by one.
///
/// `splits` are ordered, non-overlapping, non-empty ranges of normalized scalar indices into `text`.
/// A pre-tokenizer that only cuts (whitespace, punctuation, a regex) refines `splits`; one that also
/// rewrites the content (byte-level) builds a new `text`, keeping `originStart`/`originEnd` pointing
/// into the original string, and re-expresses `splits` in it.
public struct PreTokenizedText: Sendable {
    /// The normalized text the splits index into.
    public var text: NormalizedText
    /// The pre-tokens, as ranges of `text`'s scalars.
    public var splits: [Range<Int>]

    /// The whole of `text` as one split (none when it is empty).
    public init(text: NormalizedText) {
        self.text = text
        splits = text.isEmpty ? [] : [0..<text.count]
    }

    /// `text` with the given splits.
    public init(text: NormalizedText, splits: [Range<Int>]) {
        self.text = text
        self.splits = splits
    }

    /// Replaces every split by the sub-ranges `body` appends for it (they must lie inside it, in
    /// order); empty ranges are dropped.
    public mutating func refineSplits(_ body: (Range<Int>, inout [Range<Int>]) -> Void) {
        var result: [Range<Int>] = []
        result.reserveCapacity(splits.count * 2)
        var pieces: [Range<Int>] = []
        for split in splits {
            pieces.removeAll(keepingCapacity: true)
            body(split, &pieces)
            for piece in pieces where !piece.isEmpty { result.append(piece) }
        }
        splits = result
    }

    /// Cuts every split at the scalars for which `isDelimiter` is true, treating the delimiters as
    /// `behavior` says (each delimiter scalar is its own match; use `contiguous` to group runs).
    public mutating func split(behavior: SplitDelimiterBehavior, where isDelimiter: (Unicode.Scalar) -> Bool) {
        let scalars = text.scalars
        refineSplits { range, output in
            var matches: [Range<Int>] = []
            for i in range where isDelimiter(scalars[i]) { matches.append(i..<(i + 1)) }
            behavior.apply(matches: matches, in: range, to: &output)
        }
    }
}

/// What a splitting pre-tokenizer does with the delimiters it finds (Hugging Face's
/// `SplitDelimiterBehavior`: `removed`, `isolated`, `merged_with_previous`, `merged_with_next`, `contiguous`).
public enum SplitDelimiterBehavior: String, Sendable, CaseIterable {
    /// Delimiters are dropped.
    case removed
    /// Each delimiter is its own piece.
    case isolated
    /// A delimiter joins the piece before it.
    case mergedWithPrevious
    /// A delimiter joins the piece after it.
    case mergedWithNext
    /// Adjacent delimiters form one piece.
    case contiguous

    /// Parses the `tokenizer.json` spelling (`"Removed"`, `"Isolated"`, `"MergedWithPrevious"`, …).
    public init?(jsonName: String) {
        switch jsonName {
        case "Removed": self = .removed
        case "Isolated": self = .isolated
        case "MergedWithPrevious": self = .mergedWithPrevious
        case "MergedWithNext": self = .mergedWithNext
        case "Contiguous": self = .contiguous
        default: return nil
        }
    }

    /// Cuts `range` given the delimiter `matches` (ordered, non-overlapping, inside `range`) and
    /// appends the pieces to `output`.
    public func apply(matches: [Range<Int>], in range: Range<Int>, to output: inout [Range<Int>]) {
        if matches.isEmpty {
            output.append(range)
            return
        }
        var cursor = range.lowerBound
        switch self {
        case .removed:
            for match in matches {
                if cursor < match.lowerBound { output.append(cursor..<match.lowerBound) }
                cursor = match.upperBound
            }
            if cursor < range.upperBound { output.append(cursor..<range.upperBound) }
        case .isolated:
            for match in matches {
                if cursor < match.lowerBound { output.append(cursor..<match.lowerBound) }
                output.append(match)
                cursor = match.upperBound
            }
            if cursor < range.upperBound { output.append(cursor..<range.upperBound) }
        case .mergedWithPrevious:
            for match in matches {
                output.append(cursor..<match.upperBound)
                cursor = match.upperBound
            }
            if cursor < range.upperBound { output.append(cursor..<range.upperBound) }
        case .mergedWithNext:
            if range.lowerBound < matches[0].lowerBound { output.append(range.lowerBound..<matches[0].lowerBound) }
            for (index, match) in matches.enumerated() {
                let end = index + 1 < matches.count ? matches[index + 1].lowerBound : range.upperBound
                output.append(match.lowerBound..<end)
            }
        case .contiguous:
            var runs: [Range<Int>] = []
            for match in matches {
                if let last = runs.last, last.upperBound == match.lowerBound {
                    runs[runs.count - 1] = last.lowerBound..<match.upperBound
                } else {
                    runs.append(match)
                }
            }
            SplitDelimiterBehavior.isolated.apply(matches: runs, in: range, to: &output)
        }
    }
}
