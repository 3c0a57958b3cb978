import Foundation
import Testing
import FlintTestSupport
@testable import FlintServe

/// The official `openai` Python package (pinned in scripts/setup-peers.sh) against the real `flint serve` binary
/// with SmolLM2 as the chat model and all-MiniLM-L6-v2 for embeddings, an API key required:
/// scripts/check-openai-sdk.py (models, chat plain and streamed, completions, embeddings, the typed exceptions,
/// `openai.AzureOpenAI` chat and embeddings) and scripts/check-openai-batch.py (files → batches → poll → content).
extension LLMServingTests {
@Suite struct OpenAISDKTests {
    /// The peer environment's Python when it has the `openai` package.
    static var python: URL? {
        let environment = ProcessInfo.processInfo.environment
        let cache = environment["FLINT_CACHE"] ?? (NSHomeDirectory() + "/.cache/flint")
        let venv = URL(fileURLWithPath: environment["FLINT_PEERS_VENV"] ?? (cache + "/peers-venv"))
        let python = venv.appendingPathComponent("bin/python")
        guard FileManager.default.isExecutableFile(atPath: python.path) else { return nil }
        let libraries = venv.appendingPathComponent("lib")
        let versions = (try? FileManager.default.contentsOfDirectory(atPath: libraries.path)) ?? []
        let hasOpenAI = versions.contains { FileManager.default.fileExists(atPath: libraries.appendingPathComponent("\($0)/site-packages/openai/__init__.py").path) }
        return hasOpenAI ? python : nil
    }

    static let scripts = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("scripts")

    static func runScript(_ python: URL, _ arguments: [String]) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = python
        process.arguments = arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    @Test("the official openai and AzureOpenAI clients: every check passes, none skipped; the batch flow completes",
          .enabled(if: python != nil, "the openai package is not installed: run scripts/setup-peers.sh (make peers) to check Flint with the official clients"),
          .timeLimit(.minutes(5)))
    func officialClients() async throws {
        let python = try #require(Self.python)
        let directory = ServeFixtures.scratch("openai-sdk")
        defer { try? FileManager.default.removeItem(at: directory) }
        let server = try ServeProcess(["--chat-model", "smollm2=\(try TestModels.smolLM2.path)", "--model", "minilm=\(try TestModels.miniLM.path)",
                                       "--port", "0", "--api-keys-env", "FLINT_TEST_KEYS", "--data-dir", directory.appendingPathComponent("data").path,
                                       "--log-format", "json"],
                                      environment: ["FLINT_TEST_KEYS": "sdk-key-1"], in: directory)
        let ready = try await server.ready()
        #expect(ready != nil, "\(server.output)")
        guard let base = ready else { return }
        let root = base.absoluteString.hasSuffix("/") ? String(base.absoluteString.dropLast()) : base.absoluteString
        let sdk = try Self.runScript(python, [Self.scripts.appendingPathComponent("check-openai-sdk.py").path, "--base-url", root,
                                              "--api-key", "sdk-key-1", "--model", "smollm2", "--embedding-model", "minilm"])
        #expect(sdk.status == 0, "\(sdk.output)")
        #expect(sdk.output.contains("0 failed, 0 skipped"), "\(sdk.output)")
        let batch = try Self.runScript(python, [Self.scripts.appendingPathComponent("check-openai-batch.py").path, "--base-url", root,
                                                "--api-key", "sdk-key-1", "--model", "smollm2"])
        #expect(batch.status == 0 && batch.output.contains("6 passed, 0 failed"), "\(batch.output)")
    }
}
}
