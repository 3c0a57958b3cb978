import Foundation
import Testing
import FlintTestSupport

/// Bad input given to the real `flint` binary (the one `swift build --build-tests` puts beside the test
/// bundle): the process prints one error naming the file and the field on standard error and exits with
/// status 1 — never a signal (a trap, an illegal instruction).
@Suite("flint command-line errors")
struct CommandLineErrorTests {
    /// A scratch folder (removed by the caller).
    static func scratch() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("flint-cli-errors-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    /// A small labelled CSV (two classes) in `directory`.
    static func writeCSV(in directory: URL, name: String = "reviews.csv", header: String = "text,label",
                         rows: [String]? = nil) throws -> URL {
        let url = directory.appendingPathComponent(name)
        let lines = rows ?? (0..<40).map { "\"review number \($0) is \($0 % 2 == 0 ? "good" : "bad")\",\($0 % 2 == 0 ? "pos" : "neg")" }
        try Data(([header] + lines).joined(separator: "\n").appending("\n").utf8).write(to: url)
        return url
    }

    /// Expects an error exit: status 1, not a signal, and `fragments` in standard error.
    static func expectFailure(_ run: FlintBinary.Run, mentions fragments: [String], sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(!run.signaled, "flint died of a signal: \(run.standardError)", sourceLocation: sourceLocation)
        #expect(run.status == 1, "exit status \(run.status): \(run.standardError)", sourceLocation: sourceLocation)
        for fragment in fragments {
            #expect(run.standardError.contains(fragment), "standard error lacks \"\(fragment)\": \(run.standardError)",
                    sourceLocation: sourceLocation)
        }
    }

    @Test("a CPU without AVX2/FMA: one line on standard error and exit 1, before any AVX2 code runs")
    func cpuWithoutAVX2() throws {
        let run = try FlintBinary.run(["--help"], environment: ["FLINT_ASSUME_CPU_WITHOUT_AVX2": "1"])
        Self.expectFailure(run, mentions: ["this CPU lacks AVX2/FMA (missing: avx2, fma)"])
        #expect(run.standardError.split(separator: "\n").count == 1 && run.standardOutput.isEmpty, "\(run.standardError)")
        // Without the override this machine (AVX2 + FMA) runs normally.
        let normal = try FlintBinary.run(["--help"])
        #expect(normal.status == 0 && normal.standardOutput.contains("USAGE"))
    }

    @Test("--from-scratch config.json: every size is checked before a tensor is built", arguments: [
        (#""hidden_size": 100, "num_attention_heads": 3"#, "hidden_size / num_attention_heads", "100 / 3"),
        (#""hidden_size": 64, "num_attention_heads": 0"#, "num_attention_heads", "found 0"),
        (#""vocab_size": 0"#, "vocab_size", "found 0"),
        (#""vocab_size": -5"#, "vocab_size", "found -5"),
        (#""max_position_embeddings": 0"#, "max_position_embeddings", "found 0"),
        (#""intermediate_size": -1"#, "intermediate_size", "found -1"),
        (#""num_hidden_layers": 1000000000000"#, "num_hidden_layers", "found 1000000000000"),
        (#""vocab_size": 16000000, "hidden_size": 4096"#, "at most 2147483648 parameters", "parameters"),
    ])
    func fromScratchConfiguration(fields: String, field: String, found: String) throws {
        let directory = try Self.scratch()
        defer { try? FileManager.default.removeItem(at: directory) }
        let data = try Self.writeCSV(in: directory)
        let configuration = directory.appendingPathComponent("bad-config.json")
        // A tiny valid config with the fields under test replaced (one of each key).
        let base = ["vocab_size": "200", "hidden_size": "16", "num_hidden_layers": "1", "num_attention_heads": "2",
                    "intermediate_size": "32", "max_position_embeddings": "32"]
        let overridden = Set(fields.split(separator: ",").map { $0.split(separator: ":")[0].trimmingCharacters(in: .whitespaces) })
        let kept = base.filter { !overridden.contains("\"\($0.key)\"") }.map { "\"\($0.key)\": \($0.value)" }
        try Data("{\"model_type\": \"bert\", \((kept + [fields]).joined(separator: ", "))}".utf8).write(to: configuration)
        let run = try FlintBinary.run(["finetune", "--from-scratch", configuration.path, "--data", data.path,
                                       "--output", directory.appendingPathComponent("out").path, "--max-steps", "1"])
        Self.expectFailure(run, mentions: [configuration.path, field, found])
    }

    @Test("a model folder's config.json with heads that do not divide the hidden size names the file and field")
    func modelFolderConfiguration() throws {
        let miniLM = try TestModels.miniLM
        let directory = try Self.scratch()
        defer { try? FileManager.default.removeItem(at: directory) }
        let folder = directory.appendingPathComponent("model", isDirectory: true)
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        for name in try FileManager.default.contentsOfDirectory(atPath: miniLM.path) where name != "config.json" {
            try FileManager.default.createSymbolicLink(at: folder.appendingPathComponent(name), withDestinationURL: miniLM.appendingPathComponent(name))
        }
        var json = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: miniLM.appendingPathComponent("config.json"))) as? [String: Any])
        json["num_attention_heads"] = 5
        let configuration = folder.appendingPathComponent("config.json")
        try JSONSerialization.data(withJSONObject: json).write(to: configuration)
        let data = try Self.writeCSV(in: directory)
        let finetune = try FlintBinary.run(["finetune", "--model", folder.path, "--data", data.path,
                                            "--output", directory.appendingPathComponent("out").path, "--max-steps", "1"])
        Self.expectFailure(finetune, mentions: [configuration.path, "hidden_size / num_attention_heads", "384 / 5"])
        let classify = try FlintBinary.run(["classify", "--model", folder.path, "hello"])
        #expect(!classify.signaled && classify.status == 1, "\(classify.status): \(classify.standardError)")
        let embed = try FlintBinary.run(["embed", "--model", folder.path, "hello"])
        Self.expectFailure(embed, mentions: [configuration.path, "hidden_size / num_attention_heads"])
    }

    @Test("a test file without the label (or text) column is an error naming that file and column")
    func testFileMissingColumn() throws {
        let directory = try Self.scratch()
        defer { try? FileManager.default.removeItem(at: directory) }
        let data = try Self.writeCSV(in: directory)
        let noLabel = try Self.writeCSV(in: directory, name: "test-no-label.csv", header: "text,stars", rows: ["\"fine\",5", "\"poor\",1"])
        let noText = try Self.writeCSV(in: directory, name: "test-no-text.csv", header: "body,label", rows: ["\"fine\",pos", "\"poor\",neg"])
        let configuration = directory.appendingPathComponent("config.json")
        try Data(#"{"vocab_size": 200, "hidden_size": 16, "num_hidden_layers": 1, "num_attention_heads": 2, "intermediate_size": 32, "max_position_embeddings": 32}"#.utf8)
            .write(to: configuration)
        for (file, column) in [(noLabel, "'label'"), (noText, "'text'")] {
            let run = try FlintBinary.run(["finetune", "--from-scratch", configuration.path, "--data", data.path, "--test-data", file.path,
                                           "--output", directory.appendingPathComponent("out").path, "--max-steps", "1"])
            Self.expectFailure(run, mentions: [file.path, "column \(column)"])
        }
        // A --text-column the training file lacks.
        let run = try FlintBinary.run(["finetune", "--from-scratch", configuration.path, "--data", data.path, "--text-column", "body",
                                       "--output", directory.appendingPathComponent("out").path, "--max-steps", "1"])
        Self.expectFailure(run, mentions: [data.path, "column 'body'", "columns [\"text\", \"label\"]"])
    }

    @Test("a label column with more distinct values than any classifier has is refused, not allocated")
    func absurdLabelCount() throws {
        let directory = try Self.scratch()
        defer { try? FileManager.default.removeItem(at: directory) }
        let data = try Self.writeCSV(in: directory, rows: (0..<10_001).map { "\"text \($0)\",\($0 * 1_000_000_007)" })
        let configuration = directory.appendingPathComponent("config.json")
        try Data(#"{"vocab_size": 200, "hidden_size": 16, "num_hidden_layers": 1, "num_attention_heads": 2, "intermediate_size": 32, "max_position_embeddings": 32}"#.utf8)
            .write(to: configuration)
        let run = try FlintBinary.run(["finetune", "--from-scratch", configuration.path, "--data", data.path,
                                       "--output", directory.appendingPathComponent("out").path, "--max-steps", "1"])
        Self.expectFailure(run, mentions: [data.path, "column 'label'", "at most 10000 distinct labels", "found 10001 distinct labels"])
    }

    @Test("flint train cnn: an out-of-range --lr or --label-smoothing is a usage error, not a trap in Adam or the loss")
    func trainArguments() throws {
        for (option, value) in [("--lr", "-1"), ("--label-smoothing", "2"), ("--warmup-fraction", "1.5")] {
            let run = try FlintBinary.run(["train", "cnn", option, value, "--output", FileManager.default.temporaryDirectory.path])
            #expect(!run.signaled && run.status == 64, "\(option) \(value): status \(run.status): \(run.standardError)")
            #expect(run.standardError.contains(option), "\(run.standardError)")
        }
    }

    @Test("a sentence-transformers pooling dimension that differs from the hidden size names 1_Pooling/config.json")
    func poolingDimensionMismatch() throws {
        let miniLM = try TestModels.miniLM
        let directory = try Self.scratch()
        defer { try? FileManager.default.removeItem(at: directory) }
        let folder = directory.appendingPathComponent("model", isDirectory: true)
        let pooling = folder.appendingPathComponent("1_Pooling", isDirectory: true)
        try FileManager.default.createDirectory(at: pooling, withIntermediateDirectories: true)
        for name in try FileManager.default.contentsOfDirectory(atPath: miniLM.path) where name != "1_Pooling" {
            try FileManager.default.createSymbolicLink(at: folder.appendingPathComponent(name), withDestinationURL: miniLM.appendingPathComponent(name))
        }
        let configuration = pooling.appendingPathComponent("config.json")
        try Data(#"{"word_embedding_dimension": 100, "pooling_mode_mean_tokens": true}"#.utf8).write(to: configuration)
        let run = try FlintBinary.run(["embed", "--model", folder.path, "hello"])
        Self.expectFailure(run, mentions: [configuration.path, "word_embedding_dimension", "hidden_size 384", "found 100"])
    }
}
