import Foundation
import Testing
import Flint
import FlintData
import FlintModels
@testable import FlintTrain

/// User data the Trainer and the fine-tune job reject with a thrown error naming the data set, the row and
/// the value, before any kernel sees it (an out-of-range id or label used to trap in an embedding lookup or
/// the loss kernel).
@Suite("Trainer data errors")
struct TrainerDataErrorTests {
    static func trainer(_ table: DataTable) throws -> Trainer<BertForSequenceClassification> {
        var arguments = TinyTask.arguments(TinyTask.temporaryDirectory("data-errors"))
        arguments.evaluationStrategy = .no
        arguments.maximumSteps = 1
        return Trainer(model: try TinyTask.model(), arguments: arguments, trainDataset: table)
    }

    @Test("a token id outside the vocabulary is a thrown error naming the row and the id")
    func tokenIDOutsideVocabulary() throws {
        let ids = [[2, 5, 3], [2, 6, 3], [2, 20, 3], [2, 7, 3]]
        let table = try DataTable(columns: [("input_ids", .integerArrays(ids)), ("label", .integers([0, 1, 0, 1]))])
        let error = #expect(throws: TrainerError.self) { try Self.trainer(table).train() }
        #expect("\(error!)".contains("row 2 column 'input_ids': token id 20 is outside the model's vocabulary 0..<20"), "\(error!)")
        let negative = try DataTable(columns: [("input_ids", .integerArrays([[2, -1, 3]])), ("label", .integers([0]))])
        #expect(throws: TrainerError.self) { try Self.trainer(negative).predict(negative) }
    }

    @Test("a label outside the model's classes, even an absurd one, is a thrown error naming the row")
    func labelOutsideClasses() throws {
        for bad in [2, -3, 1_000_000_000_000] {
            let table = try DataTable(columns: [("input_ids", .integerArrays([[2, 5, 3], [2, 6, 3]])), ("label", .integers([0, bad]))])
            let error = #expect(throws: TrainerError.self) { try Self.trainer(table).train() }
            #expect("\(error!)".contains("row 1 column 'label': class index \(bad) is outside the model's 2 classes"), "\(error!)")
        }
    }

    @Test("integer labels become the data's distinct values: a label of 10^12 makes one class, not 10^12")
    func integerLabelsAreDistinctValues() throws {
        func column(_ values: [Int]) -> (file: String, column: TableColumn) { ("data.csv", .integers(values)) }
        let sparse = try FineTuneJob.classNames([column([0, 1_000_000_000_000, 7, 7]), column([7])], labelColumn: "label", textColumn: "text")
        #expect(sparse.classes == ["0", "7", "1000000000000"])
        #expect(sparse.integerIndex == [0: 0, 7: 1, 1_000_000_000_000: 2])
        let dense = try FineTuneJob.classNames([column([2, 0, 1])], labelColumn: "label", textColumn: "text")
        #expect(dense.classes == ["LABEL_0", "LABEL_1", "LABEL_2"])
        let tooMany = #expect(throws: DataError.self) {
            try FineTuneJob.classNames([column(Array(0...FineTuneJob.maximumClassCount))], labelColumn: "label", textColumn: "text")
        }
        #expect(tooMany?.description.contains("found 10001 distinct labels") == true)
        let mixed = #expect(throws: DataError.self) {
            try FineTuneJob.classNames([column([0, 1]), ("test.csv", .strings(["a", "b"]))], labelColumn: "label", textColumn: "text")
        }
        #expect(mixed?.path == "test.csv")
    }

    @Test("a job on file data with integer labels 0 and 10^12 loads two classes and maps the labels to 0 and 1")
    func jobMapsSparseLabels() throws {
        let directory = TinyTask.temporaryDirectory("sparse-labels")
        defer { try? FileManager.default.removeItem(at: directory) }
        let data = directory.appendingPathComponent("data.jsonl")
        let lines = (0..<20).map { #"{"body": "text \#($0)", "y": \#($0 % 2 == 0 ? 0 : 1_000_000_000_000)}"# }
        try Data(lines.joined(separator: "\n").utf8).write(to: data)
        var job = FineTuneJob(model: .pretrained("/nonexistent"), data: .file(data.path, testFile: nil),
                              arguments: TrainingArguments(outputDirectory: directory.path))
        job.textColumn = "body"
        job.labelColumn = "y"
        let (splits, names) = try job.loadData()
        #expect(names == ["0", "1000000000000"])
        let labels = (splits["train"]?[column: "label"].integers ?? []) + (splits["test"]?[column: "label"].integers ?? [])
        #expect(Set(labels) == [0, 1] && labels.count == 20)
        #expect(job.textColumnName == "text" && splits["train"]?.hasColumn("text") == true)
    }
}
