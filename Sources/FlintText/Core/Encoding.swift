/// The result of tokenizing one text (or one pair of texts), as Hugging Face's `Encoding`.
///
/// All arrays have one entry per token. `offsets` are Unicode-scalar ranges into the text the token
/// came from (the first or the second text of a pair, see `sequenceIds`); special and padding tokens
/// get `0..<0`, like the `offset_mapping` of Hugging Face's Python tokenizers.
public struct Encoding: Sendable, Equatable {
    /// Vocabulary ids.
    public var ids: [Int]
    /// Token strings.
    public var tokens: [String]
    /// Segment ids (0 for the first text, 1 for the second of a pair, as the post-processor sets them).
    public var typeIds: [Int]
    /// 1 for real tokens, 0 for padding.
    public var attentionMask: [Int]
    /// 1 for special tokens added by the post-processor and for padding, else 0.
    public var specialTokensMask: [Int]
    /// Unicode-scalar ranges into the original text.
    public var offsets: [Range<Int>]
    /// Index of the pre-token (word) each token belongs to within its text; nil for special tokens and padding.
    public var wordIds: [Int?]
    /// Which text a token came from: 0, 1 for the pair, nil for special tokens and padding.
    public var sequenceIds: [Int?]
    /// The parts cut off by truncation (each a full encoding with its own special tokens), like
    /// Hugging Face's `overflowing`; with a stride the parts overlap by `stride` tokens.
    public var overflowing: [Encoding]

    /// An empty encoding.
    public init() {
        ids = []
        tokens = []
        typeIds = []
        attentionMask = []
        specialTokensMask = []
        offsets = []
        wordIds = []
        sequenceIds = []
        overflowing = []
    }

    /// An empty encoding with room for `capacity` tokens.
    public init(capacity: Int) {
        self.init()
        reserveCapacity(capacity)
    }

    /// Number of tokens (padding included).
    public var count: Int { ids.count }

    /// Reserves room for `capacity` tokens in every array.
    public mutating func reserveCapacity(_ capacity: Int) {
        ids.reserveCapacity(capacity)
        tokens.reserveCapacity(capacity)
        typeIds.reserveCapacity(capacity)
        attentionMask.reserveCapacity(capacity)
        specialTokensMask.reserveCapacity(capacity)
        offsets.reserveCapacity(capacity)
        wordIds.reserveCapacity(capacity)
        sequenceIds.reserveCapacity(capacity)
    }

    /// Appends one token.
    @inline(__always)
    public mutating func append(id: Int, token: String, typeId: Int, offsets range: Range<Int>, wordId: Int?,
                                sequenceId: Int?, isSpecial: Bool, attention: Int = 1) {
        ids.append(id)
        tokens.append(token)
        typeIds.append(typeId)
        attentionMask.append(attention)
        specialTokensMask.append(isSpecial ? 1 : 0)
        offsets.append(range)
        wordIds.append(wordId)
        sequenceIds.append(sequenceId)
    }

    /// Inserts one special token (no offsets, no word, no sequence) at `index`.
    public mutating func insertSpecial(id: Int, token: String, typeId: Int, at index: Int) {
        ids.insert(id, at: index)
        tokens.insert(token, at: index)
        typeIds.insert(typeId, at: index)
        attentionMask.insert(1, at: index)
        specialTokensMask.insert(1, at: index)
        offsets.insert(0..<0, at: index)
        wordIds.insert(nil, at: index)
        sequenceIds.insert(nil, at: index)
    }

    /// Appends the tokens of `other` (not its overflowing parts).
    public mutating func append(contentsOf other: Encoding) {
        ids += other.ids
        tokens += other.tokens
        typeIds += other.typeIds
        attentionMask += other.attentionMask
        specialTokensMask += other.specialTokensMask
        offsets += other.offsets
        wordIds += other.wordIds
        sequenceIds += other.sequenceIds
    }

    /// The tokens in `range` (no overflowing parts).
    public func slice(_ range: Range<Int>) -> Encoding {
        var result = Encoding()
        result.ids = Array(ids[range])
        result.tokens = Array(tokens[range])
        result.typeIds = Array(typeIds[range])
        result.attentionMask = Array(attentionMask[range])
        result.specialTokensMask = Array(specialTokensMask[range])
        result.offsets = Array(offsets[range])
        result.wordIds = Array(wordIds[range])
        result.sequenceIds = Array(sequenceIds[range])
        return result
    }

    /// Sets every token's type id to `typeId`.
    public mutating func setTypeIds(_ typeId: Int) {
        for i in typeIds.indices { typeIds[i] = typeId }
    }

    /// Cuts the encoding to `maximumLength` tokens from the end `direction` names; the removed
    /// tokens become `overflowing` parts of at most `maximumLength` tokens that overlap the kept
    /// part by `stride` tokens (Hugging Face's `Encoding.truncate`). A stride of `maximumLength` or
    /// more is reduced to `maximumLength - 1`.
    public mutating func truncate(to maximumLength: Int, stride: Int = 0, direction: Truncation.Direction = .right) {
        let length = count
        let maximumLength = max(maximumLength, 0)
        if maximumLength >= length { return }
        if maximumLength == 0 {
            var whole = self
            whole.overflowing = []
            self = Encoding()
            overflowing = [whole]
            return
        }
        let stride = min(max(stride, 0), maximumLength - 1)
        let step = maximumLength - stride
        var parts: [Range<Int>] = []
        switch direction {
        case .right:
            var start = 0
            while true {
                let stop = min(start + maximumLength, length)
                parts.append(start..<stop)
                if stop == length { break }
                start += step
            }
        case .left:
            var stop = length
            while true {
                let start = max(stop - maximumLength, 0)
                parts.append(start..<stop)
                if start == 0 { break }
                stop -= step
            }
        }
        var result = slice(parts[0])
        result.overflowing = parts.dropFirst().map { slice($0) }
        self = result
    }

    /// Pads to `length` tokens on `side` with `padId`/`padToken`/`padTypeId` (attention 0, special 1,
    /// offsets `0..<0`, no word); overflowing parts are padded too. Longer encodings are left as they are.
    public mutating func pad(to length: Int, padId: Int, padTypeId: Int, padToken: String, side: Padding.Side) {
        for i in overflowing.indices {
            overflowing[i].pad(to: length, padId: padId, padTypeId: padTypeId, padToken: padToken, side: side)
        }
        let missing = length - count
        if missing <= 0 { return }
        switch side {
        case .right:
            ids += repeatElement(padId, count: missing)
            tokens += repeatElement(padToken, count: missing)
            typeIds += repeatElement(padTypeId, count: missing)
            attentionMask += repeatElement(0, count: missing)
            specialTokensMask += repeatElement(1, count: missing)
            offsets += repeatElement(0..<0, count: missing)
            wordIds += repeatElement(nil, count: missing)
            sequenceIds += repeatElement(nil, count: missing)
        case .left:
            ids = Array(repeating: padId, count: missing) + ids
            tokens = Array(repeating: padToken, count: missing) + tokens
            typeIds = Array(repeating: padTypeId, count: missing) + typeIds
            attentionMask = Array(repeating: 0, count: missing) + attentionMask
            specialTokensMask = Array(repeating: 1, count: missing) + specialTokensMask
            offsets = Array(repeating: 0..<0, count: missing) + offsets
            wordIds = Array(repeating: nil, count: missing) + wordIds
            sequenceIds = Array(repeating: nil, count: missing) + sequenceIds
        }
    }
}
