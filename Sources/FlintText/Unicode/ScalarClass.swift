/// The character classes that pre-tokenizer patterns test (`\p{L}`, `\p{N}`, `\s`), looked up from a table for
/// the Basic Multilingual Plane and computed from Unicode properties above it.
///
/// `\s` follows Oniguruma's (and ICU's) Unicode definition, which is the White_Space property: U+0009–U+000D,
/// U+0020, U+0085, U+00A0, U+1680, U+2000–U+200A, U+2028, U+2029, U+202F, U+205F, U+3000.
enum ScalarClass {
    static let letter: UInt8 = 1
    static let number: UInt8 = 2
    static let whitespace: UInt8 = 4

    private static let basicPlane: [UInt8] = {
        var table = [UInt8](repeating: 0, count: 0x10000)
        for value in 0..<0x10000 {
            if let scalar = Unicode.Scalar(UInt32(value)) { table[value] = compute(scalar) }
        }
        return table
    }()

    private static func compute(_ scalar: Unicode.Scalar) -> UInt8 {
        let properties = scalar.properties
        if properties.isWhitespace { return whitespace }
        switch properties.generalCategory {
        case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter:
            return letter
        case .decimalNumber, .letterNumber, .otherNumber:
            return number
        default:
            return 0
        }
    }

    /// The class bits of `value` (a Unicode scalar value).
    @inline(__always)
    static func of(_ value: UInt32) -> UInt8 {
        if value < 0x80 {
            // ASCII fast path.
            if (0x61...0x7A).contains(value) || (0x41...0x5A).contains(value) { return letter }
            if (0x30...0x39).contains(value) { return number }
            if value == 0x20 || (0x09...0x0D).contains(value) { return whitespace }
            return 0
        }
        if value < 0x10000 { return basicPlane[Int(value)] }
        guard let scalar = Unicode.Scalar(value) else { return 0 }
        return compute(scalar)
    }

    @inline(__always) static func isLetter(_ value: UInt32) -> Bool { of(value) == letter }
    @inline(__always) static func isNumber(_ value: UInt32) -> Bool { of(value) == number }
    @inline(__always) static func isWhitespace(_ value: UInt32) -> Bool { of(value) == whitespace }
    /// Neither whitespace, letter nor number: `[^\s\p{L}\p{N}]`.
    @inline(__always) static func isOther(_ value: UInt32) -> Bool { of(value) == 0 }
}
