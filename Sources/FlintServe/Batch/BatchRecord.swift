import Foundation

/// A `flint batch` input line read as a record: the JSON object (a plain JSON string becomes
/// `{textField: string}`) and its text, or why the line is bad.
enum BatchRecord {
    /// A usable line.
    case good(record: [String: JSONValue], text: String)
    /// A line to report in the errors file.
    case bad(String)

    /// Reads `line` under the job's limits. Bad: a line over `maximumLineBytes`, bytes that are not
    /// UTF-8, text that is not JSON, JSON that is neither an object nor a string, an object without a
    /// string `textField`, an empty (all-whitespace) text, a text over `maximumTextBytes`.
    init(_ line: InputLine, options: BatchJobOptions) {
        if line.isOverLimit {
            self = .bad("the line is \(line.length) bytes long; the limit is \(options.maximumLineBytes)")
            return
        }
        if line.bytes.allSatisfy({ $0 == UInt8(ascii: " ") || $0 == UInt8(ascii: "\t") }) {
            self = .bad("empty line: expected a JSON object with a '\(options.textField)' field, or a JSON string")
            return
        }
        guard String(validating: line.bytes, as: UTF8.self) != nil else {
            self = .bad("the line is not valid UTF-8")
            return
        }
        let value: JSONValue
        do {
            value = try JSONDecoder().decode(JSONValue.self, from: Data(line.bytes))
        } catch {
            self = .bad("not valid JSON")
            return
        }
        let field = options.textField
        let record: [String: JSONValue]
        let text: String
        switch value {
        case .string(let string):
            record = [field: .string(string)]
            text = string
        case .object(let object):
            guard let entry = object[field], entry != .null else {
                self = .bad("missing field '\(field)'")
                return
            }
            guard case .string(let string) = entry else {
                self = .bad("field '\(field)' must be a string, found \(entry.typeName)")
                return
            }
            record = object
            text = string
        default:
            self = .bad("expected a JSON object with a '\(field)' field, or a JSON string; found \(value.typeName)")
            return
        }
        if text.allSatisfy(\.isWhitespace) {
            self = .bad("field '\(field)' is empty")
            return
        }
        let bytes = text.utf8.count
        if bytes > options.maximumTextBytes {
            self = .bad("field '\(field)' is \(bytes) bytes long; the limit is \(options.maximumTextBytes)")
            return
        }
        self = .good(record: record, text: text)
    }

    /// The first `limit` characters of a line, for the errors file (invalid UTF-8 shown as U+FFFD).
    static func excerpt(_ line: InputLine, limit: Int = 200) -> String {
        String(String(decoding: line.bytes, as: UTF8.self).prefix(limit))
    }
}
