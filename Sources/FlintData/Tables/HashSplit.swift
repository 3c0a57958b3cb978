import Flint
import FlintSupport

/// The reproducible train/test assignment used for the text corpora (../shared/data/SOURCES.md):
/// a text is in the test split when `int(sha1(utf8 text), 16) % 10 == 0`, else in train. The split
/// depends only on the text, so it is stable under reordering, deduplication and new data.
public enum HashSplit {
    /// Whether `text` belongs to the test split.
    public static func isTest(_ text: String) -> Bool {
        SHA1.digestModulo(Array(text.utf8), 10) == 0
    }

    /// `table` split into `"train"` and `"test"` by the hash of the string column `textColumn`,
    /// each keeping the table's order.
    public static func split(_ table: DataTable, textColumn: String = "text") -> DataTableDict {
        guard let texts = table[column: textColumn].strings else {
            fatalError("HashSplit: column '\(textColumn)' is not a string column")
        }
        var train = [Int](), test = [Int]()
        for (i, text) in texts.enumerated() {
            if isTest(text) { test.append(i) } else { train.append(i) }
        }
        return DataTableDict([("train", table.select(train)), ("test", table.select(test))])
    }
}
