import Testing
@testable import FlintData

/// The two text corpora, fetched into $FLINT_CACHE/datasets by `make setup`
/// (scripts/fetch-datasets.sh). Expected counts come from an independent Python implementation of
/// the cleaning in ../shared/data/SOURCES.md: scripts/fixtures/text_corpora_counts.py, output in
/// scripts/fixtures/text_corpora_counts.txt.
@Suite struct TableCorpusTests {
    func classCounts(_ table: DataTable, classes: Int) -> [Int] {
        var counts = [Int](repeating: 0, count: classes)
        for label in table[column: "label"].integers! { counts[label] += 1 }
        return counts
    }

    @Test func bbcNewsCountsAndHashSplit() throws {
        let all = try BBCNews.load()
        #expect(all.count == 2_127)
        #expect(all.columnNames == ["text", "label"])
        // Whole files: the first line is the title.
        #expect(all[0].string("text")!.contains("\n"))
        // sports/199.txt is Latin-1: decoded, not replaced.
        #expect(!all[column: "text"].strings!.contains { $0.contains("\u{FFFD}") })
        let splits = try BBCNews.loadSplits()
        // business, entertainment, politics, sports, tech
        #expect(classCounts(splits["train"]!, classes: 5) == [458, 335, 381, 455, 317])
        #expect(classCounts(splits["test"]!, classes: 5) == [45, 34, 22, 50, 30])
    }

    @Test func snowNLPCountsAndHashSplit() throws {
        let directory = SnowNLPSentiment.defaultDirectory
        #expect(try SnowNLPSentiment.distinctLines(directory + "/neg.txt").count == 9_078)
        #expect(try SnowNLPSentiment.distinctLines(directory + "/pos.txt").count == 8_379)
        let all = try SnowNLPSentiment.load()
        #expect(classCounts(all, classes: 2) == [9_031, 8_332])  // 47 texts in both files dropped
        let splits = try SnowNLPSentiment.loadSplits()
        // negative, positive
        #expect(classCounts(splits["train"]!, classes: 2) == [8_113, 7_520])
        #expect(classCounts(splits["test"]!, classes: 2) == [918, 812])
        #expect(!all[column: "text"].strings!.contains { $0.isEmpty || $0.first!.isWhitespace || $0.last!.isWhitespace })
    }

    @Test func missingCorpusSaysHowToFetch() {
        let error = dataError { _ = try BBCNews.load(directory: "/nonexistent/bbcnews") }
        #expect(error?.path == "/nonexistent/bbcnews/business")
        #expect(error?.description.contains("fetch-datasets.sh") == true)
    }
}
