import Foundation
import Flint

/// Reading the small JSON files of a sentence-transformers folder with errors that name the file.
enum SentenceTransformerJSON {
    /// The parsed JSON value of `url`.
    static func value(at url: URL) throws -> Any {
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw FlintError.io(path: url.path, message: "cannot read: \(error.localizedDescription)")
        }
        do { return try JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed]) } catch {
            throw FlintError.invalidFile(path: url.path, field: "JSON", expected: "valid JSON", found: "\(error.localizedDescription)")
        }
    }

    /// The top-level JSON object of `url`.
    static func object(at url: URL) throws -> [String: Any] {
        let parsed = try value(at: url)
        guard let object = parsed as? [String: Any] else {
            throw FlintError.invalidFile(path: url.path, field: "top level", expected: "a JSON object", found: describe(parsed))
        }
        return object
    }

    /// A short description of a JSON value for error messages.
    static func describe(_ value: Any?) -> String {
        guard let value else { return "nothing" }
        if value is NSNull { return "null" }
        if let text = value as? String { return "\"\(text)\"" }
        let text = "\(value)"
        return text.count > 80 ? String(text.prefix(80)) + "…" : text
    }
}
