import Foundation
import Testing
import FlintTestSupport

/// `flint generate --response-format json_object` / `--json-schema FILE` on the real binary with SmolLM2: the
/// output is JSON that validates, and bad flags or schema files are errors naming them.
@Suite struct JSONModeCommandTests {
    static let prompt = "<|im_start|>user\nDescribe a cat as JSON with its name and age.<|im_end|>\n<|im_start|>assistant\n"

    static func temporaryFile(_ name: String, _ contents: String) throws -> String {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("flint-json-mode-\(getpid())-\(name)")
        try Data(contents.utf8).write(to: url)
        return url.path
    }

    @Test func jsonObjectAndSchema() throws {
        let model = try TestModels.smolLM2.path
        let object = try FlintBinary.run(["generate", "--model", model, "--temperature", "0", "--max-tokens", "120", "--json",
                                          "--response-format", "json_object", Self.prompt])
        #expect(object.status == 0 && !object.signaled, "\(object.standardError)")
        let result = try #require(try JSONSerialization.jsonObject(with: Data(object.standardOutput.utf8)) as? [String: Any])
        #expect(result["finish_reason"] as? String == "stop")
        let text = try #require(result["text"] as? String)
        #expect((try? JSONSerialization.jsonObject(with: Data(text.utf8))) is [String: Any], "\(text)")

        let schemaText = #"{"name": "cat", "strict": true, "schema": {"type": "object", "properties": {"name": {"type": "string"}, "age": {"type": "integer"}, "indoor": {"type": "boolean"}}, "required": ["name", "age", "indoor"]}}"#
        let schemaFile = try Self.temporaryFile("cat.json", schemaText)
        defer { try? FileManager.default.removeItem(atPath: schemaFile) }
        let constrained = try FlintBinary.run(["generate", "--model", model, "--seed", "4", "--max-tokens", "120", "--json-schema", schemaFile, Self.prompt])
        #expect(constrained.status == 0 && !constrained.signaled, "\(constrained.standardError)")
        let value = try JSONSerialization.jsonObject(with: Data(constrained.standardOutput.utf8))
        let schema = try #require((try JSONSerialization.jsonObject(with: Data(schemaText.utf8)) as? [String: Any])?["schema"] as? [String: Any])
        #expect(JSONSubsetValidator.violation(value, schema) == nil, "\(constrained.standardOutput)")
    }

    @Test func errorsNameTheFileAndKeyword() throws {
        let model = try TestModels.smolLM2.path
        let unsupported = try Self.temporaryFile("pattern.json", #"{"type": "object", "properties": {"age": {"type": "integer", "pattern": "[0-9]+"}}}"#)
        let notJSON = try Self.temporaryFile("broken.json", "{\"type\": ")
        defer { for file in [unsupported, notJSON] { try? FileManager.default.removeItem(atPath: file) } }
        let cases: [([String], String)] = [
            (["--json-schema", unsupported], "\(unsupported): schema.properties.age.pattern: not supported"),
            (["--json-schema", notJSON], "--json-schema \(notJSON): not valid JSON"),
            (["--json-schema", "/nonexistent/schema.json"], "--json-schema /nonexistent/schema.json: cannot read the file"),
            (["--response-format", "yaml"], "--response-format: must be text or json_object (got 'yaml')"),
            (["--response-format", "json_object", "--json-schema", unsupported], "--json-schema: cannot be combined with --response-format json_object"),
        ]
        for (flags, message) in cases {
            let run = try FlintBinary.run(["generate", "--model", model] + flags + ["hello"])
            #expect(run.status != 0 && !run.signaled)
            #expect(run.standardError.contains(message), "\(run.standardError)")
        }
    }
}
