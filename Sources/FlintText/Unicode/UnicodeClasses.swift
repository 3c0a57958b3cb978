import Foundation

/// Character classes of BERT's basic tokenizer, as Hugging Face `tokenizers` defines them.
public enum UnicodeClasses {
    /// Whitespace: `\t`, `\n`, `\r` and the White_Space property.
    @inline(__always)
    public static func isWhitespace(_ scalar: Unicode.Scalar) -> Bool {
        let value = scalar.value
        if value < 128 { return value == 32 || (value >= 9 && value <= 13) }
        return scalar.properties.isWhitespace
    }

    /// Control characters that clean-up deletes: categories Cc, Cf and Co except `\t`, `\n`, `\r`.
    /// Unassigned code points (Cn) are kept, as Hugging Face `tokenizers` 0.23 keeps them.
    public static func isControl(_ scalar: Unicode.Scalar) -> Bool {
        let value = scalar.value
        if value == 9 || value == 10 || value == 13 { return false }
        switch scalar.properties.generalCategory {
        case .control, .format, .privateUse: return true
        default: return false
        }
    }

    /// Punctuation for BERT: every ASCII punctuation character (`!`…`/`, `:`…`@`, `[`…`` ` ``, `{`…`~`)
    /// and the Unicode categories P*.
    @inline(__always)
    public static func isPunctuation(_ scalar: Unicode.Scalar) -> Bool {
        let value = scalar.value
        if value < 128 {
            return (value >= 33 && value <= 47) || (value >= 58 && value <= 64) || (value >= 91 && value <= 96)
                || (value >= 123 && value <= 126)
        }
        switch scalar.properties.generalCategory {
        case .connectorPunctuation, .dashPunctuation, .closePunctuation, .finalPunctuation, .initialPunctuation,
             .otherPunctuation, .openPunctuation:
            return true
        default:
            return false
        }
    }

    /// CJK ideographs that BERT isolates (the CJK Unified Ideographs blocks and extensions, and the
    /// compatibility ideographs; not Hangul, Hiragana or Katakana). The ranges are Hugging Face
    /// `tokenizers`' (its fourth extension range starts at U+2B920, not U+2B820 as in Google's BERT).
    @inline(__always)
    public static func isChineseCharacter(_ scalar: Unicode.Scalar) -> Bool {
        let value = scalar.value
        if value < 0x3400 { return false }
        return (0x4E00...0x9FFF).contains(value) || (0x3400...0x4DBF).contains(value)
            || (0x20000...0x2A6DF).contains(value) || (0x2A700...0x2B73F).contains(value)
            || (0x2B740...0x2B81F).contains(value) || (0x2B920...0x2CEAF).contains(value)
            || (0xF900...0xFAFF).contains(value) || (0x2F800...0x2FA1F).contains(value)
    }

    /// CJK Unified Ideographs (the main block and extensions A–F as BERT lists them, without the
    /// compatibility ideographs, which decompose): no decomposition, no case mapping, BERT spaces them.
    @inline(__always)
    public static func isUnifiedIdeograph(_ scalar: Unicode.Scalar) -> Bool {
        let value = scalar.value
        return (0x4E00...0x9FFF).contains(value) || (0x3400...0x4DBF).contains(value)
            || (0x20000...0x2A6DF).contains(value) || (0x2A700...0x2B73F).contains(value)
            || (0x2B740...0x2B81F).contains(value) || (0x2B920...0x2CEAF).contains(value)
    }

    /// The canonical decomposition (NFD) of one scalar.
    public static func canonicalDecomposition(_ scalar: Unicode.Scalar) -> [Unicode.Scalar] {
        if scalar.value < 0xC0 { return [scalar] }
        return Array(String(Character(scalar)).decomposedStringWithCanonicalMapping.unicodeScalars)
    }

    /// The full lowercase mapping of one scalar (context-free, as Rust's `char::to_lowercase`).
    @inline(__always)
    public static func appendLowercase(_ scalar: Unicode.Scalar, to output: inout [Unicode.Scalar]) {
        let value = scalar.value
        if value < 128 {
            output.append(value >= 65 && value <= 90 ? Unicode.Scalar(value + 32)! : scalar)
            return
        }
        let properties = scalar.properties
        if !properties.changesWhenLowercased {
            output.append(scalar)
            return
        }
        output.append(contentsOf: properties.lowercaseMapping.unicodeScalars)
    }
}
