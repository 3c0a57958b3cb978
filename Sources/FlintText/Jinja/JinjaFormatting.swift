/// Python's `str()` and `repr()` of values, which is what `{{ value }}` prints in jinja2:
/// `True` / `False` / `None`, `['a', 1]`, `{'k': 'v'}`, `(1,)`, floats as `repr(float)` (`1.0`, `1e-05`, `1e+16`).
extension JinjaValue {
    /// Python `str(value)`; undefined prints as "".
    public var pythonString: String {
        switch self {
        case .undefined: return ""
        case .string(let value), .markup(let value): return value
        default: return pythonRepresentation
        }
    }

    /// Python `repr(value)`.
    public var pythonRepresentation: String {
        switch self {
        case .undefined: return ""
        case .none: return "None"
        case .boolean(let value): return value ? "True" : "False"
        case .integer(let value): return String(value)
        case .float(let value): return JinjaValue.pythonFloatRepresentation(value)
        case .string(let value): return JinjaValue.pythonStringRepresentation(value)
        case .markup(let value): return "Markup(" + JinjaValue.pythonStringRepresentation(value) + ")"
        case .list(let items): return "[" + items.map(\.pythonRepresentation).joined(separator: ", ") + "]"
        case .tuple(let items):
            if items.count == 1 { return "(" + items[0].pythonRepresentation + ",)" }
            return "(" + items.map(\.pythonRepresentation).joined(separator: ", ") + ")"
        case .dictionary(let dictionary):
            return "{" + dictionary.map { $0.key.pythonRepresentation + ": " + $0.value.pythonRepresentation }
                .joined(separator: ", ") + "}"
        case .object(let object):
            let contents = JinjaValue.dictionary(object.attributes).pythonRepresentation
            return object.isNamespace ? "<Namespace \(contents)>" : "<\(object.typeName) object>"
        case .callable(let callable): return "<function \(callable.name)>"
        case .iterator(let iterator): return "<\(iterator.typeName) object>"
        }
    }

    /// Python's `repr(float)`: the shortest digits that round-trip, fixed notation for decimal exponents
    /// -4 < e ≤ 16 (with at least one fractional digit), otherwise `d.ddde±XX`.
    static func pythonFloatRepresentation(_ value: Double) -> String {
        if value.isNaN { return "nan" }
        if value.isInfinite { return value < 0 ? "-inf" : "inf" }
        if value == 0 { return value.sign == .minus ? "-0.0" : "0.0" }
        // Swift's description is also shortest-round-trip; re-layout its digits the way Python does.
        let text = "\(value.magnitude)"
        var digits = ""
        var decimalPoint = 0
        if let e = text.firstIndex(where: { $0 == "e" || $0 == "E" }) {
            let mantissa = text[..<e]
            let exponent = Int(text[text.index(after: e)...])!
            let parts = mantissa.split(separator: ".", omittingEmptySubsequences: false)
            digits = String(parts[0]) + (parts.count > 1 ? String(parts[1]) : "")
            decimalPoint = parts[0].count + exponent
        } else {
            let parts = text.split(separator: ".", omittingEmptySubsequences: false)
            digits = String(parts[0]) + (parts.count > 1 ? String(parts[1]) : "")
            decimalPoint = parts[0].count
        }
        while digits.hasPrefix("0") && digits.count > 1 {
            digits.removeFirst()
            decimalPoint -= 1
        }
        while digits.hasSuffix("0") && digits.count > 1 { digits.removeLast() }
        let sign = value < 0 ? "-" : ""
        if decimalPoint > -4 && decimalPoint <= 16 {
            if decimalPoint <= 0 {
                return sign + "0." + String(repeating: "0", count: -decimalPoint) + digits
            }
            if decimalPoint >= digits.count {
                return sign + digits + String(repeating: "0", count: decimalPoint - digits.count) + ".0"
            }
            let split = digits.index(digits.startIndex, offsetBy: decimalPoint)
            return sign + digits[..<split] + "." + digits[split...]
        }
        let exponent = decimalPoint - 1
        let mantissa = digits.count > 1 ? String(digits.first!) + "." + digits.dropFirst() : digits
        let exponentText = String(abs(exponent))
        return sign + mantissa + "e" + (exponent < 0 ? "-" : "+") + (exponentText.count < 2 ? "0" : "") + exponentText
    }

    /// Python's `repr(str)`: single quotes unless the text contains `'` and no `"`; `\\`, `\n`, `\r`, `\t`,
    /// `\xhh` / `\uhhhh` / `\Uhhhhhhhh` for non-printable characters; printable non-ASCII stays as is.
    static func pythonStringRepresentation(_ value: String) -> String {
        let useDouble = value.contains("'") && !value.contains("\"")
        let quote: Unicode.Scalar = useDouble ? "\"" : "'"
        var result = String.UnicodeScalarView()
        result.append(quote)
        for scalar in value.unicodeScalars {
            switch scalar {
            case quote, "\\":
                result.append("\\")
                result.append(scalar)
            case "\n": result.append(contentsOf: "\\n".unicodeScalars)
            case "\r": result.append(contentsOf: "\\r".unicodeScalars)
            case "\t": result.append(contentsOf: "\\t".unicodeScalars)
            default:
                if isPythonPrintable(scalar) {
                    result.append(scalar)
                } else {
                    let hex = String(scalar.value, radix: 16)
                    let escape = scalar.value < 0x100 ? "\\x" + String(repeating: "0", count: 2 - hex.count) + hex
                        : scalar.value < 0x10000 ? "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                        : "\\U" + String(repeating: "0", count: 8 - hex.count) + hex
                    result.append(contentsOf: escape.unicodeScalars)
                }
            }
        }
        result.append(quote)
        return String(result)
    }

    /// Python's `str.isprintable()` for one character: not in categories Cc, Cf, Cs, Co, Cn, Zl, Zp, Zs (except ' ').
    static func isPythonPrintable(_ scalar: Unicode.Scalar) -> Bool {
        if scalar == " " { return true }
        switch scalar.properties.generalCategory {
        case .control, .format, .surrogate, .privateUse, .unassigned, .lineSeparator, .paragraphSeparator,
             .spaceSeparator:
            return false
        default:
            return true
        }
    }
}
