/// The `Split` pre-tokenizer: cuts every piece at the matches of a pattern (a literal string or a regular
/// expression), keeping, dropping or attaching the matches as `behavior` says; `invert` makes the stretches
/// between matches the delimiters instead. Llama-3, Qwen2 and GPT-4-style tokenizers use it with a regular
/// expression and `Isolated`.
public struct SplitPreTokenizer: PreTokenizer {
    /// What the pattern finds.
    public let pattern: SplitPattern
    /// What happens to the matches.
    public let behavior: SplitDelimiterBehavior
    /// Whether the stretches between matches are the delimiters.
    public let invert: Bool

    /// A pre-tokenizer splitting at `pattern`.
    public init(pattern: SplitPattern, behavior: SplitDelimiterBehavior, invert: Bool = false) {
        self.pattern = pattern
        self.behavior = behavior
        self.invert = invert
    }

    /// Reads `{"type": "Split", "pattern": {"Regex": …} | {"String": …}, "behavior": …, "invert": …}`.
    public init(json: JSONObject) throws {
        pattern = try SplitPattern(json: json, key: "pattern")
        let behaviorName = try json.string("behavior")
        guard let behavior = SplitDelimiterBehavior(jsonName: behaviorName) else {
            throw json.mismatch("behavior", expected: "Removed, Isolated, MergedWithPrevious, MergedWithNext or Contiguous")
        }
        self.behavior = behavior
        invert = try json.bool("invert", default: false)
    }

    public func preTokenize(_ text: inout PreTokenizedText) {
        let scalars = text.text.scalars
        scalars.withUnsafeBufferPointer { buffer in
            buffer.withMemoryRebound(to: UInt32.self) { values in
                text.refineSplits { range, output in
                    let piece = UnsafeBufferPointer(rebasing: values[range])
                    let found = pattern.matches(in: piece)
                    Self.cut(range, matches: found, behavior: behavior, invert: invert, into: &output)
                }
            }
        }
    }

    /// Cuts `range` at `matches` (relative to the range's start) and appends the non-empty pieces to `output`,
    /// following Hugging Face's rules: the text becomes alternating segments (each match, each stretch between
    /// matches), flagged as delimiters (matches, or the stretches when `invert`), then merged per `behavior`.
    static func cut(_ range: Range<Int>, matches: [Range<Int>], behavior: SplitDelimiterBehavior, invert: Bool,
                    into output: inout [Range<Int>]) {
        let base = range.lowerBound
        var segments: [(range: Range<Int>, isDelimiter: Bool)] = []
        segments.reserveCapacity(matches.count * 2 + 1)
        var previous = 0
        for match in matches {
            if match.lowerBound > previous { segments.append(((base + previous)..<(base + match.lowerBound), invert)) }
            segments.append(((base + match.lowerBound)..<(base + match.upperBound), !invert))
            previous = match.upperBound
        }
        if previous < range.count { segments.append(((base + previous)..<range.upperBound, invert)) }

        var pieces: [Range<Int>] = []
        pieces.reserveCapacity(segments.count)
        var previousDelimiter = false
        switch behavior {
        case .isolated:
            pieces = segments.map(\.range)
        case .removed:
            pieces = segments.filter { !$0.isDelimiter }.map(\.range)
        case .contiguous:
            for segment in segments {
                if segment.isDelimiter == previousDelimiter, let last = pieces.last {
                    pieces[pieces.count - 1] = last.lowerBound..<segment.range.upperBound
                } else {
                    pieces.append(segment.range)
                }
                previousDelimiter = segment.isDelimiter
            }
        case .mergedWithPrevious:
            for segment in segments {
                if segment.isDelimiter, !previousDelimiter, let last = pieces.last {
                    pieces[pieces.count - 1] = last.lowerBound..<segment.range.upperBound
                } else {
                    pieces.append(segment.range)
                }
                previousDelimiter = segment.isDelimiter
            }
        case .mergedWithNext:
            for segment in segments.reversed() {
                if segment.isDelimiter, !previousDelimiter, let last = pieces.last {
                    pieces[pieces.count - 1] = segment.range.lowerBound..<last.upperBound
                } else {
                    pieces.append(segment.range)
                }
                previousDelimiter = segment.isDelimiter
            }
            pieces.reverse()
        }
        for piece in pieces where !piece.isEmpty { output.append(piece) }
    }
}
