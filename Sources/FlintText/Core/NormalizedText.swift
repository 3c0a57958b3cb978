/// Text on its way through a tokenizer: the current (normalized) Unicode scalars, and for each of them
/// the range of scalars of the original text it came from.
///
/// Every normalizer and pre-tokenizer keeps the alignment up to date, so a token's offsets into the
/// original text are `originStart[first] ..< originEnd[last]` (Unicode-scalar offsets, like the
/// `offset_mapping` of Hugging Face's Python tokenizers). The arrays are contiguous and grow by
/// appending; no per-character `String` is ever made.
public struct NormalizedText: Sendable, Equatable {
    /// The normalized scalars.
    public var scalars: [Unicode.Scalar]
    /// For each normalized scalar, the first original scalar it came from.
    public var originStart: [Int32]
    /// For each normalized scalar, one past the last original scalar it came from.
    public var originEnd: [Int32]

    /// An empty text with room for `capacity` scalars.
    public init(capacity: Int = 0) {
        scalars = []
        originStart = []
        originEnd = []
        if capacity > 0 {
            scalars.reserveCapacity(capacity)
            originStart.reserveCapacity(capacity)
            originEnd.reserveCapacity(capacity)
        }
    }

    /// The unnormalized `scalars`, each aligned with itself shifted by `offset` (the position of
    /// `scalars` in the original text).
    public init<S: Collection>(original scalars: S, offset: Int = 0) where S.Element == Unicode.Scalar {
        self.init(capacity: scalars.count)
        var position = Int32(offset)
        for scalar in scalars {
            self.scalars.append(scalar)
            originStart.append(position)
            originEnd.append(position + 1)
            position += 1
        }
    }

    /// The unnormalized `scalars` (a buffer), each aligned with itself shifted by `offset`.
    public init(original scalars: UnsafeBufferPointer<Unicode.Scalar>, offset: Int = 0) {
        self.init(scalars: Array(scalars), identityOffset: offset)
    }

    /// `scalars`, scalar `i` aligned with original scalar `identityOffset + i`.
    public init(scalars: [Unicode.Scalar], identityOffset offset: Int) {
        let count = scalars.count
        self.scalars = scalars
        originStart = Array(unsafeUninitializedCapacity: count) { buffer, initialized in
            for i in 0..<count { buffer[i] = Int32(offset + i) }
            initialized = count
        }
        originEnd = Array(unsafeUninitializedCapacity: count) { buffer, initialized in
            for i in 0..<count { buffer[i] = Int32(offset + i + 1) }
            initialized = count
        }
    }

    /// The Unicode scalars of `text`, decoded straight from its UTF-8 (ASCII fast path).
    public static func scalars(of text: String) -> [Unicode.Scalar] {
        var text = text
        return text.withUTF8 { utf8 in
            Array(unsafeUninitializedCapacity: utf8.count) { buffer, initialized in
                var i = 0, n = 0
                let count = utf8.count
                while i < count {
                    let byte = UInt32(utf8[i])
                    var value: UInt32
                    if byte < 0x80 {
                        value = byte
                        i += 1
                    } else if byte < 0xE0 {
                        value = (byte & 0x1F) << 6 | UInt32(utf8[i + 1] & 0x3F)
                        i += 2
                    } else if byte < 0xF0 {
                        value = (byte & 0x0F) << 12 | UInt32(utf8[i + 1] & 0x3F) << 6 | UInt32(utf8[i + 2] & 0x3F)
                        i += 3
                    } else {
                        value = (byte & 0x07) << 18 | UInt32(utf8[i + 1] & 0x3F) << 12 | UInt32(utf8[i + 2] & 0x3F) << 6
                            | UInt32(utf8[i + 3] & 0x3F)
                        i += 4
                    }
                    // Swift strings hold valid UTF-8, so every decoded value is a scalar.
                    buffer[n] = Unicode.Scalar(value) ?? "\u{FFFD}"
                    n += 1
                }
                initialized = n
            }
        }
    }

    /// Number of normalized scalars.
    public var count: Int { scalars.count }

    /// Whether there are no scalars.
    public var isEmpty: Bool { scalars.isEmpty }

    /// Appends `scalar` aligned with the original range `start..<end`.
    @inline(__always)
    public mutating func append(_ scalar: Unicode.Scalar, originStart start: Int32, originEnd end: Int32) {
        scalars.append(scalar)
        originStart.append(start)
        originEnd.append(end)
    }

    /// The original range that the normalized scalars `range` came from (an empty range at the
    /// nearest original position when `range` is empty).
    public func originRange(of range: Range<Int>) -> Range<Int> {
        if range.isEmpty {
            if range.lowerBound < count { return Int(originStart[range.lowerBound])..<Int(originStart[range.lowerBound]) }
            let end = count > 0 ? Int(originEnd[count - 1]) : 0
            return end..<end
        }
        return Int(originStart[range.lowerBound])..<Int(originEnd[range.upperBound - 1])
    }

    /// A copy of the scalars in `range` with their alignments.
    public func slice(_ range: Range<Int>) -> NormalizedText {
        var result = NormalizedText()
        result.scalars = Array(scalars[range])
        result.originStart = Array(originStart[range])
        result.originEnd = Array(originEnd[range])
        return result
    }

    /// Replaces every scalar by the scalars `transform` appends for it (none deletes it); each
    /// new scalar keeps the alignment of the scalar it replaced.
    public mutating func mapScalars(_ transform: (Unicode.Scalar, inout [Unicode.Scalar]) -> Void) {
        var result = NormalizedText(capacity: count)
        var buffer: [Unicode.Scalar] = []
        buffer.reserveCapacity(8)
        for i in 0..<count {
            buffer.removeAll(keepingCapacity: true)
            transform(scalars[i], &buffer)
            for scalar in buffer { result.append(scalar, originStart: originStart[i], originEnd: originEnd[i]) }
        }
        self = result
    }

    /// Puts every run of combining marks in canonical order (stable sort by canonical combining
    /// class, the last step of NFD/NFKD); alignments move with their scalars.
    public mutating func orderCombiningMarks() {
        var i = 1
        while i < count {
            let combiningClass = scalars[i].properties.canonicalCombiningClass.rawValue
            if combiningClass != 0 {
                var j = i
                while j > 0 {
                    let previous = scalars[j - 1].properties.canonicalCombiningClass.rawValue
                    guard previous > combiningClass else { break }
                    scalars.swapAt(j, j - 1)
                    originStart.swapAt(j, j - 1)
                    originEnd.swapAt(j, j - 1)
                    j -= 1
                }
            }
            i += 1
        }
    }

    /// The normalized text as a `String`.
    public var string: String {
        var result = String.UnicodeScalarView()
        result.append(contentsOf: scalars)
        return String(result)
    }
}
