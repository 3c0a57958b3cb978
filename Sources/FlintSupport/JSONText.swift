/// Flint's one writer of hand-built JSON text (safetensors headers, CLI output, JSON log lines,
/// benchmark rows): string literals, numbers, arrays and objects.
///
/// Numbers that are not finite are written as `null`. JSON (RFC 8259) has no NaN or infinity;
/// Python's `json.dumps` prints bare `NaN` / `Infinity`, which strict parsers (`JSON.parse`,
/// `jq`, Swift's `JSONSerialization`, Go) reject, and the OpenAI API and Hugging Face TEI never emit
/// them. `null` keeps every line parseable and says "no number here" — e.g. a diverged model's
/// embedding prints `[null, null, …]` instead of an invalid line.
///
/// ```swift
/// JSONText.object([("label", JSONText.quoted("pos")), ("score", JSONText.number(0.75))])
/// // {"label": "pos", "score": 0.75}
/// JSONText.numbers([1, .nan, 2.5] as [Float])   // [1.0, null, 2.5]
/// ```
public enum JSONText {
    /// `text` as a JSON string literal: quotes, backslashes and control characters escaped, other
    /// Unicode kept as UTF-8.
    public static func quoted(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if scalar.value < 0x20 {
                    out += "\\u00" + String(scalar.value >> 4, radix: 16) + String(scalar.value & 15, radix: 16)
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out + "\""
    }

    /// `value` as a JSON number: the shortest decimal that reads back as the same `Double`
    /// (`0.1`, `3.0`, `1e-05`); `null` when it is NaN or infinite.
    public static func number(_ value: Double) -> String {
        value.isFinite ? value.description : "null"
    }

    /// `value` as a JSON number: the shortest decimal that reads back as the same `Float`; `null`
    /// when it is NaN or infinite.
    public static func number(_ value: Float) -> String {
        value.isFinite ? value.description : "null"
    }

    /// An optional number: `null` when absent, else ``number(_:)-(Double)``.
    public static func number(_ value: Double?) -> String {
        value.map { number($0) } ?? "null"
    }

    /// An integer as a JSON number.
    public static func number<Integer: BinaryInteger>(_ value: Integer) -> String {
        String(value)
    }

    /// `true` or `false`.
    public static func bool(_ value: Bool) -> String {
        value ? "true" : "false"
    }

    /// A JSON array of already-written JSON `elements`, separated by `", "` (as Python's `json.dumps`).
    public static func array(_ elements: some Sequence<String>) -> String {
        "[" + elements.joined(separator: ", ") + "]"
    }

    /// A JSON array of numbers (non-finite ones as `null`).
    public static func numbers(_ values: some Sequence<Float>) -> String {
        array(values.lazy.map { number($0) })
    }

    /// A JSON array of numbers (non-finite ones as `null`).
    public static func numbers(_ values: some Sequence<Double>) -> String {
        array(values.lazy.map { number($0) })
    }

    /// A JSON object of `fields` in the given order: each key quoted, each value already-written JSON,
    /// `{"key": value, …}` (as Python's `json.dumps`).
    public static func object(_ fields: some Sequence<(String, String)>) -> String {
        "{" + fields.map { quoted($0.0) + ": " + $0.1 }.joined(separator: ", ") + "}"
    }
}
