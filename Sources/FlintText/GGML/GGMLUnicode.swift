/// llama.cpp's Unicode character classes, expressed through Flint's `ScalarClass`.
///
/// llama.cpp classifies scalars with tables generated from Unicode 15.1 (`unicode-data.cpp`); Swift's are newer.
/// Checked over all 1,114,112 code points: the two agree on letters (`\p{L}`), numbers (`\p{N}`) and whitespace
/// (`\s`) exactly when scalars assigned after Unicode 15.1 count as "other" (unassigned) — so the GGML
/// pre-tokenizers run the hand-written GPT-2 / Llama-3 pattern matchers on `matchingValue`s, which replace such
/// scalars by a private-use scalar (also "other").
///
/// One more difference: llama.cpp's case-insensitive contractions (`'S`, `'LL`, …) lower-case with
/// `unicode_tolower`, which leaves U+017F (long s) alone, while the Llama-3 matcher folds it to `s` as Oniguruma
/// does; `matchingValue` maps U+017F to U+0100, another letter that folds to no contraction letter.
enum GGMLUnicode {
    /// The newest Unicode version llama.cpp's tables know.
    static let unicodeVersion = (major: 15, minor: 1)

    private static let privateUse: UInt32 = 0xE000

    /// Whether each scalar of the Basic Multilingual Plane is a letter or number assigned after Unicode 15.1.
    private static let newerLetterOrNumber: [Bool] = {
        var table = [Bool](repeating: false, count: 0x10000)
        for value in 0x80..<0x10000 {
            guard let scalar = Unicode.Scalar(UInt32(value)) else { continue }
            table[value] = isNewerLetterOrNumber(scalar)
        }
        return table
    }()

    private static func isNewer(_ scalar: Unicode.Scalar) -> Bool {
        guard let age = scalar.properties.age else { return false }
        return age.major > unicodeVersion.major || (age.major == unicodeVersion.major && age.minor > unicodeVersion.minor)
    }

    private static func isNewerLetterOrNumber(_ scalar: Unicode.Scalar) -> Bool {
        let scalarClass = ScalarClass.of(scalar.value)
        return (scalarClass == ScalarClass.letter || scalarClass == ScalarClass.number) && isNewer(scalar)
    }

    /// The value the pattern matchers see for `value`: itself, except scalars llama.cpp classifies differently.
    @inline(__always)
    static func matchingValue(_ value: UInt32) -> UInt32 {
        if value < 0x80 { return value }
        if value == 0x17F { return 0x100 }
        if value < 0x10000 { return newerLetterOrNumber[Int(value)] ? privateUse : value }
        guard let scalar = Unicode.Scalar(value) else { return privateUse }
        return isNewerLetterOrNumber(scalar) ? privateUse : value
    }

    /// Whether `value` is in llama.cpp's punctuation class of the `default` and `falcon` pre-tokenizers:
    /// `[\p{P}\$\+<=>\^~\|]` (plus `` ` `` for falcon). For ASCII llama.cpp's `\p{P}` is the list
    /// ``!"#%&'()*,-./:;?@[\]_{}``; above ASCII it is the general categories P* (Unicode 15.1).
    static func isPunctuation(_ value: UInt32, includingBacktick: Bool) -> Bool {
        if value < 0x80 {
            switch value {
            case 0x21...0x23, 0x25...0x2A, 0x2C...0x2F, 0x3A...0x3B, 0x3F...0x40, 0x5B...0x5D, 0x5F, 0x7B, 0x7D: return true
            case 0x24, 0x2B, 0x3C...0x3E, 0x5E, 0x7E, 0x7C: return true
            case 0x60: return includingBacktick
            default: return false
            }
        }
        guard let scalar = Unicode.Scalar(value), !isNewer(scalar) else { return false }
        switch scalar.properties.generalCategory {
        case .connectorPunctuation, .dashPunctuation, .openPunctuation, .closePunctuation, .initialPunctuation,
             .finalPunctuation, .otherPunctuation:
            return true
        default:
            return false
        }
    }
}
