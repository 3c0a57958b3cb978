/// Splits Jinja source into tokens exactly as jinja2 3.1's lexer does with transformers' settings
/// (`trim_blocks=True`, `lstrip_blocks=True`, default delimiters, `keep_trailing_newline=False`):
///
/// - newlines (`\r\n`, `\r`, `\n`) are normalised to `\n` and one trailing newline of the source is dropped;
/// - `{%-` / `{{-` / `{#-` strip all whitespace before the tag, `-%}` / `-}}` / `-#}` all whitespace after it;
/// - trim_blocks: a single newline right after `%}` or `#}` is removed (not after `+%}` or `{% raw %}`);
/// - lstrip_blocks: spaces and tabs between the start of a line and a `{%` or `{#` tag are removed, unless the
///   tag opens with `+` (`{%+`);
/// - `{% raw %}…{% endraw %}` is template text; inside `{{ }}` / `{% %}` brackets nest, so `}}` inside braces
///   does not end the tag.
struct JinjaLexer {
    private let scalars: [Unicode.Scalar]
    private var lineStarts: [Int] = [0]
    private var tokens: [JinjaToken] = []
    private var position = 0

    init(source: String) {
        var normalized: [Unicode.Scalar] = []
        normalized.reserveCapacity(source.unicodeScalars.count)
        var iterator = source.unicodeScalars.makeIterator()
        var pending: Unicode.Scalar? = iterator.next()
        while let scalar = pending {
            pending = iterator.next()
            if scalar == "\r" {
                normalized.append("\n")
                if pending == "\n" { pending = iterator.next() }
            } else {
                normalized.append(scalar)
            }
        }
        if normalized.last == "\n" { normalized.removeLast() }
        scalars = normalized
        for (index, scalar) in scalars.enumerated() where scalar == "\n" {
            lineStarts.append(index + 1)
        }
    }

    /// Tokenizes the whole source; the last token is `.endOfInput`.
    static func tokenize(_ source: String) throws -> [JinjaToken] {
        var lexer = JinjaLexer(source: source)
        try lexer.run()
        return lexer.tokens
    }

    /// 1-based line and column of a scalar offset.
    func location(of offset: Int) -> (line: Int, column: Int) {
        var low = 0
        var high = lineStarts.count - 1
        while low < high {
            let middle = (low + high + 1) / 2
            if lineStarts[middle] <= offset { low = middle } else { high = middle - 1 }
        }
        return (low + 1, offset - lineStarts[low] + 1)
    }

    private func syntaxError(_ message: String, at offset: Int) -> JinjaError {
        let (line, column) = location(of: offset)
        return .syntax(message: message, line: line, column: column)
    }

    private mutating func emit(_ kind: JinjaTokenKind, at offset: Int) {
        let (line, column) = location(of: offset)
        tokens.append(JinjaToken(kind: kind, line: line, column: column))
    }

    private func scalar(at offset: Int) -> Unicode.Scalar? {
        offset < scalars.count ? scalars[offset] : nil
    }

    private func matches(_ text: String, at offset: Int) -> Bool {
        var index = offset
        for scalar in text.unicodeScalars {
            guard index < scalars.count, scalars[index] == scalar else { return false }
            index += 1
        }
        return true
    }

    private func skipWhitespace(from offset: Int) -> Int {
        var index = offset
        while index < scalars.count, JinjaLexer.isPythonWhitespace(scalars[index]) { index += 1 }
        return index
    }

    /// Python's `str.isspace()` / regex `\s` for str patterns.
    static func isPythonWhitespace(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x09...0x0D, 0x1C...0x1F, 0x20, 0x85, 0xA0: return true
        default: return scalar.value > 0x7F && scalar.properties.isWhitespace
        }
    }

    // MARK: - Template data

    private mutating func run() throws {
        while position < scalars.count {
            guard let tagStart = nextTagStart(from: position) else {
                emitText(start: position, end: scalars.count)
                position = scalars.count
                break
            }
            let tagKind = scalars[tagStart + 1]
            var afterDelimiter = tagStart + 2
            var sign: Unicode.Scalar?
            if let candidate = scalar(at: afterDelimiter), candidate == "-" || candidate == "+" {
                sign = candidate
                afterDelimiter += 1
            }
            let text = strippedText(start: position, end: tagStart, sign: sign, isVariable: tagKind == "{")
            if !text.isEmpty { emit(.text(String(String.UnicodeScalarView(text))), at: position) }
            switch tagKind {
            case "#":
                position = try skipComment(from: afterDelimiter, tagStart: tagStart)
            case "%":
                if let rawBodyStart = rawBlockBodyStart(after: afterDelimiter) {
                    position = try lexRaw(bodyStart: rawBodyStart, tagStart: tagStart)
                } else {
                    emit(.blockBegin, at: tagStart)
                    position = try lexTag(from: afterDelimiter, isBlock: true, tagStart: tagStart)
                }
            default:
                emit(.variableBegin, at: tagStart)
                position = try lexTag(from: afterDelimiter, isBlock: false, tagStart: tagStart)
            }
        }
        emit(.endOfInput, at: scalars.count)
    }

    private func nextTagStart(from offset: Int) -> Int? {
        var index = offset
        while index + 1 < scalars.count {
            if scalars[index] == "{" {
                let next = scalars[index + 1]
                if next == "{" || next == "%" || next == "#" { return index }
            }
            index += 1
        }
        return nil
    }

    /// Plain trailing text after the last tag: no stripping applies to it.
    private mutating func emitText(start: Int, end: Int) {
        guard start < end else { return }
        emit(.text(String(String.UnicodeScalarView(scalars[start..<end]))), at: start)
    }

    /// The text before a tag after `-` stripping or lstrip_blocks (jinja2's OptionalLStrip handling).
    private func strippedText(start: Int, end: Int, sign: Unicode.Scalar?, isVariable: Bool) -> ArraySlice<Unicode.Scalar> {
        var text = scalars[start..<end]
        if sign == "-" {
            while let last = text.last, JinjaLexer.isPythonWhitespace(last) { text.removeLast() }
            return text
        }
        guard sign != "+", !isVariable else { return text }
        let lineStart = (text.lastIndex(of: "\n").map { $0 + 1 }) ?? start
        let lineStarting = start == 0 || scalars[start - 1] == "\n"
        guard lineStart > start || lineStarting else { return text }
        let tail = scalars[lineStart..<end]
        if !tail.isEmpty, tail.allSatisfy(JinjaLexer.isPythonWhitespace) {
            return scalars[start..<lineStart]
        }
        return text
    }

    private mutating func skipComment(from offset: Int, tagStart: Int) throws -> Int {
        var index = offset
        while index + 1 < scalars.count {
            if scalars[index] == "#" && scalars[index + 1] == "}" {
                let end = index + 2
                if index > offset && scalars[index - 1] == "-" { return skipWhitespace(from: end) }
                if index > offset && scalars[index - 1] == "+" { return end }
                return scalar(at: end) == "\n" ? end + 1 : end
            }
            index += 1
        }
        throw syntaxError("missing end of comment tag", at: tagStart)
    }

    /// If the block tag starting after `{%` (and its sign) is `raw`, the offset where the raw body starts.
    private func rawBlockBodyStart(after offset: Int) -> Int? {
        var index = skipWhitespace(from: offset)
        guard matches("raw", at: index) else { return nil }
        index += 3
        index = skipWhitespace(from: index)
        if matches("-%}", at: index) { return skipWhitespace(from: index + 3) }
        if matches("%}", at: index) { return index + 2 }
        return nil
    }

    private mutating func lexRaw(bodyStart: Int, tagStart: Int) throws -> Int {
        var index = bodyStart
        while let candidate = nextBlockStart(from: index) {
            var cursor = candidate + 2
            var sign: Unicode.Scalar?
            if let next = scalar(at: cursor), next == "-" || next == "+" {
                sign = next
                cursor += 1
            }
            cursor = skipWhitespace(from: cursor)
            if matches("endraw", at: cursor) {
                cursor = skipWhitespace(from: cursor + 6)
                var end: Int?
                if matches("+%}", at: cursor) {
                    end = cursor + 3
                } else if matches("-%}", at: cursor) {
                    end = skipWhitespace(from: cursor + 3)
                } else if matches("%}", at: cursor) {
                    end = scalar(at: cursor + 2) == "\n" ? cursor + 3 : cursor + 2
                }
                if let end {
                    let text = strippedText(start: bodyStart, end: candidate, sign: sign, isVariable: false)
                    if !text.isEmpty { emit(.text(String(String.UnicodeScalarView(text))), at: bodyStart) }
                    return end
                }
            }
            index = candidate + 2
        }
        throw syntaxError("Missing end of raw directive", at: tagStart)
    }

    private func nextBlockStart(from offset: Int) -> Int? {
        var index = offset
        while index + 1 < scalars.count {
            if scalars[index] == "{" && scalars[index + 1] == "%" { return index }
            index += 1
        }
        return nil
    }

    // MARK: - Inside {{ }} and {% %}

    private mutating func lexTag(from offset: Int, isBlock: Bool, tagStart: Int) throws -> Int {
        var index = offset
        var brackets: [(Unicode.Scalar, Int)] = []
        while true {
            index = skipWhitespace(from: index)
            if brackets.isEmpty {
                if isBlock {
                    if matches("-%}", at: index) {
                        emit(.blockEnd, at: index)
                        return skipWhitespace(from: index + 3)
                    }
                    if matches("+%}", at: index) {
                        emit(.blockEnd, at: index)
                        return index + 3
                    }
                    if matches("%}", at: index) {
                        emit(.blockEnd, at: index)
                        return scalar(at: index + 2) == "\n" ? index + 3 : index + 2
                    }
                } else {
                    if matches("-}}", at: index) {
                        emit(.variableEnd, at: index)
                        return skipWhitespace(from: index + 3)
                    }
                    if matches("}}", at: index) {
                        emit(.variableEnd, at: index)
                        return index + 2
                    }
                }
            }
            guard let current = scalar(at: index) else {
                if let (open, at) = brackets.last {
                    throw syntaxError("unexpected end of template; '\(open)' was never closed", at: at)
                }
                throw syntaxError(
                    "unexpected end of template, expected \(isBlock ? "end of statement block" : "end of print statement")",
                    at: tagStart)
            }
            if current == "_" || (current.properties.isAlphabetic && current.isASCII) || (!current.isASCII && current.properties.isXIDStart) {
                var end = index + 1
                while let next = scalar(at: end),
                      next == "_" || (next.isASCII && (next.properties.isAlphabetic || ("0"..."9").contains(next)))
                        || (!next.isASCII && next.properties.isXIDContinue) {
                    end += 1
                }
                emit(.name(String(String.UnicodeScalarView(scalars[index..<end]))), at: index)
                index = end
                continue
            }
            if ("0"..."9").contains(current) {
                index = try lexNumber(at: index)
                continue
            }
            if current == "'" || current == "\"" {
                index = try lexString(at: index, quote: current)
                continue
            }
            let twoCharacter: [String] = ["//", "**", "==", "!=", "<=", ">="]
            if let symbol = twoCharacter.first(where: { matches($0, at: index) }) {
                emit(.symbol(symbol), at: index)
                index += 2
                continue
            }
            switch current {
            case "(", "[", "{":
                brackets.append((current, index))
            case ")", "]", "}":
                let expected: Unicode.Scalar = current == ")" ? "(" : current == "]" ? "[" : "{"
                guard let (open, _) = brackets.last else { throw syntaxError("unexpected '\(current)'", at: index) }
                guard open == expected else {
                    throw syntaxError("unexpected '\(current)', expected '\(open == "(" ? ")" : open == "[" ? "]" : "}")'", at: index)
                }
                brackets.removeLast()
            case "+", "-", "/", "*", "%", "~", "<", ">", "=", ".", ":", "|", ",", ";":
                break
            default:
                throw syntaxError("unexpected char '\(current.escaped(asASCII: false))'", at: index)
            }
            emit(.symbol(String(current)), at: index)
            index += 1
        }
    }

    private func digitsEnd(from offset: Int) -> Int? {
        // (\d+_)*\d+
        var index = offset
        guard let first = scalar(at: index), ("0"..."9").contains(first) else { return nil }
        while true {
            while let next = scalar(at: index), ("0"..."9").contains(next) { index += 1 }
            if scalar(at: index) == "_", let after = scalar(at: index + 1), ("0"..."9").contains(after) {
                index += 1
                continue
            }
            return index
        }
    }

    private mutating func lexNumber(at offset: Int) throws -> Int {
        let afterDot = tokens.last?.kind == .symbol(".")
        // Prefixed integers 0b / 0o / 0x.
        if scalars[offset] == "0", let prefix = scalar(at: offset + 1), "box".unicodeScalars.contains(prefix) {
            let radix = prefix == "b" ? 2 : prefix == "o" ? 8 : 16
            var end = offset + 2
            var digits = ""
            while let next = scalar(at: end), next == "_" || Int(String(next), radix: radix) != nil {
                if next != "_" { digits.unicodeScalars.append(next) }
                end += 1
            }
            guard let value = Int(digits, radix: radix) else { throw syntaxError("invalid integer literal", at: offset) }
            emit(.integer(value), at: offset)
            return end
        }
        guard let integerEnd = digitsEnd(from: offset) else { throw syntaxError("invalid number", at: offset) }
        var end = integerEnd
        var isFloat = false
        if !afterDot {
            if scalar(at: end) == ".", let fractionEnd = digitsEnd(from: end + 1) {
                end = fractionEnd
                isFloat = true
            }
            if let e = scalar(at: end), e == "e" || e == "E" {
                var exponentStart = end + 1
                if let sign = scalar(at: exponentStart), sign == "+" || sign == "-" { exponentStart += 1 }
                if let exponentEnd = digitsEnd(from: exponentStart) {
                    end = exponentEnd
                    isFloat = true
                }
            }
        }
        let literal = String(String.UnicodeScalarView(scalars[offset..<end].filter { $0 != "_" }))
        if isFloat {
            guard let value = Double(literal) else { throw syntaxError("invalid float literal", at: offset) }
            emit(.float(value), at: offset)
        } else {
            guard let value = Int(literal) else { throw syntaxError("integer literal too large", at: offset) }
            emit(.integer(value), at: offset)
        }
        return end
    }

    /// A single- or double-quoted string with Python's escapes (`\n`, `\t`, `\\`, `\'`, `\xhh`, `\uhhhh`,
    /// `\Uhhhhhhhh`, octal…); unknown escapes keep their backslash, as Python's `unicode-escape` codec does.
    private mutating func lexString(at offset: Int, quote: Unicode.Scalar) throws -> Int {
        var index = offset + 1
        var value = String.UnicodeScalarView()
        while true {
            guard let current = scalar(at: index) else { throw syntaxError("unexpected end of string", at: offset) }
            if current == quote {
                emit(.string(String(value)), at: offset)
                return index + 1
            }
            if current != "\\" {
                value.append(current)
                index += 1
                continue
            }
            guard let escaped = scalar(at: index + 1) else { throw syntaxError("unexpected end of string", at: offset) }
            index += 2
            switch escaped {
            case "\n": break
            case "\\": value.append("\\")
            case "'": value.append("'")
            case "\"": value.append("\"")
            case "a": value.append("\u{07}")
            case "b": value.append("\u{08}")
            case "f": value.append("\u{0C}")
            case "n": value.append("\n")
            case "r": value.append("\r")
            case "t": value.append("\t")
            case "v": value.append("\u{0B}")
            case "0"..."7":
                var code = Int(escaped.value - 48)
                var count = 1
                while count < 3, let next = scalar(at: index), ("0"..."7").contains(next) {
                    code = code * 8 + Int(next.value - 48)
                    index += 1
                    count += 1
                }
                guard let result = Unicode.Scalar(code) else { throw syntaxError("invalid octal escape", at: index) }
                value.append(result)
            case "x", "u", "U":
                let width = escaped == "x" ? 2 : escaped == "u" ? 4 : 8
                guard index + width <= scalars.count,
                      let code = UInt32(String(String.UnicodeScalarView(scalars[index..<(index + width)])), radix: 16),
                      let result = Unicode.Scalar(code) else {
                    throw syntaxError("truncated \\\(escaped) escape in string literal", at: index - 2)
                }
                value.append(result)
                index += width
            default:
                value.append("\\")
                value.append(escaped)
            }
        }
    }
}
