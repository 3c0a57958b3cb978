import Foundation
import FlintSupport

/// Shared file handling for the text corpora that `scripts/fetch-datasets.sh` places in the Flint
/// cache.
enum TextCorpusFiles {
    /// `$FLINT_CACHE/datasets`, default `~/.cache/flint/datasets` (``FlintSupport/FlintCache/datasets``).
    static var cacheDirectory: String { FlintCache.datasets.path }

    /// The hint for a missing corpus file.
    static let fetchHint = "Run `make setup` (or `bash scripts/fetch-datasets.sh`) to fetch the text corpora into $FLINT_CACHE/datasets."

    /// `bytes` as UTF-8, or — if they are not valid UTF-8 — as Latin-1 (each byte one code point),
    /// like Python's `try: b.decode("utf-8") except: b.decode("latin-1")`.
    static func decodeUTF8OrLatin1(_ bytes: [UInt8]) -> String {
        if let text = String(validating: bytes, as: UTF8.self) { return text }
        var scalars = String.UnicodeScalarView()
        for b in bytes { scalars.append(Unicode.Scalar(b)) }
        return String(scalars)
    }

    /// `text` without leading and trailing white space, as Python's `str.strip()` (Unicode
    /// `White_Space`, which includes the ideographic space U+3000).
    static func strip(_ text: Substring) -> String {
        let scalars = text.unicodeScalars
        guard let first = scalars.firstIndex(where: { !$0.properties.isWhitespace }) else { return "" }
        let last = scalars.lastIndex(where: { !$0.properties.isWhitespace })!
        return String(scalars[first...last])
    }

    /// The contents of `path`, or a ``DataError`` with the fetch hint.
    static func read(_ path: String) throws -> [UInt8] {
        guard FileManager.default.fileExists(atPath: path) else {
            throw DataError.missingFile(path: path, hint: fetchHint)
        }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw DataError.unreadable(path: path, reason: "the file cannot be opened")
        }
        return [UInt8](data)
    }
}
