import Foundation
import Testing
@testable import FlintServe

/// `flint batch`: outputs equal `ServedModel.run` on the same texts, bad lines land in the errors file
/// with their line numbers, and a killed job resumes to exactly the bytes of an uninterrupted run.
@Suite struct BatchJobTests {
    /// A scratch folder with a classifier and an input file of `lines`.
    struct Workspace {
        let directory: URL
        let model: ServedModel
        let input: URL

        init(_ name: String, lines: [String], encoder: Bool = false) throws {
            directory = ServeFixtures.scratch("batch-\(name)")
            let folder = encoder ? try ServeFixtures.encoder(in: directory) : try ServeFixtures.classifier(in: directory)
            model = try BatchJob.loadModel(source: folder.path, resolver: ModelSourceResolver())
            input = directory.appendingPathComponent("input.jsonl")
            try Data(lines.joined(separator: "\n").appending("\n").utf8).write(to: input)
        }

        func options(_ output: String = "out.jsonl", batchSize: Int = 3, restart: Bool = false) -> BatchJobOptions {
            BatchJobOptions(input: input, output: directory.appendingPathComponent(output), batchSize: batchSize,
                            maximumTextBytes: 60, restart: restart)
        }

        func remove() { try? FileManager.default.removeItem(at: directory) }
    }

    static let texts = ["the product is good", "terrible service", "这个产品质量很好", "i hate it and the delivery was slow",
                        "fast", "great quality", "the service was bad", "i love it", "slow delivery", "good and fast",
                        "服务态度太差了"]

    /// Good lines in both accepted forms, with extra fields to carry through.
    static var goodLines: [String] {
        texts.enumerated().map { index, text in
            index % 3 == 2 ? jsonString(text) : #"{"id": \#(index), "meta": {"source": "test/\#(index)"}, "text": \#(jsonString(text))}"#
        }
    }

    static func jsonString(_ text: String) -> String {
        String(data: try! JSONSerialization.data(withJSONObject: text, options: [.fragmentsAllowed]), encoding: .utf8)!
    }

    static func jsonLines(_ url: URL) throws -> [[String: Any]] {
        try String(contentsOf: url, encoding: .utf8).split(separator: "\n").map {
            try #require(JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])
        }
    }

    struct Killed: Error {}

    @Test("classifier output lines equal ServedModel.run on the same texts, with the input record and line number")
    func classifierOutputsMatchRun() throws {
        let workspace = try Workspace("classify", lines: Self.goodLines)
        defer { workspace.remove() }
        let options = workspace.options()
        let summary = try BatchJob(model: workspace.model, options: options).run()
        #expect(summary.lines == Self.texts.count && summary.succeeded == Self.texts.count && summary.failed == 0)
        #expect(!FileManager.default.fileExists(atPath: options.progressFile.path))

        let expected = try workspace.model.run(Self.texts.map(workspace.model.tokenize))
        let records = try Self.jsonLines(options.output)
        #expect(records.count == Self.texts.count)
        for (index, (record, want)) in zip(records, expected).enumerated() {
            guard case .classification(let result) = want else { Issue.record("not a classification"); continue }
            #expect(record["line"] as? Int == index + 1)
            #expect(record["text"] as? String == Self.texts[index])
            if index % 3 == 2 {
                #expect(record["id"] == nil)
            } else {
                #expect(record["id"] as? Int == index)
                #expect((record["meta"] as? [String: Any])?["source"] as? String == "test/\(index)")
            }
            #expect(record["label"] as? String == result.label)
            #expect(record["prediction"] as? Int == workspace.model.labels.firstIndex(of: result.label))
            #expect(abs((record["confidence"] as? Double ?? -1) - Double(result.score)) < 1e-5)
            let probabilities = try #require(record["probabilities"] as? [String: Double])
            #expect(probabilities.count == result.probabilities.count)
            for entry in result.probabilities { #expect(abs(probabilities[entry.label]! - Double(entry.score)) < 1e-5) }
        }
    }

    @Test("embedding output lines carry ServedModel.run's vectors")
    func embeddingOutputsMatchRun() throws {
        let workspace = try Workspace("embed", lines: Self.goodLines, encoder: true)
        defer { workspace.remove() }
        let options = workspace.options(batchSize: 4)
        try BatchJob(model: workspace.model, options: options).run()
        let expected = try workspace.model.run(Self.texts.map(workspace.model.tokenize))
        let records = try Self.jsonLines(options.output)
        #expect(records.count == Self.texts.count)
        for (record, want) in zip(records, expected) {
            guard case .embedding(let vector) = want else { Issue.record("not an embedding"); continue }
            let got = try #require(record["embedding"] as? [Double])
            #expect(got.count == workspace.model.dimension && got.count == vector.count)
            #expect(zip(got, vector).allSatisfy { abs($0 - Double($1)) < 1e-5 })
            #expect(record["label"] == nil)
        }
    }

    @Test("a registry reference (NAME@ALIAS) resolves through ModelSourceResolver to the pushed version")
    func registryReference() throws {
        let workspace = try Workspace("registry", lines: Self.goodLines)
        defer { workspace.remove() }
        let registryRoot = workspace.directory.appendingPathComponent("registry")
        let registry = try ModelRegistry(root: registryRoot)
        let pushed = try registry.push(name: "sentiment-zh", folder: workspace.model.folder)
        try registry.setAlias(name: "sentiment-zh", version: pushed.version, alias: "production")
        let model = try BatchJob.loadModel(source: "sentiment-zh@production",
                                           resolver: .registry(root: registryRoot))
        #expect(model.name == "sentiment-zh" && model.version == String(pushed.version))
        #expect(model.task == .textClassification)
        #expect(model.folder.path.hasPrefix(registryRoot.standardizedFileURL.path))
        let viaRegistry = workspace.options("registry.jsonl")
        try BatchJob(model: model, options: viaRegistry).run()
        let viaFolder = workspace.options("folder.jsonl")
        try BatchJob(model: workspace.model, options: viaFolder).run()
        #expect(try Data(contentsOf: viaRegistry.output) == Data(contentsOf: viaFolder.output))
        #expect(throws: (any Error).self) {
            try BatchJob.loadModel(source: "sentiment-zh@staging", resolver: .registry(root: registryRoot))
        }
    }

    @Test("bad lines go to the errors file with their line numbers and reasons; the good ones around them still run")
    func badLinesAreReportedAndSkipped() throws {
        let long = String(repeating: "good ", count: 13)  // 65 bytes > 60
        var lines = [
            #"{"text": "the product is good"}"#,      // 1 ok
            #"{"text": "unterminated"#,               // 2 not JSON
            #"{"text": 5}"#,                          // 3 not a string
            #"{"review": "no text field"}"#,          // 4 missing
            #"{"text": "   "}"#,                      // 5 empty
            "[1, 2]",                                  // 6 not an object or string
            Self.jsonString(long),                     // 7 too long
            "",                                        // 8 empty line
            "INVALID-UTF8",                            // 9 replaced below
            #"  "terrible service"  "#,               // 10 ok (a JSON string, spaces around)
            #"{"text": null}"#,                       // 11 missing
        ]
        lines = lines.map { $0 == "INVALID-UTF8" ? "PLACEHOLDER" : $0 }
        let workspace = try Workspace("bad", lines: lines)
        defer { workspace.remove() }
        // Line 9: bytes that are not UTF-8.
        var bytes = try Data(contentsOf: workspace.input)
        let placeholder = Data("PLACEHOLDER".utf8)
        let range = try #require(bytes.range(of: placeholder))
        bytes.replaceSubrange(range, with: Data([0x22, 0xC3, 0x28, 0x22]))
        try bytes.write(to: workspace.input)

        let options = workspace.options(batchSize: 4)
        let summary = try BatchJob(model: workspace.model, options: options).run()
        #expect(summary.lines == 11 && summary.succeeded == 2 && summary.failed == 9)

        let records = try Self.jsonLines(options.output)
        #expect(records.map { $0["line"] as? Int } == [1, 10])
        #expect(records.map { $0["text"] as? String } == ["the product is good", "terrible service"])

        let errors = try Self.jsonLines(options.errorsFile)
        #expect(errors.map { $0["line"] as? Int } == [2, 3, 4, 5, 6, 7, 8, 9, 11])
        let messages = errors.map { $0["error"] as? String ?? "" }
        #expect(messages[0] == "not valid JSON")
        #expect(messages[1] == "field 'text' must be a string, found a number")
        #expect(messages[2] == "missing field 'text'")
        #expect(messages[3] == "field 'text' is empty")
        #expect(messages[4].hasPrefix("expected a JSON object") && messages[4].hasSuffix("found an array"))
        #expect(messages[5] == "field 'text' is 65 bytes long; the limit is 60")
        #expect(messages[6].hasPrefix("empty line"))
        #expect(messages[7] == "the line is not valid UTF-8")
        #expect(messages[8] == "missing field 'text'")
        #expect(errors[0]["input"] as? String == #"{"text": "unterminated"#)
        #expect(errors[3]["input"] as? String == #"{"text": "   "}"#)
    }

    @Test("the errors file keeps only the first 200 characters of a bad line; an over-long line is a bad line")
    func longLinesAreCutInErrors() throws {
        let garbage = String(repeating: "x", count: 500)
        let workspace = try Workspace("long", lines: [garbage, #"{"text": "good"}"#])
        defer { workspace.remove() }
        var options = workspace.options()
        options.maximumLineBytes = 300
        try BatchJob(model: workspace.model, options: options).run()
        let errors = try Self.jsonLines(options.errorsFile)
        #expect(errors.count == 1)
        #expect(errors.first?["input"] as? String == String(repeating: "x", count: 200))
        #expect(errors.first?["error"] as? String == "the line is 500 bytes long; the limit is 300")
        #expect(try Self.jsonLines(options.output).map { $0["line"] as? Int } == [2])
    }

    /// Lines with some bad ones among them, for the resume tests.
    static var mixedLines: [String] {
        var lines = goodLines
        lines.insert("not json", at: 4)
        lines.insert(#"{"text": ""}"#, at: 9)
        return lines
    }

    @Test("a job killed after 2 batches, with a torn line appended, resumes to the bytes of an uninterrupted run")
    func resumeAfterKillMatchesUninterruptedRun() throws {
        let workspace = try Workspace("resume", lines: Self.mixedLines)
        defer { workspace.remove() }
        let reference = workspace.options("reference.jsonl")
        try BatchJob(model: workspace.model, options: reference).run()

        let options = workspace.options()
        let job = BatchJob(model: workspace.model, options: options)
        #expect(throws: Killed.self) {
            try job.run(progress: nil) { batches in if batches == 2 { throw Killed() } }
        }
        let checkpoint = try #require(try BatchCheckpoint.read(from: options.progressFile))
        #expect(checkpoint.linesDone == 6)
        #expect(checkpoint.failed == 1 && checkpoint.succeeded == 5)
        // A torn write of the next batch, after the checkpoint, as a kill mid-write leaves it.
        for file in [options.output, options.errorsFile] {
            let handle = try FileHandle(forWritingTo: file)
            try handle.seekToEnd()
            try handle.write(contentsOf: Data(#"{"line": 7, "text": "the serv"#.utf8))
            try handle.close()
        }
        var reports: [(Int, Int)] = []
        let summary = try job.run { done, total in reports.append((done, total)) }
        #expect(summary.resumedAfterLine == 6)
        #expect(summary.lines == 13 && summary.succeeded == 11 && summary.failed == 2)
        #expect(reports.first.map { $0 == (6, 13) } == true)
        #expect(reports.last.map { $0 == (13, 13) } == true)
        #expect(try Data(contentsOf: options.output) == Data(contentsOf: reference.output))
        #expect(try Data(contentsOf: options.errorsFile) == Data(contentsOf: reference.errorsFile))
        #expect(!FileManager.default.fileExists(atPath: options.progressFile.path))
        #expect(try Self.jsonLines(options.output).map { $0["line"] as? Int } == [1, 2, 3, 4, 6, 7, 8, 9, 11, 12, 13])
    }

    @Test("an existing output without a checkpoint is refused and left untouched; --restart overwrites it")
    func refusesToOverwriteUnlessRestart() throws {
        let workspace = try Workspace("overwrite", lines: Self.goodLines)
        defer { workspace.remove() }
        let reference = workspace.options("reference.jsonl")
        try BatchJob(model: workspace.model, options: reference).run()

        let options = workspace.options()
        let previous = Data("{\"precious\": true}\n".utf8)
        try previous.write(to: options.output)
        #expect(throws: BatchJobError.self) { try BatchJob(model: workspace.model, options: options).run() }
        #expect(try Data(contentsOf: options.output) == previous)
        #expect(!FileManager.default.fileExists(atPath: options.progressFile.path))

        // A finished job's output is protected the same way.
        #expect(throws: BatchJobError.self) { try BatchJob(model: workspace.model, options: reference).run() }

        let summary = try BatchJob(model: workspace.model, options: workspace.options(restart: true)).run()
        #expect(summary.lines == Self.texts.count)
        #expect(try Data(contentsOf: options.output) == Data(contentsOf: reference.output))
    }

    @Test("--restart ignores a checkpoint and starts from line 1")
    func restartIgnoresCheckpoint() throws {
        let workspace = try Workspace("restart", lines: Self.mixedLines)
        defer { workspace.remove() }
        let reference = workspace.options("reference.jsonl")
        try BatchJob(model: workspace.model, options: reference).run()

        let options = workspace.options()
        #expect(throws: Killed.self) {
            try BatchJob(model: workspace.model, options: options).run(progress: nil) { _ in throw Killed() }
        }
        #expect(try BatchCheckpoint.read(from: options.progressFile)?.linesDone == 3)
        let summary = try BatchJob(model: workspace.model, options: workspace.options(restart: true)).run()
        #expect(summary.resumedAfterLine == 0 && summary.lines == 13)
        #expect(try Data(contentsOf: options.output) == Data(contentsOf: reference.output))
        #expect(try Data(contentsOf: options.errorsFile) == Data(contentsOf: reference.errorsFile))
    }

    @Test("a checkpoint of another input is refused")
    func checkpointOfAnotherInputIsRefused() throws {
        let workspace = try Workspace("other", lines: Self.goodLines)
        defer { workspace.remove() }
        let options = workspace.options()
        #expect(throws: Killed.self) {
            try BatchJob(model: workspace.model, options: options).run(progress: nil) { _ in throw Killed() }
        }
        try Data((["\"another first line\""] + Self.goodLines).joined(separator: "\n").utf8).write(to: workspace.input)
        do {
            try BatchJob(model: workspace.model, options: options).run()
            Issue.record("resumed from another input's checkpoint")
        } catch let error as BatchJobError {
            #expect(error.message.contains("another input"))
        }
    }

    @Test("the output folder is created when missing")
    func createsOutputFolder() throws {
        let workspace = try Workspace("folder", lines: Self.goodLines)
        defer { workspace.remove() }
        let options = workspace.options("results/2026/out.jsonl")
        let summary = try BatchJob(model: workspace.model, options: options).run()
        #expect(summary.succeeded == Self.texts.count)
        #expect(try Self.jsonLines(options.output).count == Self.texts.count)
        #expect(FileManager.default.fileExists(atPath: options.errorsFile.path))
    }

    @Test("the output may not be the input")
    func outputMustDifferFromInput() throws {
        let workspace = try Workspace("same", lines: Self.goodLines)
        defer { workspace.remove() }
        let before = try Data(contentsOf: workspace.input)
        let options = BatchJobOptions(input: workspace.input, output: workspace.input, restart: true)
        #expect(throws: BatchJobError.self) { try BatchJob(model: workspace.model, options: options).run() }
        #expect(try Data(contentsOf: workspace.input) == before)
    }

    @Test("line reader: CRLF, a last line without a newline, empty lines and numbering; line count")
    func lineReader() throws {
        let directory = ServeFixtures.scratch("reader")
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = directory.appendingPathComponent("lines.txt")
        try Data("\u{FEFF}one\r\n\ntwo\nthree".utf8).write(to: file)
        var reader = try InputLineReader(url: file, maximumLineBytes: 100)
        var lines: [InputLine] = []
        while let line = try reader.next() { lines.append(line) }
        reader.close()
        #expect(lines.map { String(decoding: $0.bytes, as: UTF8.self) } == ["one", "", "two", "three"])
        #expect(lines.map(\.number) == [1, 2, 3, 4])
        #expect(lines.map(\.endOffset) == [8, 9, 13, 18])
        #expect(try BatchJob.countLines(in: file) == 4)
        // Resuming at a recorded offset continues with the right line and number.
        var resumed = try InputLineReader(url: file, offset: 9, lineNumber: 2, maximumLineBytes: 100)
        let next = try #require(try resumed.next())
        resumed.close()
        #expect(String(decoding: next.bytes, as: UTF8.self) == "two" && next.number == 3)
        try Data("a\nb\n".utf8).write(to: file)
        #expect(try BatchJob.countLines(in: file) == 2)
        try Data().write(to: file)
        #expect(try BatchJob.countLines(in: file) == 0)
    }
}
