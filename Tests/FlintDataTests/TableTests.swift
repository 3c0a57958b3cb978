import Foundation
import Testing
import Flint
@testable import FlintData

@Suite struct TableTests {
    func sample() throws -> DataTable {
        try DataTable(columns: [
            ("text", .strings(["a", "bb", "ccc", "dddd", "eeeee"])),
            ("label", .integers([0, 1, 0, 1, 1])),
            ("score", .doubles([0.5, 1.5, 2.5, 3.5, 4.5])),
        ])
    }

    @Test func buildsFromColumnsAndRows() throws {
        let table = try sample()
        #expect(table.count == 5)
        #expect(table.columnNames == ["text", "label", "score"])
        #expect(table[column: "label"].integers == [0, 1, 0, 1, 1])
        #expect(table[2].string("text") == "ccc")
        #expect(table[2]["score"] == .double(2.5))
        #expect(table[2].int("text") == nil)

        let fromDictionary = try DataTable(["b": .booleans([true, false]), "a": .floatArrays([[1], [2, 3]])])
        #expect(fromDictionary.columnNames == ["a", "b"])
        #expect(fromDictionary[1].floats("a") == [2, 3])

        let fromRows = try DataTable(rows: [
            ["text": .string("x"), "n": .int(1), "ids": .integers([1, 2])],
            ["text": .string("y"), "n": .double(2.5), "ids": .floats([0.5])],
        ])
        #expect(fromRows.columnNames == ["ids", "n", "text"])
        #expect(fromRows[column: "n"] == .doubles([1, 2.5]))
        #expect(fromRows[column: "ids"] == .floatArrays([[1, 2], [0.5]]))
    }

    @Test func constructionErrorsNameTheColumnOrRow() throws {
        let unequal = dataError { _ = try DataTable(columns: [("a", .integers([1, 2])), ("b", .strings(["x"]))]) }
        #expect(unequal?.field == "column 'b'")
        #expect(unequal?.description.contains("expected 2 rows") == true)

        let mixed = dataError { _ = try DataTable(rows: [["a": .int(1)], ["a": .string("two")]]) }
        #expect(mixed?.field == "row 1, column 'a'")
        #expect(mixed?.description.contains("found a string") == true)

        let keys = dataError { _ = try DataTable(rows: [["a": .int(1)], ["b": .int(2)]]) }
        #expect(keys?.field == "row 1")
    }

    @Test func mapAddsReplacesAndRemovesColumns() throws {
        let table = try sample()
        let mapped = try table.map(removingColumns: ["score"]) { row in
            ["length": .int(row.string("text")!.count), "label": .int(1 - row.int("label")!),
             "ids": .integers(Array(repeating: 7, count: row.string("text")!.count))]
        }
        #expect(mapped.columnNames == ["text", "label", "ids", "length"])
        #expect(mapped[column: "length"].integers == [1, 2, 3, 4, 5])
        #expect(mapped[column: "label"].integers == [1, 0, 1, 0, 0])
        #expect(mapped[3].integers("ids") == [7, 7, 7, 7])

        let inconsistent = dataError {
            _ = try table.map { row in row.index == 2 ? ["x": .int(1)] : ["y": .int(1)] }
        }
        #expect(inconsistent?.field == "map output for row 2")
    }

    @Test func mapBatchesSeesConsecutiveBatches() throws {
        let table = try sample()
        var sizes = [Int]()
        let mapped = try table.mapBatches(batchSize: 2) { batch in
            sizes.append(batch.count)
            return ["upper": .strings(batch[column: "text"].strings!.map { $0.uppercased() })]
        }
        #expect(sizes == [2, 2, 1])
        #expect(mapped[column: "upper"].strings == ["A", "BB", "CCC", "DDDD", "EEEEE"])
        let wrongLength = dataError { _ = try table.mapBatches(batchSize: 2) { _ in ["x": .integers([1])] } }
        #expect(wrongLength?.field == "map output for rows 0..<2, column 'x'")
    }

    @Test func filterSelectRemoveRename() throws {
        let table = try sample()
        let positives = table.filter { $0.int("label") == 1 }
        #expect(positives[column: "text"].strings == ["bb", "dddd", "eeeee"])
        let picked = table.select([4, 0, 4])
        #expect(picked.count == 3)
        #expect(picked[column: "score"].doubles == [4.5, 0.5, 4.5])
        let slim = try table.removingColumns(["score", "text"])
        #expect(slim.columnNames == ["label"])
        #expect(slim.count == 5)
        let renamed = try table.renamingColumn("label", to: "labels")
        #expect(renamed.columnNames == ["text", "labels", "score"])
        #expect(dataError { _ = try table.removingColumns(["nope"]) }?.field == "column 'nope'")
        #expect(dataError { _ = try table.renamingColumn("text", to: "label") }?.field == "column 'label'")
    }

    @Test func shuffleIsADeterministicPermutation() throws {
        let table = try DataTable(["n": .integers(Array(0..<100))])
        let a = table.shuffled(seed: 7)[column: "n"].integers!
        let b = table.shuffled(seed: 7)[column: "n"].integers!
        let c = table.shuffled(seed: 8)[column: "n"].integers!
        #expect(a == b)
        #expect(a != c)
        #expect(a.sorted() == Array(0..<100))
        var generator = RandomGenerator(seed: 7)
        #expect(a == generator.permutation(100))
    }

    @Test func trainTestSplitPartitionsTheRows() throws {
        let table = try DataTable(["n": .integers(Array(0..<101))])
        let splits = table.trainTestSplit(testSize: 0.2, seed: 3)
        #expect(splits.splitNames == ["train", "test"])
        #expect(splits["test"]!.count == 21)  // ceil(0.2 × 101), as datasets
        #expect(splits["train"]!.count == 80)
        let all = splits["train"]![column: "n"].integers! + splits["test"]![column: "n"].integers!
        #expect(all.sorted() == Array(0..<101))
        #expect(splits == table.trainTestSplit(testSize: 0.2, seed: 3))
        let lengths = splits.mapTables { t in t.filter { $0.int("n")! % 2 == 0 } }
        #expect(lengths.counts["train"]! + lengths.counts["test"]! == 51)
    }

    @Test func twentyThousandRowsMapAndFilterQuickly() throws {
        let n = 20_000
        let table = try DataTable(columns: [
            ("text", .strings((0..<n).map { "review number \($0)" })),
            ("label", .integers((0..<n).map { $0 % 2 })),
        ])
        let clock = ContinuousClock()
        let start = clock.now
        let mapped = try table.map { row in ["ids": .integers(Array(row.string("text")!.utf8.prefix(8).map(Int.init)))] }
        let kept = mapped.filter { $0.int("label") == 1 }
        let shuffled = kept.shuffled(seed: 1)
        let elapsed = clock.now - start
        #expect(shuffled.count == n / 2)
        #expect(shuffled[0].integers("ids")?.count == 8)
        // Milliseconds in practice; the bound leaves room for a loaded test machine.
        #expect(elapsed < .seconds(2), "map + filter + shuffle of 20k rows took \(elapsed)")
    }

    @Test func userColumnLookupAndHashSplitThrowNamingTheSource() throws {
        let table = try sample()
        let missing = #expect(throws: DataError.self) { try table.column("body", in: "reviews.csv") }
        #expect(missing?.description == "reviews.csv: field 'column 'body'': expected a column named 'body', found columns \(table.columnNames)")
        #expect(try table.column(table.columnNames[0]) == table[column: table.columnNames[0]])
        let numbers = try DataTable(columns: [("text", .integers([1, 2, 3]))])
        let notText = #expect(throws: DataError.self) { try HashSplit.split(numbers, textColumn: "text", source: "numbers.csv") }
        #expect(notText?.path == "numbers.csv" && notText?.field == "column 'text'")
        #expect(throws: DataError.self) { try HashSplit.split(numbers, textColumn: "body") }
    }
}
