/// BERT's text clean-up (Hugging Face `BertNormalizer`), applied scalar by scalar:
/// 1. `cleanText`: delete U+0000, U+FFFD and control characters (Cc, Cf, Co except `\t\n\r`);
///    turn whitespace into a space;
/// 2. `handleChineseCharacters`: put spaces around CJK ideographs;
/// 3. `stripAccents` (nil follows `lowercase`): NFD, then drop nonspacing marks (Mn);
/// 4. `lowercase`: the full Unicode lowercase mapping.
///
/// ASCII goes through a 128-entry table; other scalars are computed once and memoized.
public struct BertNormalizer: Normalizer {
    /// Delete control characters and map whitespace to spaces.
    public let cleanText: Bool
    /// Surround CJK ideographs with spaces.
    public let handleChineseCharacters: Bool
    /// Strip accents (nil: when lowercasing).
    public let stripAccents: Bool?
    /// Lowercase.
    public let lowercase: Bool

    /// ASCII replacements: -1 deletes, otherwise the replacement scalar value.
    private let asciiTable: [Int16]
    private let cache: ScalarMappingCache

    /// A BERT normalizer; the defaults are BERT-uncased's.
    public init(cleanText: Bool = true, handleChineseCharacters: Bool = true, stripAccents: Bool? = nil, lowercase: Bool = true) {
        self.cleanText = cleanText
        self.handleChineseCharacters = handleChineseCharacters
        self.stripAccents = stripAccents
        self.lowercase = lowercase
        let strip = stripAccents ?? lowercase
        var table = [Int16](repeating: 0, count: 128)
        for value in 0..<128 {
            var result = Int16(value)
            if cleanText {
                if value == 0 || (UnicodeClasses.isControl(Unicode.Scalar(UInt8(value)))) {
                    result = -1
                } else if UnicodeClasses.isWhitespace(Unicode.Scalar(UInt8(value))) {
                    result = 32
                }
            }
            if lowercase && result >= 65 && result <= 90 { result += 32 }
            table[value] = result
        }
        asciiTable = table
        cache = ScalarMappingCache { scalar in
            BertNormalizer.map(scalar, cleanText: cleanText, chinese: handleChineseCharacters, strip: strip, lowercase: lowercase)
        }
    }

    /// Reads `{"type": "BertNormalizer", "clean_text", "handle_chinese_chars", "strip_accents", "lowercase"}`.
    public init(json: JSONObject) throws {
        self.init(cleanText: try json.bool("clean_text", default: true),
                  handleChineseCharacters: try json.bool("handle_chinese_chars", default: true),
                  stripAccents: try json.optionalBool("strip_accents"),
                  lowercase: try json.bool("lowercase", default: true))
    }

    /// The full normalization of one non-ASCII scalar.
    static func map(_ scalar: Unicode.Scalar, cleanText: Bool, chinese: Bool, strip: Bool, lowercase: Bool) -> [Unicode.Scalar] {
        var scalars = [scalar]
        if cleanText {
            if scalar.value == 0 || scalar.value == 0xFFFD || UnicodeClasses.isControl(scalar) { return [] }
            if UnicodeClasses.isWhitespace(scalar) { scalars = [" "] }
        }
        if chinese && UnicodeClasses.isChineseCharacter(scalars[0]) { scalars = [" ", scalars[0], " "] }
        if strip {
            scalars = scalars.flatMap(UnicodeClasses.canonicalDecomposition)
                .filter { $0.properties.generalCategory != .nonspacingMark }
        }
        if lowercase {
            var lowered: [Unicode.Scalar] = []
            for s in scalars { UnicodeClasses.appendLowercase(s, to: &lowered) }
            scalars = lowered
        }
        return scalars
    }

    public func normalize(_ text: inout NormalizedText) {
        var result = NormalizedText(capacity: text.count + 4)
        asciiTable.withUnsafeBufferPointer { table in
            for i in 0..<text.count {
                let scalar = text.scalars[i]
                let value = scalar.value
                if value < 128 {
                    let replacement = table[Int(value)]
                    if replacement >= 0 {
                        result.append(Unicode.Scalar(UInt8(replacement)), originStart: text.originStart[i], originEnd: text.originEnd[i])
                    }
                } else {
                    for mapped in cache.mapping(for: scalar) {
                        result.append(mapped, originStart: text.originStart[i], originEnd: text.originEnd[i])
                    }
                }
            }
        }
        text = result
    }

    /// One pass from the original scalars; ASCII runs are written straight into the output buffers.
    public func normalized(original: UnsafeBufferPointer<Unicode.Scalar>, offset: Int) -> NormalizedText {
        let count = original.count
        var result = NormalizedText(capacity: count + 4)
        var asciiOnly = true
        for scalar in original where scalar.value >= 128 {
            asciiOnly = false
            break
        }
        if asciiOnly {
            // ASCII without deletions (the usual case): one table lookup per scalar, identity alignment.
            var deleted = false
            let scalars = asciiTable.withUnsafeBufferPointer { table in
                [Unicode.Scalar](unsafeUninitializedCapacity: count) { buffer, initialized in
                    for i in 0..<count {
                        let replacement = table[Int(original[i].value)]
                        if replacement < 0 { deleted = true }
                        buffer[i] = Unicode.Scalar(UInt8(truncatingIfNeeded: max(replacement, 0)))
                    }
                    initialized = count
                }
            }
            if !deleted { return NormalizedText(scalars: scalars, identityOffset: offset) }
        }
        asciiTable.withUnsafeBufferPointer { table in
            for i in 0..<count {
                let scalar = original[i]
                let value = scalar.value
                let position = Int32(offset + i)
                if value < 128 {
                    let replacement = table[Int(value)]
                    if replacement >= 0 {
                        result.append(Unicode.Scalar(UInt8(truncatingIfNeeded: replacement)), originStart: position, originEnd: position + 1)
                    }
                } else if UnicodeClasses.isUnifiedIdeograph(scalar) {
                    // No decomposition, no case, not a control: only the CJK spacing applies.
                    if handleChineseCharacters { result.append(" ", originStart: position, originEnd: position + 1) }
                    result.append(scalar, originStart: position, originEnd: position + 1)
                    if handleChineseCharacters { result.append(" ", originStart: position, originEnd: position + 1) }
                } else {
                    for mapped in cache.mapping(for: scalar) {
                        result.append(mapped, originStart: position, originEnd: position + 1)
                    }
                }
            }
        }
        return result
    }
}
