import Foundation
import Testing
import Flint
import FlintModels
@testable import FlintServe
import FlintSupport

/// GGUF files in the model registry: pushed like folders, described from their header, resolved to the file.
@Suite struct RegistryGGUFTests {
    /// The committed tiny random llama model (scripts/fixtures/make_tiny_gguf_models.py): llama, 2 layers,
    /// context 256, 192,832 parameters in 20 tensors, file type MOSTLY_Q8_0, gpt2/smollm tokenizer.
    static let fixture = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../FlintModelsTests/Fixtures/gguf-tiny/tiny-llama-tied-gqa.gguf").standardizedFileURL
    static let fixtureSHA256 = "e1254f04d235c1b1b192c7734d9587ba77a8f35e4093d91ab936fc2fdc5e12bc"

    /// A temporary folder, removed at the end of the test.
    final class Sandbox {
        let directory: URL
        var root: URL { directory.appendingPathComponent("registry", isDirectory: true) }

        init() throws {
            directory = FileManager.default.temporaryDirectory.appendingPathComponent("flint-registry-gguf-\(UUID().uuidString)", isDirectory: true)
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        }

        deinit { try? FileManager.default.removeItem(at: directory) }

        /// A folder model (config.json only).
        func modelFolder() throws -> URL {
            let folder = directory.appendingPathComponent("folder-\(UUID().uuidString)", isDirectory: true)
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            try Data(#"{"architectures": ["BertModel"]}"#.utf8).write(to: folder.appendingPathComponent("config.json"))
            return folder
        }

        /// The first `count` bytes of the fixture, as `name`.
        func truncatedFixture(_ count: Int, name: String = "cut.gguf") throws -> URL {
            let url = directory.appendingPathComponent(name)
            try Data(try Data(contentsOf: RegistryGGUFTests.fixture).prefix(count)).write(to: url)
            return url
        }

        func entries(_ path: String) throws -> [String] {
            let url = root.appendingPathComponent(path)
            guard FileManager.default.fileExists(atPath: url.path) else { return [] }
            return try FileManager.default.contentsOfDirectory(atPath: url.path).sorted()
        }
    }

    @Test func pushStoresTheFileWithItsHashAndHeaderDescription() throws {
        let sandbox = try Sandbox()
        let registry = try ModelRegistry(root: sandbox.root)
        let pushed = try registry.push(name: "tiny", file: Self.fixture, metadata: RegistryPushMetadata(metrics: ["ppl": 12.5]))
        #expect(pushed.reference == "tiny@1")
        #expect(pushed.format == .gguf && pushed.task == "text-generation" && pushed.labels == nil)
        #expect(pushed.files == [RegistryFile(path: "tiny-llama-tied-gqa.gguf", size: 277_376, sha256: Self.fixtureSHA256)])
        #expect(pushed.totalBytes == 277_376 && pushed.sourcePath == Self.fixture.path && pushed.metrics == ["ppl": 12.5])
        let gguf = try #require(pushed.gguf)
        #expect(gguf.file == "tiny-llama-tied-gqa.gguf" && gguf.ggufVersion == 3)
        #expect(gguf.architecture == "llama" && gguf.modelName == "tiny-llama-tied-gqa")
        #expect(gguf.parameterCount == 192_832 && gguf.contextLength == 256)
        #expect(gguf.fileType == "MOSTLY_Q8_0")
        #expect(Set(gguf.tensorTypes.map(\.type)) == ["F32", "F16", "Q8_0", "Q4_0", "Q4_1", "Q5_0", "Q5_1"])
        #expect(gguf.tensorTypes.reduce(0) { $0 + $1.tensors } == 20 && gguf.tensorTypes.reduce(0) { $0 + $1.parameters } == 192_832)
        #expect(gguf.tensorTypes.first { $0.type == "Q8_0" }?.tensors == 3)
        #expect(gguf.tokenizer == "gpt2" && gguf.preTokenizer == "smollm" && gguf.vocabularySize == 2048 && !gguf.hasChatTemplate)

        // The stored bytes are the fixture's; verify agrees; show, resolve and list say gguf.
        let stored = try #require(pushed.modelFile)
        #expect(stored == registry.folder(name: "tiny", version: 1).appendingPathComponent("tiny-llama-tied-gqa.gguf"))
        #expect(try SHA256.hexDigest(ofFileAt: stored) == Self.fixtureSHA256)
        #expect(try registry.verify("tiny").isIntact)
        #expect(try registry.show("tiny@1") == pushed)
        let resolved = try registry.resolve("tiny@1")
        #expect(resolved.format == .gguf && resolved.modelFile == stored && resolved.gguf == gguf)
        try registry.push(name: "encoder", folder: try sandbox.modelFolder())
        #expect(try registry.list().map { "\($0.name):\($0.format.rawValue)" } == ["encoder:huggingface", "tiny:gguf"])
        #expect(try registry.show("encoder").format == .huggingFace && registry.show("encoder").gguf == nil)

        // The JSON form carries format and gguf, and reads back.
        let encoded = try JSONEncoder().encode(pushed)
        #expect(try JSONDecoder().decode(RegistryVersion.self, from: encoded) == pushed)
        let object = try #require(try JSONSerialization.jsonObject(with: encoded) as? [String: Any])
        #expect(object["format"] as? String == "gguf")
        #expect((object["gguf"] as? [String: Any])?["parameter_count"] as? Int == 192_832)
    }

    @Test func corruptOrMissingFilesAreRefusedBeforeAnythingIsWritten() throws {
        let sandbox = try Sandbox()
        let registry = try ModelRegistry(root: sandbox.root)
        // Cut inside the tensor data: the reader names the tensor whose data leaves the file and the byte offset.
        let cut = try sandbox.truncatedFixture(200_000)
        do {
            try registry.push(name: "tiny", file: cut)
            Issue.record("expected the truncated file to be refused")
        } catch let error as FlintError {
            let message = "\(error)"
            #expect(message.hasPrefix(cut.path + ": invalid tensor") && message.contains("offset (byte ") && message.contains("truncated"), "\(message)")
        }
        // Cut inside the metadata: the field and offset of the header.
        let header = try sandbox.truncatedFixture(1000, name: "header.gguf")
        #expect(throws: FlintError.self) { try registry.push(name: "tiny", file: header) }
        let missing = sandbox.directory.appendingPathComponent("missing.gguf")
        #expect(throws: RegistryError.invalidFile(path: missing.path, reason: "no such file")) { try registry.push(name: "tiny", file: missing) }
        #expect(throws: RegistryError.invalidFile(path: sandbox.directory.path, reason: "not a regular file")) {
            try registry.push(name: "tiny", file: sandbox.directory)
        }
        #expect(try registry.list().isEmpty)
        #expect(try sandbox.entries("models").isEmpty && sandbox.entries(".staging").isEmpty)
        // The number 1 was not used up by the failures.
        #expect(try registry.push(name: "tiny", file: Self.fixture).version == 1)
    }

    @Test func failedCopyLeavesNoVersionAndNoStaging() throws {
        let sandbox = try Sandbox()
        let registry = try ModelRegistry(root: sandbox.root)
        var hooks = RegistryPushHooks()
        hooks.afterCopyingFile = { _ in throw CancellationError() }
        #expect(throws: CancellationError.self) {
            try registry.push(name: "tiny", file: Self.fixture, metadata: RegistryPushMetadata(), progress: nil, hooks: hooks)
        }
        #expect(try registry.list().isEmpty)
        #expect(try sandbox.entries("models/tiny").isEmpty && sandbox.entries(".staging").isEmpty)
    }

    @Test func storedNamesEndInGGUFAndAreVisible() {
        #expect(ModelRegistry.storedGGUFName("SmolLM2.Q4_1.gguf") == "SmolLM2.Q4_1.gguf")
        #expect(ModelRegistry.storedGGUFName("model.GGUF") == "model.GGUF")
        #expect(ModelRegistry.storedGGUFName("weights.bin") == "weights.bin.gguf")
        #expect(ModelRegistry.storedGGUFName(".hidden.gguf") == "hidden.gguf")
        #expect(ModelRegistry.storedGGUFName("...") == "model.gguf")
    }

    @Test func resolversKeepFormatsApart() throws {
        let sandbox = try Sandbox()
        // No registry yet: a not-found error, and nothing is created.
        let gguf = GGUFModelResolver.registry(root: sandbox.root)
        do {
            _ = try gguf.resolve("tiny")
            Issue.record("expected an error")
        } catch let error as RegistryError {
            #expect(error.isNotFound)
        }
        #expect(!FileManager.default.fileExists(atPath: sandbox.root.path))

        let registry = try ModelRegistry(root: sandbox.root)
        try registry.push(name: "tiny", file: Self.fixture)
        try registry.push(name: "encoder", folder: try sandbox.modelFolder())
        try registry.setAlias(name: "tiny", version: 1, alias: "production")
        let file = registry.folder(name: "tiny", version: 1).appendingPathComponent("tiny-llama-tied-gqa.gguf")
        #expect(try gguf.resolve("tiny") == file && gguf.resolve("tiny@1") == file && gguf.resolve("tiny@production") == file)
        #expect(try GGUFModelResolver.path(of: "tiny@1", resolver: gguf) == file.path)
        #expect(try GGUFModelResolver.path(of: Self.fixture.path, resolver: gguf) == Self.fixture.path)
        do {
            _ = try gguf.resolve("encoder@1")
            Issue.record("expected an error")
        } catch let error as RegistryError {
            #expect("\(error)".contains("encoder@1") && "\(error)".contains("not a GGUF language model"))
        }
        // The language model loads through the reference, with the same weights as the file.
        let model = try LanguageModel.load("tiny@production", resolver: gguf)
        #expect(model.path == file.path && model.contextSize == 256)
        #expect(try pipeline(.textGeneration, model: "tiny@1", resolver: gguf).model.path == file.path)

        // flint serve's resolver: a GGUF version is a clear error naming it; folders resolve as before.
        let serve = ModelSourceResolver.registry(root: sandbox.root)
        do {
            _ = try serve.resolve("tiny")
            Issue.record("expected an error")
        } catch let error as RegistryError {
            let message = "\(error)"
            #expect(message.contains("tiny (tiny@1)") && message.contains("GGUF") && message.contains("--chat-model"), "\(message)")
        }
        #expect(try serve.resolve("encoder").version == "1")
        // As a chat model, the reference resolves to the version's file, reported as its version number.
        let chat = try ChatModelHost.resolve(ChatModelSpecification(name: "tiny", source: "tiny@production"), resolver: gguf)
        #expect(chat.path == file.path && chat.version == "1")
    }

    @Test func fileReferencesAndPathsAreToldApart() {
        #expect(GGUFModelResolver.isFilePath("models/x.gguf") && GGUFModelResolver.isFilePath("x.gguf") && GGUFModelResolver.isFilePath("X.GGUF"))
        #expect(GGUFModelResolver.isFilePath("./x") && GGUFModelResolver.isFilePath("~/x"))
        #expect(!GGUFModelResolver.isFilePath("smollm2") && !GGUFModelResolver.isFilePath("smollm2@3")
            && !GGUFModelResolver.isFilePath("smollm2@production"))
    }
}
