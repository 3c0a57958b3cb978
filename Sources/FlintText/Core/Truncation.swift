/// How a tokenizer shortens encodings that are too long (Hugging Face's `enable_truncation`).
///
/// `maximumLength` counts the special tokens the post-processor adds.
public struct Truncation: Sendable, Equatable {
    /// Which sequence of a pair loses tokens.
    public enum Strategy: String, Sendable, Equatable, CaseIterable {
        /// Remove from the longer sequence first (for a single sequence: from it).
        case longestFirst = "longest_first"
        /// Remove only from the first sequence.
        case onlyFirst = "only_first"
        /// Remove only from the second sequence.
        case onlySecond = "only_second"
    }

    /// Which end of a sequence loses tokens.
    public enum Direction: String, Sendable, Equatable, CaseIterable {
        /// Keep the start, drop the end.
        case right
        /// Keep the end, drop the start.
        case left
    }

    /// The longest encoding, special tokens included.
    public var maximumLength: Int
    /// Which sequence of a pair to shorten.
    public var strategy: Strategy
    /// Tokens shared between consecutive overflowing parts.
    public var stride: Int
    /// Which end to cut.
    public var direction: Direction

    /// Truncation to `maximumLength` tokens.
    public init(maximumLength: Int, strategy: Strategy = .longestFirst, stride: Int = 0, direction: Direction = .right) {
        self.maximumLength = maximumLength
        self.strategy = strategy
        self.stride = stride
        self.direction = direction
    }

    /// Reads a `tokenizer.json` `truncation` object (`max_length`, `strategy` `LongestFirst`/`OnlyFirst`/
    /// `OnlySecond`, `stride`, `direction` `Right`/`Left`).
    public init(json: JSONObject) throws {
        maximumLength = try json.int("max_length")
        stride = try json.optionalInt("stride") ?? 0
        switch try json.optionalString("strategy") ?? "LongestFirst" {
        case "LongestFirst": strategy = .longestFirst
        case "OnlyFirst": strategy = .onlyFirst
        case "OnlySecond": strategy = .onlySecond
        default: throw json.mismatch("strategy", expected: "LongestFirst, OnlyFirst or OnlySecond")
        }
        switch try json.optionalString("direction") ?? "Right" {
        case "Right": direction = .right
        case "Left": direction = .left
        default: throw json.mismatch("direction", expected: "Right or Left")
        }
        guard maximumLength >= 0 else { throw json.mismatch("max_length", expected: "a length ≥ 0") }
    }

    /// Truncates `first` (and `second`) so that together they have at most `budget` tokens, as
    /// Hugging Face's `truncate_encodings`. Returns false (leaving them whole) when the strategy cannot
    /// meet the budget (the sequence it may shorten is too short, or `onlySecond` without a pair).
    @discardableResult
    public func apply(to first: inout Encoding, pair second: inout Encoding?, budget: Int) -> Bool {
        let budget = max(budget, 0)
        let total = first.count + (second?.count ?? 0)
        if total <= budget { return true }
        let excess = total - budget
        switch strategy {
        case .longestFirst:
            guard var other = second else {
                first.truncate(to: budget, stride: stride, direction: direction)
                return true
            }
            var short = first.count, long = other.count
            let swapped = short > long
            if swapped { swap(&short, &long) }
            if short > budget {
                long = short
            } else {
                long = max(short, budget - short)
            }
            if short + long > budget {
                short = budget / 2
                long = short + budget % 2
            }
            if swapped { swap(&short, &long) }
            first.truncate(to: short, stride: stride, direction: direction)
            other.truncate(to: long, stride: stride, direction: direction)
            second = other
            return true
        case .onlyFirst:
            guard first.count > excess else { return false }
            first.truncate(to: first.count - excess, stride: stride, direction: direction)
            return true
        case .onlySecond:
            guard var other = second, other.count > excess else { return false }
            other.truncate(to: other.count - excess, stride: stride, direction: direction)
            second = other
            return true
        }
    }
}
