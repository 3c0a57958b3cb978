/// How a tokenizer pads encodings (Hugging Face's `enable_padding`).
public struct Padding: Sendable, Equatable {
    /// To which length.
    public enum Strategy: Sendable, Equatable {
        /// The longest encoding of the batch (a single `encode` is not padded).
        case longest
        /// A fixed length (longer encodings are left as they are).
        case fixed(Int)
    }

    /// Which side gets the padding.
    public enum Side: String, Sendable, Equatable, CaseIterable {
        /// After the tokens.
        case right
        /// Before the tokens.
        case left
    }

    /// The target length.
    public var strategy: Strategy
    /// Which side to pad.
    public var side: Side
    /// Round the target length up to a multiple of this.
    public var padToMultipleOf: Int?
    /// The id of the padding token.
    public var padId: Int
    /// The type id of padding tokens.
    public var padTypeId: Int
    /// The padding token's string.
    public var padToken: String

    /// Padding settings; the defaults are Hugging Face's (`[PAD]`, id 0, right side, batch longest).
    public init(strategy: Strategy = .longest, side: Side = .right, padToMultipleOf: Int? = nil,
                padId: Int = 0, padTypeId: Int = 0, padToken: String = "[PAD]") {
        self.strategy = strategy
        self.side = side
        self.padToMultipleOf = padToMultipleOf
        self.padId = padId
        self.padTypeId = padTypeId
        self.padToken = padToken
    }

    /// Reads a `tokenizer.json` `padding` object (`strategy` `"BatchLongest"` or `{"Fixed": n}`,
    /// `direction`, `pad_to_multiple_of`, `pad_id`, `pad_type_id`, `pad_token`).
    public init(json: JSONObject) throws {
        if let name = json.values["strategy"] as? String, name == "BatchLongest" {
            strategy = .longest
        } else if let fixed = try json.optionalObject("strategy"), fixed.has("Fixed") {
            let length = try fixed.int("Fixed")
            guard length >= 0 else { throw fixed.mismatch("Fixed", expected: "a length ≥ 0") }
            strategy = .fixed(length)
        } else {
            throw json.mismatch("strategy", expected: "\"BatchLongest\" or {\"Fixed\": length}")
        }
        switch try json.optionalString("direction") ?? "Right" {
        case "Right": side = .right
        case "Left": side = .left
        default: throw json.mismatch("direction", expected: "Right or Left")
        }
        padToMultipleOf = try json.optionalInt("pad_to_multiple_of")
        padId = try json.optionalInt("pad_id") ?? 0
        padTypeId = try json.optionalInt("pad_type_id") ?? 0
        padToken = try json.optionalString("pad_token") ?? "[PAD]"
    }

    /// The length to pad to, given the longest encoding of the batch.
    public func targetLength(longest: Int) -> Int {
        var length: Int
        switch strategy {
        case .longest: length = longest
        case .fixed(let fixed): length = fixed
        }
        if let multiple = padToMultipleOf, multiple > 0, length % multiple != 0 {
            length += multiple - length % multiple
        }
        return length
    }

    /// Pads every encoding of a batch.
    public func apply(to encodings: inout [Encoding]) {
        let longest = encodings.reduce(0) { max($0, $1.count) }
        let length = targetLength(longest: longest)
        for i in encodings.indices {
            encodings[i].pad(to: length, padId: padId, padTypeId: padTypeId, padToken: padToken, side: side)
        }
    }
}
