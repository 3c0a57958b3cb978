import Foundation

/// A pattern that the `Split` and `ByteLevel` pre-tokenizers find in text: a literal string, or a regular
/// expression. The GPT-2 pattern and the Llama-3 / Qwen2 patterns run through hand-written matchers; any other
/// regular expression runs through Foundation's `NSRegularExpression` (ICU syntax, which covers the Oniguruma
/// features these files use: `\p{…}`, `(?i:…)`, look-ahead).
public struct SplitPattern: Sendable, Equatable {
    enum Kind: Sendable, Equatable {
        case gpt2
        case llama3(maximumDigits: Int)
        case literal([UInt32])
        case regularExpression(String)
    }

    let kind: Kind
    private let expression: RegularExpressionBox?

    /// GPT-2's pattern, which the `ByteLevel` pre-tokenizer uses when `use_regex` is true.
    public static let gpt2Source = #"'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+"#
    /// The Llama-3 pattern (digits in runs of up to three).
    public static let llama3Source =
        #"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"#
    /// The Qwen2 pattern (the Llama-3 pattern with single digits).
    public static let qwen2Source =
        #"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"#

    /// GPT-2's pattern.
    public static let gpt2 = SplitPattern(kind: .gpt2, expression: nil)

    private init(kind: Kind, expression: RegularExpressionBox?) {
        self.kind = kind
        self.expression = expression
    }

    /// A pattern matching `literal` exactly (tokenizer.json `{"String": …}`).
    public init(literal: String) {
        self.init(kind: .literal(literal.unicodeScalars.map(\.value)), expression: nil)
    }

    /// A regular expression (tokenizer.json `{"Regex": …}`). Throws `TokenizerError.invalidArgument` if the
    /// expression does not compile.
    public init(regularExpression source: String) throws {
        switch source {
        case Self.gpt2Source:
            self.init(kind: .gpt2, expression: nil)
        case Self.llama3Source:
            self.init(kind: .llama3(maximumDigits: 3), expression: nil)
        case Self.qwen2Source:
            self.init(kind: .llama3(maximumDigits: 1), expression: nil)
        default:
            try self.init(kind: .regularExpression(source), expression: RegularExpressionBox(source))
        }
    }

    /// Reads a tokenizer.json pattern object `{"String": …}` or `{"Regex": …}` stored under `key` of `json`.
    public init(json: JSONObject, key: String) throws {
        let patternObject = try json.object(key)
        if patternObject.has("Regex") {
            do {
                try self.init(regularExpression: patternObject.string("Regex"))
            } catch let error as TokenizerError {
                throw TokenizerError.invalidFile(path: json.path, field: patternObject.fieldPath("Regex"),
                                                 expected: "a valid regular expression", found: error.description)
            }
        } else if patternObject.has("String") {
            self.init(literal: try patternObject.string("String"))
        } else {
            throw json.mismatch(key, expected: "{\"Regex\": …} or {\"String\": …}")
        }
    }

    /// Forces the general regular-expression engine even for a pattern with a hand-written matcher (for tests
    /// that compare the two).
    static func generalRegularExpression(_ source: String) throws -> SplitPattern {
        try SplitPattern(kind: .regularExpression(source), expression: RegularExpressionBox(source))
    }

    /// Whether the pattern runs through a hand-written matcher.
    public var isHandWritten: Bool {
        switch kind {
        case .gpt2, .llama3: return true
        case .literal, .regularExpression: return false
        }
    }

    public static func == (lhs: SplitPattern, rhs: SplitPattern) -> Bool { lhs.kind == rhs.kind }

    /// The non-overlapping matches in `text` (scalar values), leftmost first, as ranges of scalar indices.
    /// Empty matches are left out.
    func matches(in text: UnsafeBufferPointer<UInt32>) -> [Range<Int>] {
        var result: [Range<Int>] = []
        switch kind {
        case .gpt2:
            var position = 0
            while position < text.count {
                let length = GPT2PatternMatcher.matchLength(text, at: position)
                result.append(position..<(position + length))
                position += length
            }
        case let .llama3(maximumDigits):
            var position = 0
            while position < text.count {
                let length = Llama3PatternMatcher.matchLength(text, at: position, maximumDigits: maximumDigits)
                result.append(position..<(position + length))
                position += length
            }
        case let .literal(needle):
            guard !needle.isEmpty, needle.count <= text.count else { return [] }
            var position = 0
            while position + needle.count <= text.count {
                var equal = true
                for offset in 0..<needle.count where text[position + offset] != needle[offset] {
                    equal = false
                    break
                }
                if equal {
                    result.append(position..<(position + needle.count))
                    position += needle.count
                } else {
                    position += 1
                }
            }
        case .regularExpression:
            result = expression!.matches(in: text)
        }
        return result
    }
}

/// An `NSRegularExpression` shared between copies of a `SplitPattern` (it is immutable and thread-safe).
final class RegularExpressionBox: @unchecked Sendable {
    let expression: NSRegularExpression

    init(_ source: String) throws {
        do {
            expression = try NSRegularExpression(pattern: source, options: [])
        } catch {
            throw TokenizerError.invalidArgument("pre-tokenizer pattern \(source): not a valid regular expression (\(error))")
        }
    }

    /// Matches as scalar-index ranges (NSRegularExpression reports UTF-16 ranges; they are converted back).
    func matches(in text: UnsafeBufferPointer<UInt32>) -> [Range<Int>] {
        var scalars = String.UnicodeScalarView()
        var utf16ToScalar: [Int] = []
        utf16ToScalar.reserveCapacity(text.count + 1)
        for (index, value) in text.enumerated() {
            let scalar = Unicode.Scalar(value) ?? "\u{FFFD}"
            scalars.append(scalar)
            utf16ToScalar.append(index)
            if scalar.value > 0xFFFF { utf16ToScalar.append(index) }
        }
        utf16ToScalar.append(text.count)
        let string = String(scalars)
        let found = expression.matches(in: string, options: [], range: NSRange(location: 0, length: utf16ToScalar.count - 1))
        var result: [Range<Int>] = []
        result.reserveCapacity(found.count)
        for match in found where match.range.length > 0 {
            let lower = utf16ToScalar[match.range.location]
            let upper = utf16ToScalar[match.range.location + match.range.length]
            if upper > lower { result.append(lower..<upper) }
        }
        return result
    }
}
