/// The `ByteLevel` pre-tokenizer (GPT-2, RoBERTa, SmolLM, and after a `Split` in Llama-3 / Qwen2): optionally
/// adds a space in front of every piece that lacks one, splits pieces with GPT-2's pattern (`use_regex`), then
/// rewrites every piece as its UTF-8 bytes spelled in `ByteLevelAlphabet`. Each byte keeps the alignment of the
/// scalar it came from, so a token covering part of a multi-byte character reports the whole character.
public struct ByteLevelPreTokenizer: PreTokenizer {
    /// Whether a space is put in front of every piece that does not start with one.
    public let addPrefixSpace: Bool
    /// Whether pieces are split with GPT-2's pattern.
    public let useRegex: Bool
    /// Stored for the file's sake: trimming happens in `ByteLevelPostProcessor`.
    public let trimOffsets: Bool

    /// A byte-level pre-tokenizer.
    public init(addPrefixSpace: Bool = false, useRegex: Bool = true, trimOffsets: Bool = true) {
        self.addPrefixSpace = addPrefixSpace
        self.useRegex = useRegex
        self.trimOffsets = trimOffsets
    }

    /// Reads `{"type": "ByteLevel", "add_prefix_space": …, "trim_offsets": …, "use_regex": …}`.
    public init(json: JSONObject) throws {
        self.init(addPrefixSpace: try json.bool("add_prefix_space", default: true),
                  useRegex: try json.bool("use_regex", default: true),
                  trimOffsets: try json.bool("trim_offsets", default: true))
    }

    public func preTokenize(_ text: inout PreTokenizedText) {
        let source = text.text
        var output = NormalizedText(capacity: source.count + source.count / 4 + 8)
        var splits: [Range<Int>] = []
        splits.reserveCapacity(text.splits.count * 2)
        var pieceScalars: [UInt32] = []
        var pieceStart: [Int32] = []
        var pieceEnd: [Int32] = []
        var utf8 = [UInt8](repeating: 0, count: 4)
        for split in text.splits {
            // The piece, with the optional prefix space (aligned with the piece's first scalar).
            pieceScalars.removeAll(keepingCapacity: true)
            pieceStart.removeAll(keepingCapacity: true)
            pieceEnd.removeAll(keepingCapacity: true)
            if addPrefixSpace, source.scalars[split.lowerBound] != " " {
                pieceScalars.append(0x20)
                pieceStart.append(source.originStart[split.lowerBound])
                pieceEnd.append(source.originEnd[split.lowerBound])
            }
            for index in split {
                pieceScalars.append(source.scalars[index].value)
                pieceStart.append(source.originStart[index])
                pieceEnd.append(source.originEnd[index])
            }
            let words: [Range<Int>] = useRegex
                ? pieceScalars.withUnsafeBufferPointer { SplitPattern.gpt2.matches(in: $0) }
                : [0..<pieceScalars.count]
            for word in words {
                let wordStart = output.count
                for index in word {
                    let value = pieceScalars[index]
                    let byteCount = Self.utf8(value, into: &utf8)
                    for byteIndex in 0..<byteCount {
                        output.append(ByteLevelAlphabet.scalarForByte[Int(utf8[byteIndex])],
                                      originStart: pieceStart[index], originEnd: pieceEnd[index])
                    }
                }
                if output.count > wordStart { splits.append(wordStart..<output.count) }
            }
        }
        text = PreTokenizedText(text: output, splits: splits)
    }

    /// Writes the UTF-8 bytes of scalar `value` into `bytes` and returns how many there are.
    @inline(__always)
    static func utf8(_ value: UInt32, into bytes: inout [UInt8]) -> Int {
        switch value {
        case 0..<0x80:
            bytes[0] = UInt8(value)
            return 1
        case 0x80..<0x800:
            bytes[0] = UInt8(0xC0 | (value >> 6))
            bytes[1] = UInt8(0x80 | (value & 0x3F))
            return 2
        case 0x800..<0x10000:
            bytes[0] = UInt8(0xE0 | (value >> 12))
            bytes[1] = UInt8(0x80 | ((value >> 6) & 0x3F))
            bytes[2] = UInt8(0x80 | (value & 0x3F))
            return 3
        default:
            bytes[0] = UInt8(0xF0 | (value >> 18))
            bytes[1] = UInt8(0x80 | ((value >> 12) & 0x3F))
            bytes[2] = UInt8(0x80 | ((value >> 6) & 0x3F))
            bytes[3] = UInt8(0x80 | (value & 0x3F))
            return 4
        }
    }
}
