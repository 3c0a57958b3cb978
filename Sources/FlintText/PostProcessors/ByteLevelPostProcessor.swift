/// The `ByteLevel` post-processor: adds no tokens; with `trim_offsets` it narrows every token's offsets so they
/// leave out the spaces (`Ġ` or whitespace) the token begins or ends with, as Hugging Face does. With
/// `add_prefix_space`, the single leading space of the first token is kept (it was added, not in the text).
public struct ByteLevelPostProcessor: PostProcessor {
    /// Whether offsets leave out leading and trailing spaces.
    public let trimOffsets: Bool
    /// Whether the first token's single leading space counts as added.
    public let addPrefixSpace: Bool

    /// A byte-level post-processor.
    public init(trimOffsets: Bool = true, addPrefixSpace: Bool = true) {
        self.trimOffsets = trimOffsets
        self.addPrefixSpace = addPrefixSpace
    }

    /// Reads `{"type": "ByteLevel", "add_prefix_space": …, "trim_offsets": …}`.
    public init(json: JSONObject) throws {
        self.init(trimOffsets: try json.bool("trim_offsets", default: true),
                  addPrefixSpace: try json.bool("add_prefix_space", default: true))
    }

    public func addedTokenCount(isPair: Bool) -> Int { 0 }

    public func process(_ first: consuming Encoding, pair: Encoding?) -> Encoding {
        var result = first
        if trimOffsets { trim(&result) }
        if var pair {
            if trimOffsets { trim(&pair) }
            result.append(contentsOf: pair)
        }
        return result
    }

    /// ByteLevel adds no special tokens: the same as ``process(_:pair:)``.
    public func processWithoutSpecialTokens(_ first: consuming Encoding, pair: Encoding?) -> Encoding {
        process(first, pair: pair)
    }

    /// Trims the offsets of `encoding` in place (and of its overflowing parts).
    public func trim(_ encoding: inout Encoding) {
        for index in 0..<encoding.count {
            let scalars = Array(encoding.tokens[index].unicodeScalars)
            var leading = 0
            while leading < scalars.count, Self.isSpace(scalars[leading]) { leading += 1 }
            var trailing = 0
            while trailing < scalars.count, Self.isSpace(scalars[scalars.count - 1 - trailing]) { trailing += 1 }
            guard leading > 0 || trailing > 0 else { continue }
            var start = encoding.offsets[index].lowerBound
            var end = encoding.offsets[index].upperBound
            if leading > 0 {
                let isFirst = index == 0 || start == 0
                if !(isFirst && addPrefixSpace && leading == 1) { start = min(start + leading, end) }
            }
            if trailing > 0, end >= trailing { end = max(end - trailing, start) }
            encoding.offsets[index] = start..<end
        }
        for part in encoding.overflowing.indices { trim(&encoding.overflowing[part]) }
    }

    @inline(__always)
    private static func isSpace(_ scalar: Unicode.Scalar) -> Bool {
        scalar == "\u{120}" || scalar.properties.isWhitespace
    }
}
