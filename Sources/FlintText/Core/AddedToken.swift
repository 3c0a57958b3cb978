/// A token matched in the text before the model runs (`added_tokens` in `tokenizer.json`), such as
/// `[CLS]` or `<|im_end|>`. Special ones can be skipped when decoding.
public struct AddedToken: Sendable, Equatable {
    /// The token text.
    public var content: String
    /// Its id.
    public var id: Int
    /// Whether it is a special token (skipped by `decode(skipSpecialTokens: true)`).
    public var special: Bool
    /// Match only when not inside a word.
    public var singleWord: Bool
    /// Also take the whitespace on its left.
    public var leftStrip: Bool
    /// Also take the whitespace on its right.
    public var rightStrip: Bool
    /// Match on the normalized text rather than the original.
    public var normalized: Bool

    /// An added token; by default special and matched on the original text.
    public init(content: String, id: Int, special: Bool = true, singleWord: Bool = false, leftStrip: Bool = false,
                rightStrip: Bool = false, normalized: Bool? = nil) {
        self.content = content
        self.id = id
        self.special = special
        self.singleWord = singleWord
        self.leftStrip = leftStrip
        self.rightStrip = rightStrip
        self.normalized = normalized ?? !special
    }

    /// Reads one entry of `added_tokens`.
    public init(json: JSONObject) throws {
        let special = try json.bool("special", default: false)
        self.init(content: try json.string("content"), id: try json.int("id"), special: special,
                  singleWord: try json.bool("single_word", default: false), leftStrip: try json.bool("lstrip", default: false),
                  rightStrip: try json.bool("rstrip", default: false), normalized: try json.optionalBool("normalized"))
        guard id >= 0 else { throw json.mismatch("id", expected: "an id ≥ 0") }
        guard !content.isEmpty else { throw json.mismatch("content", expected: "a non-empty string") }
    }
}
