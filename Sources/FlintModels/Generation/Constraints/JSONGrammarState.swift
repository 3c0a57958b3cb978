/// A byte-level pushdown automaton for JSON text that follows a ``JSONSchemaSubset``: fed one byte at a time,
/// it says whether the byte can continue the text, so that every text it accepts is a prefix of valid JSON that
/// matches the schema — and can always be completed (no accepted prefix is a dead end).
///
/// The stack holds one frame per value being written (the outermost first): an object, an array, a string, a
/// number, a `true`/`false`/`null` word, an `enum`/`const` literal, a property name, or a value not yet begun.
/// A frame that ends without a closing byte (a number, or a literal that a longer one extends) is popped when a
/// byte arrives that cannot continue it, and the byte is fed to the frame below.
///
/// Whitespace between tokens follows llama.cpp's `json.gbnf`: `ws ::= "" | " " | "\n" [ \t]{0,20}`, so a model
/// cannot loop on spaces. Strings must be valid UTF-8 with JSON's escapes (`\uXXXX` surrogates paired);
/// control characters must be escaped. After the whole value nothing but the end of generation may follow.
struct JSONGrammarState {
    enum Kind: UInt8 { case value, object, array, string, number, word, literal, key }

    /// One value being written. Plain data (copying a state copies bytes).
    struct Frame {
        var kind: Kind
        /// Kind-specific progress (see the `Phase` constants).
        var phase: UInt8 = 0
        /// Whitespace seen since the last token: 0 none, 1...21 a newline and n − 1 spaces or tabs, 255 no more.
        var whitespace: UInt8 = 0
        /// Numbers: integers only. Strings: whether the next `\u` escape must be a low surrogate.
        var flag: Bool = false
        /// The schema node.
        var node: Int32
        /// Arrays: items so far. Numbers: digits in the current part. Strings: hex digits or UTF-8 continuation
        /// bytes still due. Words, literals, keys: bytes matched so far.
        var count: Int32 = 0
        /// Literals and keys: the candidates left, `lo ..< hi` (sorted, sharing the bytes matched so far).
        /// Strings: the allowed range of the next UTF-8 continuation byte, as `lo ... hi`. Words: which word.
        var lo: Int32 = 0
        var hi: Int32 = 0
        /// Objects: the property whose value comes next.
        var valueNode: Int32 = 0
        /// Objects: bit i set once property i (sorted order) was written.
        var seen: UInt64 = 0
    }

    /// Object phases.
    enum ObjectPhase { static let open: UInt8 = 0, key: UInt8 = 1, colon: UInt8 = 2, value: UInt8 = 3, next: UInt8 = 4, afterComma: UInt8 = 5 }
    /// Array phases.
    enum ArrayPhase { static let open: UInt8 = 0, value: UInt8 = 1, next: UInt8 = 2 }
    /// String phases.
    enum StringPhase { static let plain: UInt8 = 0, escape: UInt8 = 1, hex: UInt8 = 2, continuation: UInt8 = 3, lowBackslash: UInt8 = 4, lowU: UInt8 = 5 }
    /// Number phases; `zero`, `integral`, `fraction` and `exponentDigits` are where a number may end.
    enum NumberPhase {
        static let start: UInt8 = 0, minus: UInt8 = 1, zero: UInt8 = 2, integral: UInt8 = 3, dot: UInt8 = 4, fraction: UInt8 = 5
        static let exponent: UInt8 = 6, exponentSign: UInt8 = 7, exponentDigits: UInt8 = 8
    }

    static let maximumDigits: Int32 = 16
    static let maximumExponentDigits: Int32 = 2
    static let maximumIndent: UInt8 = 20
    static let words: [[UInt8]] = [Array("true".utf8), Array("false".utf8), Array("null".utf8)]

    let schema: JSONSchemaSubset
    /// The values being written, outermost first; empty once the whole value is complete.
    private(set) var frames: [Frame]

    /// The state before the first byte of a value of `schema`.
    init(schema: JSONSchemaSubset) {
        self.schema = schema
        frames = [Frame(kind: .value, node: schema.root)]
        frames.reserveCapacity(32)
    }

    /// Makes this state equal to `other` (same schema) without allocating when the stack fits.
    mutating func copy(from other: JSONGrammarState) {
        frames.removeAll(keepingCapacity: true)
        frames.append(contentsOf: other.frames)
    }

    /// Whether the text so far is a complete value (generation may end here).
    var canEnd: Bool {
        guard let top = frames.last else { return true }
        guard frames.count == 1 else { return false }
        switch top.kind {
        case .number: return Self.numberCanEnd(top)
        case .literal: return schema.literals[Int(top.lo)].count == Int(top.count)
        default: return false
        }
    }

    /// Whether the value is complete and no byte can extend it.
    var isFinished: Bool {
        if frames.isEmpty { return true }
        guard canEnd else { return false }
        var trial = self
        for byte in 0...255 as ClosedRange<UInt8> {
            trial.copy(from: self)
            if trial.accept(byte) { return false }
        }
        return true
    }

    /// Feeds `bytes` in order; false (the state then undefined) as soon as one is not accepted.
    mutating func accept<C: Collection>(_ bytes: C) -> Bool where C.Element == UInt8 {
        for byte in bytes where !accept(byte) { return false }
        return true
    }

    /// Feeds one byte: true if the text can continue with it (the state advanced), false if not (the state is
    /// then unspecified: callers try bytes on a copy).
    mutating func accept(_ byte: UInt8) -> Bool {
        while true {
            guard !frames.isEmpty else { return false }
            switch step(byte) {
            case .consumed: return true
            case .rejected: return false
            case .completed:
                // The top frame ended with this byte.
                let child = frames.removeLast()
                completeChild(child)
                return true
            case .endedBefore:
                // The top frame ended before this byte, which belongs to the frame below.
                let child = frames.removeLast()
                if frames.isEmpty { return false }
                completeChild(child)
            }
        }
    }

    enum Outcome { case consumed, rejected, completed, endedBefore }

    private static func isWhitespace(_ byte: UInt8) -> Bool { byte == 0x20 || byte == 0x0A || byte == 0x09 || byte == 0x0D }

    /// Whitespace in a frame that allows it, by `ws ::= "" | " " | "\n" [ \t]{0,20}`.
    private mutating func whitespace(_ byte: UInt8) -> Outcome {
        let top = frames.count - 1
        let state = frames[top].whitespace
        switch (state, byte) {
        case (0, 0x20): frames[top].whitespace = 255
        case (0, 0x0A): frames[top].whitespace = 1
        case (1...Self.maximumIndent, 0x20), (1...Self.maximumIndent, 0x09): frames[top].whitespace = state + 1
        default: return .rejected
        }
        return .consumed
    }

    /// A new value of `node` begins on top of the stack (its first byte is fed next).
    private mutating func pushValue(_ node: Int32) { frames.append(Frame(kind: .value, node: node)) }

    /// The frame below a finished one continues.
    private mutating func completeChild(_ child: Frame) {
        let top = frames.count - 1
        guard top >= 0 else { return }
        switch frames[top].kind {
        case .object:
            if frames[top].phase == ObjectPhase.key {
                if child.kind == .key {
                    let property = Int(child.lo)
                    frames[top].seen |= 1 << UInt64(property)
                    frames[top].valueNode = schema.propertyNodes[Int(schema.nodes[Int(frames[top].node)].propertyStart) + property]
                } else {
                    frames[top].valueNode = JSONSchemaSubset.anyNode
                }
                frames[top].phase = ObjectPhase.colon
            } else {
                frames[top].phase = ObjectPhase.next
            }
        case .array:
            frames[top].count += 1
            frames[top].phase = ArrayPhase.next
        default: break
        }
        frames[top].whitespace = 0
    }

    private mutating func step(_ byte: UInt8) -> Outcome {
        let top = frames.count - 1
        switch frames[top].kind {
        case .value: return beginValue(byte)
        case .object: return object(byte)
        case .array: return array(byte)
        case .string: return string(byte)
        case .number: return number(byte)
        case .word:
            let word = Self.words[Int(frames[top].lo)]
            guard word[Int(frames[top].count)] == byte else { return .rejected }
            frames[top].count += 1
            return Int(frames[top].count) == word.count ? .completed : .consumed
        case .literal: return literal(byte)
        case .key: return key(byte)
        }
    }

    /// The first byte of a value (after optional whitespace) decides its kind.
    private mutating func beginValue(_ byte: UInt8) -> Outcome {
        if Self.isWhitespace(byte) { return whitespace(byte) }
        let top = frames.count - 1
        let nodeIndex = frames[top].node
        let node = schema.nodes[Int(nodeIndex)]
        if node.literalCount >= 0 {
            frames[top] = Frame(kind: .literal, node: nodeIndex, lo: node.literalStart, hi: node.literalStart + node.literalCount)
            return literal(byte)
        }
        switch byte {
        case UInt8(ascii: "{") where node.types.contains(.object):
            frames[top] = Frame(kind: .object, node: nodeIndex)
            return .consumed
        case UInt8(ascii: "[") where node.types.contains(.array):
            if node.maxItems == 0 && node.minItems > 0 { return .rejected }
            frames[top] = Frame(kind: .array, node: nodeIndex)
            return .consumed
        case UInt8(ascii: "\"") where node.types.contains(.string):
            frames[top] = Frame(kind: .string, node: nodeIndex)
            return .consumed
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            guard !node.types.isDisjoint(with: [.number, .integer]) else { return .rejected }
            frames[top] = Frame(kind: .number, flag: !node.types.contains(.number), node: nodeIndex)
            return number(byte)
        case UInt8(ascii: "t"), UInt8(ascii: "f"), UInt8(ascii: "n"):
            let word: Int32 = byte == UInt8(ascii: "t") ? 0 : byte == UInt8(ascii: "f") ? 1 : 2
            guard node.types.contains(word == 2 ? .null : .boolean) else { return .rejected }
            frames[top] = Frame(kind: .word, node: nodeIndex, count: 1, lo: word)
            return .consumed
        default:
            return .rejected
        }
    }

    private mutating func object(_ byte: UInt8) -> Outcome {
        let top = frames.count - 1
        let frame = frames[top]
        let node = schema.nodes[Int(frame.node)]
        let free = node.propertyCount < 0
        /// Whether a property may still be written (free objects: always).
        var unseenLeft: Bool { free || frame.seen.nonzeroBitCount < Int(node.propertyCount) }
        var requiredDone: Bool { node.required & ~frame.seen == 0 }
        switch frame.phase {
        case ObjectPhase.open, ObjectPhase.next, ObjectPhase.afterComma:
            if Self.isWhitespace(byte) { return whitespace(byte) }
            if byte == UInt8(ascii: "\"") && frame.phase != ObjectPhase.next && unseenLeft {
                frames[top].phase = ObjectPhase.key
                if free {
                    frames.append(Frame(kind: .string, node: JSONSchemaSubset.anyNode))
                } else {
                    frames.append(Frame(kind: .key, node: frame.node, lo: node.propertyStart, hi: node.propertyStart + node.propertyCount))
                }
                return .consumed
            }
            if byte == UInt8(ascii: "}") && frame.phase != ObjectPhase.afterComma && requiredDone { return .completed }
            if byte == UInt8(ascii: ",") && frame.phase == ObjectPhase.next && unseenLeft {
                frames[top].phase = ObjectPhase.afterComma
                frames[top].whitespace = 0
                return .consumed
            }
            return .rejected
        case ObjectPhase.colon:
            if Self.isWhitespace(byte) { return whitespace(byte) }
            guard byte == UInt8(ascii: ":") else { return .rejected }
            frames[top].phase = ObjectPhase.value
            pushValue(frame.valueNode)
            return .consumed
        default:
            return .rejected  // key and value phases have a child frame on top
        }
    }

    private mutating func array(_ byte: UInt8) -> Outcome {
        let top = frames.count - 1
        let frame = frames[top]
        let node = schema.nodes[Int(frame.node)]
        switch frame.phase {
        case ArrayPhase.open:
            if Self.isWhitespace(byte) { return whitespace(byte) }
            if byte == UInt8(ascii: "]") { return node.minItems == 0 ? .completed : .rejected }
            guard node.maxItems > 0 else { return .rejected }
            frames[top].phase = ArrayPhase.value
            pushValue(node.items)
            return beginValue(byte)
        case ArrayPhase.next:
            if Self.isWhitespace(byte) { return whitespace(byte) }
            if byte == UInt8(ascii: "]") { return frame.count >= node.minItems ? .completed : .rejected }
            guard byte == UInt8(ascii: ","), frame.count < node.maxItems else { return .rejected }
            frames[top].phase = ArrayPhase.value
            pushValue(node.items)
            return .consumed
        default:
            return .rejected
        }
    }

    private static func hexValue(_ byte: UInt8) -> Int32? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return Int32(byte - UInt8(ascii: "0"))
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return Int32(byte - UInt8(ascii: "a") + 10)
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return Int32(byte - UInt8(ascii: "A") + 10)
        default: return nil
        }
    }

    private mutating func string(_ byte: UInt8) -> Outcome { Self.string(&frames[frames.count - 1], byte) }

    /// One byte of a string's contents or its closing quote, on the string's frame alone (`.completed` at the
    /// closing quote): the mask runs it on a copy of the top frame, without copying the stack.
    static func string(_ target: inout Frame, _ byte: UInt8) -> Outcome {
        let frame = target
        switch frame.phase {
        case StringPhase.plain:
            switch byte {
            case UInt8(ascii: "\""): return .completed
            case UInt8(ascii: "\\"): target.phase = StringPhase.escape
            case 0x20...0x7F: break
            case 0xC2...0xDF: startContinuation(&target, 1, 0x80, 0xBF)
            case 0xE0: startContinuation(&target, 2, 0xA0, 0xBF)
            case 0xE1...0xEC, 0xEE...0xEF: startContinuation(&target, 2, 0x80, 0xBF)
            case 0xED: startContinuation(&target, 2, 0x80, 0x9F)
            case 0xF0: startContinuation(&target, 3, 0x90, 0xBF)
            case 0xF1...0xF3: startContinuation(&target, 3, 0x80, 0xBF)
            case 0xF4: startContinuation(&target, 3, 0x80, 0x8F)
            default: return .rejected
            }
            return .consumed
        case StringPhase.continuation:
            guard byte >= UInt8(frame.lo) && byte <= UInt8(frame.hi) else { return .rejected }
            target.count -= 1
            target.lo = 0x80
            target.hi = 0xBF
            if target.count == 0 { target.phase = StringPhase.plain }
            return .consumed
        case StringPhase.escape:
            switch byte {
            case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"), UInt8(ascii: "b"), UInt8(ascii: "f"),
                 UInt8(ascii: "n"), UInt8(ascii: "r"), UInt8(ascii: "t"):
                target.phase = StringPhase.plain
            case UInt8(ascii: "u"):
                target.phase = StringPhase.hex
                target.count = 0
                target.lo = 0
            default: return .rejected
            }
            return .consumed
        case StringPhase.hex:
            guard let digit = hexValue(byte) else { return .rejected }
            let position = frame.count
            // The first two hex digits decide surrogates: D8–DB high (a low one must follow), DC–DF low (only
            // right after a high one). Checked digit by digit so that no accepted prefix is a dead end.
            if frame.flag {
                if position == 0 && digit != 0xD { return .rejected }
                if position == 1 && digit < 0xC { return .rejected }
            } else if position == 1 && frame.lo == 0xD && digit >= 0xC {
                return .rejected
            }
            target.lo = frame.lo * 16 + digit
            target.count = position + 1
            if position == 3 {
                let unit = target.lo
                target.lo = 0
                target.count = 0
                if !frame.flag && unit >= 0xD800 && unit <= 0xDBFF {
                    target.flag = true
                    target.phase = StringPhase.lowBackslash
                } else {
                    target.flag = false
                    target.phase = StringPhase.plain
                }
            }
            return .consumed
        case StringPhase.lowBackslash:
            guard byte == UInt8(ascii: "\\") else { return .rejected }
            target.phase = StringPhase.lowU
            return .consumed
        case StringPhase.lowU:
            guard byte == UInt8(ascii: "u") else { return .rejected }
            target.phase = StringPhase.hex
            return .consumed
        default:
            return .rejected
        }
    }

    private static func startContinuation(_ target: inout Frame, _ count: Int32, _ low: Int32, _ high: Int32) {
        target.phase = StringPhase.continuation
        target.count = count
        target.lo = low
        target.hi = high
    }

    static func numberCanEnd(_ frame: Frame) -> Bool {
        switch frame.phase {
        case NumberPhase.zero, NumberPhase.integral, NumberPhase.fraction, NumberPhase.exponentDigits: return true
        default: return false
        }
    }

    private mutating func number(_ byte: UInt8) -> Outcome {
        let top = frames.count - 1
        let frame = frames[top]
        let isDigit = byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")
        func set(_ phase: UInt8, count: Int32 = 0) -> Outcome {
            frames[top].phase = phase
            frames[top].count = count
            return .consumed
        }
        let end: Outcome = Self.numberCanEnd(frame) ? .endedBefore : .rejected
        switch frame.phase {
        case NumberPhase.start, NumberPhase.minus:
            if byte == UInt8(ascii: "-") && frame.phase == NumberPhase.start { return set(NumberPhase.minus) }
            if byte == UInt8(ascii: "0") { return set(NumberPhase.zero, count: 1) }
            return isDigit ? set(NumberPhase.integral, count: 1) : .rejected
        case NumberPhase.zero, NumberPhase.integral:
            if isDigit && frame.phase == NumberPhase.integral && frame.count < Self.maximumDigits { return set(NumberPhase.integral, count: frame.count + 1) }
            if !frame.flag && byte == UInt8(ascii: ".") { return set(NumberPhase.dot) }
            if !frame.flag && (byte == UInt8(ascii: "e") || byte == UInt8(ascii: "E")) { return set(NumberPhase.exponent) }
            return isDigit ? .rejected : end
        case NumberPhase.dot:
            return isDigit ? set(NumberPhase.fraction, count: 1) : .rejected
        case NumberPhase.fraction:
            if isDigit { return frame.count < Self.maximumDigits ? set(NumberPhase.fraction, count: frame.count + 1) : .rejected }
            if byte == UInt8(ascii: "e") || byte == UInt8(ascii: "E") { return set(NumberPhase.exponent) }
            return end
        case NumberPhase.exponent:
            if byte == UInt8(ascii: "+") || byte == UInt8(ascii: "-") { return set(NumberPhase.exponentSign) }
            return isDigit ? set(NumberPhase.exponentDigits, count: 1) : .rejected
        case NumberPhase.exponentSign:
            return isDigit ? set(NumberPhase.exponentDigits, count: 1) : .rejected
        case NumberPhase.exponentDigits:
            if isDigit { return frame.count < Self.maximumExponentDigits ? set(NumberPhase.exponentDigits, count: frame.count + 1) : .rejected }
            return end
        default:
            return .rejected
        }
    }

    /// `enum`/`const`: the byte must continue one of the remaining canonical spellings; a complete spelling that
    /// no remaining one extends ends the value.
    private mutating func literal(_ byte: UInt8) -> Outcome {
        let top = frames.count - 1
        let frame = frames[top]
        let position = Int(frame.count)
        let literals = schema.literals
        var lo = Int(frame.lo), hi = Int(frame.hi)
        // Candidates sharing the prefix are contiguous; a complete one (if any) sorts first.
        let completeFirst = literals[lo].count == position
        var start = lo
        if completeFirst { start += 1 }
        while start < hi && literals[start][position] < byte { start += 1 }
        var stop = start
        while stop < hi && literals[stop][position] == byte { stop += 1 }
        if start == stop { return completeFirst ? .endedBefore : .rejected }
        lo = start
        hi = stop
        frames[top].lo = Int32(lo)
        frames[top].hi = Int32(hi)
        frames[top].count += 1
        // Complete, and nothing longer left: the value ends with this byte.
        return hi - lo == 1 && literals[lo].count == position + 1 ? .completed : .consumed
    }

    /// A property name of an object schema: the byte must continue one not yet written; the closing quote must
    /// end one. `lo` is the matched property (relative to the object's first) when the frame completes.
    private mutating func key(_ byte: UInt8) -> Outcome {
        let top = frames.count - 1
        let frame = frames[top]
        let position = Int(frame.count)
        let names = schema.propertyNames
        let object = frames[top - 1]
        let first = Int(schema.nodes[Int(object.node)].propertyStart)
        var start = Int(frame.lo)
        let hi = Int(frame.hi)
        func unseen(_ index: Int) -> Bool { object.seen & (1 << UInt64(index - first)) == 0 }
        if byte == UInt8(ascii: "\"") && names[start].count == position {
            guard unseen(start) else { return .rejected }
            frames[top].lo = Int32(start - first)
            return .completed
        }
        while start < hi && (names[start].count <= position || names[start][position] < byte) { start += 1 }
        var stop = start
        while stop < hi && names[stop][position] == byte { stop += 1 }
        guard (start..<stop).contains(where: unseen) else { return .rejected }
        frames[top].lo = Int32(start)
        frames[top].hi = Int32(stop)
        frames[top].count += 1
        return .consumed
    }
}
