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
    ///
    /// - Parameter source: the file the table came from, named in errors.
    /// - Throws: ``DataError/invalidField(path:field:expected:found:)`` when `textColumn` is missing or
    ///   does not hold strings.
    public static func split(_ table: DataTable, textColumn: String = "text", source: String = DataTable.inMemory) throws -> DataTableDict {
        let column = try table.column(textColumn, in: source)
        guard let texts = column.strings else {
            throw DataError.invalidField(path: source, field: "column '\(textColumn)'", expected: "strings to hash-split on",
                                         found: column.typeName)
        }
        var train = [Int](), test = [Int]()
        for (i, text) in texts.enumerated() {
            if isTest(text) { test.append(i) } else { train.append(i) }
        }
        return DataTableDict([("train", table.select(train)), ("test", table.select(test))])
    }
}
