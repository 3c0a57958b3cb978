import Testing
import Flint
@testable import FlintData

@Suite struct TablePaddedBatchTests {
    func int64s(_ tensor: Tensor) -> [Int64] {
        let p = tensor.storage.data.assumingMemoryBound(to: Int64.self)
        return (0..<tensor.shape.reduce(1, *)).map { p[$0] }
    }

    @Test func padsToTheLongestRow() throws {
        let table = try DataTable(columns: [
            ("input_ids", .integerArrays([[101, 7, 102], [101, 102], [101, 5, 6, 102]])),
            ("token_type_ids", .integerArrays([[0, 0, 0], [0, 0], [0, 0, 1, 1]])),
            ("label", .integers([2, 0, 1])),
        ])
        let batch = try PaddedBatch(table: table, indices: [0, 1], padTokenID: 0)
        #expect(batch.length == 3)
        #expect(batch.inputIDs.shape == [2, 3])
        #expect(batch.inputIDs.dtype == .int64)
        #expect(int64s(batch.inputIDs) == [101, 7, 102, 101, 102, 0])
        #expect(int64s(batch.attentionMask) == [1, 1, 1, 1, 1, 0])
        #expect(int64s(batch.tokenTypeIDs!) == [0, 0, 0, 0, 0, 0])
        #expect(batch.labels!.shape == [2])
        #expect(int64s(batch.labels!) == [2, 0])

        let all = try PaddedBatch(rows: table.rows, padTokenID: 9)
        #expect(all.inputIDs.shape == [3, 4])
        #expect(int64s(all.inputIDs) == [101, 7, 102, 9, 101, 102, 9, 9, 101, 5, 6, 102])
        #expect(int64s(all.tokenTypeIDs!) == [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1])
        #expect(int64s(all.attentionMask) == [1, 1, 1, 0, 1, 1, 0, 0, 1, 1, 1, 1])
    }

    @Test func usesTheRowsAttentionMaskAndNoLabels() throws {
        let table = try DataTable(columns: [
            ("input_ids", .integerArrays([[1, 2], [3]])),
            ("attention_mask", .integerArrays([[1, 0], [1]])),
        ])
        let batch = try PaddedBatch(rows: table.rows)
        #expect(int64s(batch.attentionMask) == [1, 0, 1, 0])
        #expect(batch.labels == nil)
        #expect(batch.tokenTypeIDs == nil)
    }

    @Test func badRowsAreReported() throws {
        let mismatched = try DataTable(columns: [
            ("input_ids", .integerArrays([[1, 2], [3]])),
            ("attention_mask", .integerArrays([[1, 1], [1, 1]])),
        ])
        let error = dataError { _ = try PaddedBatch(rows: mismatched.rows) }
        #expect(error?.field == "row 1, column 'attention_mask'")
        #expect(error?.description.contains("found 2 values") == true)

        let text = try DataTable(["input_ids": .strings(["hello"])])
        #expect(dataError { _ = try PaddedBatch(rows: text.rows) }?.field == "row 0, column 'input_ids'")

        let long = try DataTable(["input_ids": .integerArrays([[1, 2, 3]])])
        #expect(dataError { _ = try PaddedBatch(rows: long.rows, maxLength: 2) }?.description.contains("at most 2 tokens") == true)
    }
}
