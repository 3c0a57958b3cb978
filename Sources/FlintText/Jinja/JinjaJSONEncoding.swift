/// transformers' `tojson` filter: `json.dumps(value, ensure_ascii=False, indent=None, separators=None,
/// sort_keys=False)` with Python's exact output — `", "` / `": "` separators (`","` after items when indenting),
/// `NaN` / `Infinity`, floats as `repr(float)`, tuples as arrays, key order kept unless `sort_keys`.
struct JinjaJSONEncoder {
    var ensureASCII = false
    /// Spaces per level; nil is compact-on-one-line. (A string indent is used verbatim.)
    var indent: String?
    var itemSeparator = ", "
    var keySeparator = ": "
    var sortKeys = false

    func encode(_ value: JinjaValue) throws -> String {
        var output = ""
        try write(value, level: 0, into: &output)
        return output
    }

    private func write(_ value: JinjaValue, level: Int, into output: inout String) throws {
        switch value {
        case .none: output += "null"
        case .boolean(let flag): output += flag ? "true" : "false"
        case .integer(let number): output += String(number)
        case .float(let number):
            if number.isNaN { output += "NaN" } else if number.isInfinite { output += number < 0 ? "-Infinity" : "Infinity" } else {
                output += JinjaValue.pythonFloatRepresentation(number)
            }
        case .string(let text), .markup(let text): writeString(text, into: &output)
        case .list(let items), .tuple(let items):
            if items.isEmpty {
                output += "[]"
                return
            }
            output += "["
            for (position, item) in items.enumerated() {
                if position > 0 { output += itemSeparator }
                newline(level + 1, into: &output)
                try write(item, level: level + 1, into: &output)
            }
            newline(level, into: &output)
            output += "]"
        case .dictionary(let dictionary):
            if dictionary.isEmpty {
                output += "{}"
                return
            }
            output += "{"
            var pairs = Array(dictionary)
            if sortKeys {
                // Python sorts the original keys (mixed key types cannot be ordered).
                var failure: Error?
                pairs.sort { a, b in
                    do { return try a.key.pythonLess(b.key) } catch {
                        failure = error
                        return false
                    }
                }
                if let failure { throw failure }
            }
            for (position, pair) in pairs.enumerated() {
                if position > 0 { output += itemSeparator }
                newline(level + 1, into: &output)
                writeString(try Self.keyString(pair.key), into: &output)
                output += keySeparator
                try write(pair.value, level: level + 1, into: &output)
            }
            newline(level, into: &output)
            output += "}"
        case .undefined:
            throw JinjaFailure(.typeMismatch, "Object of type Undefined is not JSON serializable")
        case .object(let object):
            throw JinjaFailure(.typeMismatch, "Object of type \(object.typeName) is not JSON serializable")
        case .iterator(let iterator):
            throw JinjaFailure(.typeMismatch, "Object of type \(iterator.typeName) is not JSON serializable")
        case .callable:
            throw JinjaFailure(.typeMismatch, "Object of type function is not JSON serializable")
        }
    }

    /// json.dumps converts non-string keys: `1` → "1", `1.5` → "1.5", `True` → "true", `None` → "null".
    private static func keyString(_ key: JinjaValue) throws -> String {
        switch key {
        case .string(let text), .markup(let text): return text
        case .integer(let integer): return String(integer)
        case .float(let float):
            if float.isNaN { return "NaN" }
            if float.isInfinite { return float < 0 ? "-Infinity" : "Infinity" }
            return JinjaValue.pythonFloatRepresentation(float)
        case .boolean(let flag): return flag ? "true" : "false"
        case .none: return "null"
        default: throw JinjaFailure(.typeMismatch, "keys must be str, int, float, bool or None, not \(key.typeName)")
        }
    }

    private func newline(_ level: Int, into output: inout String) {
        guard let indent else { return }
        output += "\n"
        for _ in 0..<level { output += indent }
    }

    private func writeString(_ text: String, into output: inout String) {
        var result = String.UnicodeScalarView()
        result.append("\"")
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": result.append(contentsOf: "\\\"".unicodeScalars)
            case "\\": result.append(contentsOf: "\\\\".unicodeScalars)
            case "\n": result.append(contentsOf: "\\n".unicodeScalars)
            case "\r": result.append(contentsOf: "\\r".unicodeScalars)
            case "\t": result.append(contentsOf: "\\t".unicodeScalars)
            case "\u{08}": result.append(contentsOf: "\\b".unicodeScalars)
            case "\u{0C}": result.append(contentsOf: "\\f".unicodeScalars)
            default:
                if scalar.value < 0x20 || (ensureASCII && scalar.value > 0x7E) {
                    if scalar.value > 0xFFFF {
                        let offset = scalar.value - 0x10000
                        appendEscape(0xD800 + (offset >> 10), into: &result)
                        appendEscape(0xDC00 + (offset & 0x3FF), into: &result)
                    } else {
                        appendEscape(scalar.value, into: &result)
                    }
                } else {
                    result.append(scalar)
                }
            }
        }
        result.append("\"")
        output += String(result)
    }

    private func appendEscape(_ code: UInt32, into result: inout String.UnicodeScalarView) {
        let hex = String(code, radix: 16)
        result.append(contentsOf: ("\\u" + String(repeating: "0", count: 4 - hex.count) + hex).unicodeScalars)
    }
}
