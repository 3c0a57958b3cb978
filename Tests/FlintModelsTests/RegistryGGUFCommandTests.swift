import Foundation
import Testing
import FlintTestSupport

/// `flint registry push NAME FILE.gguf` and the LLM commands given `--model NAME@VERSION`, on the real binary
/// with the committed tiny random llama model (what a user sees: output, errors, exit status, files left).
@Suite struct RegistryGGUFCommandTests {
    static let fixture = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("Fixtures/gguf-tiny/tiny-llama-tied-gqa.gguf")
    static let fixtureSHA256 = "e1254f04d235c1b1b192c7734d9587ba77a8f35e4093d91ab936fc2fdc5e12bc"

    /// A temporary folder holding a registry root, removed at the end of the test.
    final class Sandbox {
        let directory: URL
        var root: String { directory.appendingPathComponent("registry").path }

        init() throws {
            directory = FileManager.default.temporaryDirectory.appendingPathComponent("flint-registry-cli-\(UUID().uuidString)", isDirectory: true)
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        }

        deinit { try? FileManager.default.removeItem(at: directory) }

        /// `flint ARGUMENTS` with `FLINT_HOME` pointing into the sandbox (so nothing touches ~/.flint).
        func flint(_ arguments: [String], input: String? = nil) throws -> FlintBinary.Run {
            try FlintBinary.run(arguments, environment: ["FLINT_HOME": directory.path], input: input)
        }
    }

    /// Greedy `flint generate --json` with 4 tokens on `model`, and its token ids.
    static func greedyIds(_ sandbox: Sandbox, model: [String]) throws -> [Int] {
        let run = try sandbox.flint(["generate"] + model + ["--temperature", "0", "--max-tokens", "4", "--json", "Hello world, this is"])
        #expect(run.status == 0 && !run.signaled, "\(run.standardError)")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(run.standardOutput.utf8)) as? [String: Any])
        let ids = try #require(object["token_ids"] as? [Int])
        #expect(ids.count == 4 && object["finish_reason"] as? String == "length")
        return ids
    }

    @Test func pushListShowAndGenerateByReference() throws {
        let sandbox = try Sandbox()
        let push = try sandbox.flint(["registry", "push", "--root", sandbox.root, "tiny", Self.fixture.path, "--metric", "ppl=12.5"])
        #expect(push.status == 0 && !push.signaled, "\(push.standardError)")
        #expect(push.standardOutput.hasPrefix("Pushed tiny@1: 1 file, "), "\(push.standardOutput)")
        #expect(push.standardOutput.contains("task text-generation, format gguf"))
        #expect(push.standardOutput.contains("architecture: llama (tiny-llama-tied-gqa)"))
        #expect(push.standardOutput.contains("parameters:   192832 (0.2 M)"))
        #expect(push.standardOutput.contains("quantization: MOSTLY_Q8_0: "))
        #expect(push.standardOutput.contains("context:      256 tokens"))

        let list = try sandbox.flint(["registry", "list", "--root", sandbox.root])
        #expect(list.status == 0, "\(list.standardError)")
        let rows = list.standardOutput.split(separator: "\n").map { $0.split(separator: " ").map(String.init) }
        #expect(rows.first?.contains("FORMAT") == true && rows.dropFirst().first == ["tiny", "1", "1", "gguf"])

        let show = try sandbox.flint(["registry", "show", "--root", sandbox.root, "tiny@1"])
        #expect(show.status == 0, "\(show.standardError)")
        #expect(show.standardOutput.contains("format:       gguf") && show.standardOutput.contains("context:      256 tokens"))
        #expect(show.standardOutput.contains("\(Self.fixtureSHA256)  tiny-llama-tied-gqa.gguf"))
        let showJSON = try sandbox.flint(["registry", "show", "--root", sandbox.root, "--json", "tiny"])
        let object = try #require(try JSONSerialization.jsonObject(with: Data(showJSON.standardOutput.utf8)) as? [String: Any])
        let gguf = try #require(object["gguf"] as? [String: Any])
        #expect(object["format"] as? String == "gguf" && object["task"] as? String == "text-generation")
        #expect(gguf["architecture"] as? String == "llama" && gguf["parameter_count"] as? Int == 192_832 && gguf["context_length"] as? Int == 256)

        // Greedy generation by reference (--registry, and $FLINT_HOME's registry) gives the file's token ids;
        // with a second version (another model) pushed, NAME@1, NAME@ALIAS and NAME pick the right one.
        let byPath = try Self.greedyIds(sandbox, model: ["--model", Self.fixture.path])
        #expect(try Self.greedyIds(sandbox, model: ["--model", "tiny@1", "--registry", sandbox.root]) == byPath)
        #expect(try Self.greedyIds(sandbox, model: ["--model", "tiny"]) == byPath)
        let qwen = Self.fixture.deletingLastPathComponent().appendingPathComponent("tiny-qwen2-bias.gguf")
        let qwenByPath = try Self.greedyIds(sandbox, model: ["--model", qwen.path])
        #expect(qwenByPath != byPath)
        #expect(try sandbox.flint(["registry", "push", "tiny", qwen.path]).status == 0)
        #expect(try sandbox.flint(["registry", "alias", "tiny@1", "stable"]).status == 0)
        #expect(try Self.greedyIds(sandbox, model: ["--model", "tiny"]) == qwenByPath)
        #expect(try Self.greedyIds(sandbox, model: ["--model", "tiny@2"]) == qwenByPath)
        #expect(try Self.greedyIds(sandbox, model: ["--model", "tiny@stable"]) == byPath)
        #expect(try Self.greedyIds(sandbox, model: ["--model", "tiny@1"]) == byPath)

        // inspect and tokenize take the reference too.
        let inspect = try sandbox.flint(["inspect", "tiny@1", "--json"])
        #expect(inspect.status == 0, "\(inspect.standardError)")
        #expect(inspect.standardOutput.contains("\"parameter_count\": 192832") || inspect.standardOutput.contains("\"parameter_count\":192832"))
        let tokenizeByPath = try sandbox.flint(["tokenize", "--model", Self.fixture.path, "Hello world"])
        let tokenizeByReference = try sandbox.flint(["tokenize", "--model", "tiny@1", "Hello world"])
        #expect(tokenizeByReference.status == 0 && tokenizeByReference.standardOutput == tokenizeByPath.standardOutput,
                "\(tokenizeByReference.standardError)")

        // A reference that is not there names the model and the registry.
        let unknown = try sandbox.flint(["generate", "--model", "tiny@7", "--max-tokens", "1", "Hello"])
        #expect(unknown.status == 1 && !unknown.signaled && unknown.standardError.contains("no version 7"), "\(unknown.standardError)")
    }

    @Test func truncatedFileIsRefusedAndLeavesNoVersion() throws {
        let sandbox = try Sandbox()
        let cut = sandbox.directory.appendingPathComponent("cut.gguf")
        try Data(try Data(contentsOf: Self.fixture).prefix(200_000)).write(to: cut)
        let push = try sandbox.flint(["registry", "push", "--root", sandbox.root, "tiny", cut.path])
        #expect(push.status == 1 && !push.signaled)
        #expect(push.standardError.contains(cut.path) && push.standardError.contains("(byte ") && push.standardError.contains("truncated"),
                "\(push.standardError)")
        let list = try sandbox.flint(["registry", "list", "--root", sandbox.root])
        #expect(list.standardOutput == "No models in the registry.\n")
        let models = URL(fileURLWithPath: sandbox.root).appendingPathComponent("models").path
        let staging = URL(fileURLWithPath: sandbox.root).appendingPathComponent(".staging").path
        #expect(try FileManager.default.contentsOfDirectory(atPath: models).isEmpty)
        #expect(try FileManager.default.contentsOfDirectory(atPath: staging).isEmpty)
    }

    @Test func serveRefusesAGGUFModelByName() throws {
        let sandbox = try Sandbox()
        let push = try sandbox.flint(["registry", "push", "tiny", Self.fixture.path])
        #expect(push.status == 0, "\(push.standardError)")
        let serve = try sandbox.flint(["serve", "--model", "chat=tiny", "--port", "0"])
        #expect(serve.status == 1 && !serve.signaled)
        #expect(serve.standardError.contains("tiny (tiny@1)") && serve.standardError.contains("--chat-model"), "\(serve.standardError)")
        // Refused before the port is opened.
        #expect(!serve.standardError.contains("listening"), "\(serve.standardError)")
    }
}
