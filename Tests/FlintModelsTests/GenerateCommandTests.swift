import Foundation
import Testing
import FlintTestSupport

/// `flint generate` and `flint chat` on the real binary with SmolLM2 (what a user sees: output, errors, exit status).
@Suite struct GenerateCommandTests {
    static let catsPrompt = "<|im_start|>system\nYou are a helpful AI assistant named SmolLM, trained by Hugging Face<|im_end|>\n<|im_start|>user\nWrite one sentence about cats.<|im_end|>\n<|im_start|>assistant\n"

    @Test func generateJSON() throws {
        let model = try TestModels.smolLM2.path
        let run = try FlintBinary.run(["generate", "--model", model, "--temperature", "0", "--max-tokens", "5", "--json", "--top-logprobs", "2", Self.catsPrompt])
        #expect(run.status == 0 && !run.signaled, "\(run.standardError)")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(run.standardOutput.utf8)) as? [String: Any])
        #expect(object["text"] as? String == "A cat is a majestic")
        #expect(object["token_ids"] as? [Int] == [49, 2644, 314, 253, 26061])
        #expect(object["prompt_tokens"] as? Int == 36 && object["completion_tokens"] as? Int == 5)
        #expect(object["finish_reason"] as? String == "length")
        let steps = try #require(object["top_logprobs"] as? [[String: Any]])
        #expect(steps.count == 5 && (steps[0]["top"] as? [[String: Any]])?.count == 2)
        #expect(steps[0]["token"] as? String == "A")
    }

    @Test func generateStreamsTextAndStopsAtStopString() throws {
        let model = try TestModels.smolLM2.path
        let run = try FlintBinary.run(["generate", "--model", model, "--temperature", "0", "--stop", "fluffy coat", Self.catsPrompt])
        #expect(run.status == 0 && !run.signaled, "\(run.standardError)")
        #expect(run.standardOutput == "A cat is a majestic creature with a \n")
    }

    /// `--cache-type f16` (llama.cpp's default KV cache) gives llama.cpp's f16-KV greedy answer; a bad value is a
    /// usage error naming the option.
    @Test func generateWithHalfPrecisionCache() throws {
        let model = try TestModels.smolLM2.path
        let run = try FlintBinary.run(["generate", "--model", model, "--temperature", "0", "--cache-type", "f16", "--stop", "fluffy coat", Self.catsPrompt])
        #expect(run.status == 0 && !run.signaled, "\(run.standardError)")
        #expect(run.standardOutput == "A cat is a majestic creature with a \n")
        let bad = try FlintBinary.run(["generate", "--model", model, "--cache-type", "q8", "hello"])
        #expect(bad.status == 64 && !bad.signaled)
        #expect(bad.standardError.contains("--cache-type"))
    }

    @Test func generateErrorsNameTheProblem() throws {
        let missing = try FlintBinary.run(["generate", "--model", "/nonexistent/model.gguf", "hello"])
        #expect(missing.status == 1 && !missing.signaled)
        #expect(missing.standardError.contains("/nonexistent/model.gguf"))
        let badParameter = try FlintBinary.run(["generate", "--model", "/nonexistent/model.gguf", "--top-p", "0", "hello"])
        #expect(badParameter.status != 0 && !badParameter.signaled)
        #expect(badParameter.standardError.contains("--top-p"))
        // A file that is not GGUF: the error names the file and the field.
        let notGGUF = FileManager.default.temporaryDirectory.appendingPathComponent("flint-not-a-model-\(getpid()).gguf")
        try Data("not a gguf file at all".utf8).write(to: notGGUF)
        defer { try? FileManager.default.removeItem(at: notGGUF) }
        let corrupt = try FlintBinary.run(["generate", "--model", notGGUF.path, "hello"])
        #expect(corrupt.status == 1 && !corrupt.signaled)
        #expect(corrupt.standardError.contains(notGGUF.path) && corrupt.standardError.contains("magic"))
    }

    @Test func chatAnswersKeepsTheConversationAndResets() throws {
        let model = try TestModels.smolLM2.path
        let input = "Write one sentence about cats.\n/reset\nWrite one sentence about cats.\n/exit\nnever read\n"
        let run = try FlintBinary.run(["chat", "--model", model, "--temperature", "0", "--max-tokens", "40"], input: input)
        #expect(run.status == 0 && !run.signaled, "\(run.standardError)")
        let answer = "A cat is a majestic creature with a fluffy coat, a playful personality, and a loyal companion.\n"
        #expect(run.standardOutput == answer + answer)
        #expect(run.standardError.contains("tokens/s") && run.standardError.contains("(conversation reset)"))
    }

    /// A model without a chat template: `flint chat` says so and exits 1; `--chat-template chatml` chats.
    @Test func chatWithoutATemplateNeedsChatTemplate() throws {
        let tiny = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/gguf-tiny/tiny-llama-tied-gqa.gguf").path
        let refused = try FlintBinary.run(["chat", "--model", tiny, "--temperature", "0", "--max-tokens", "4"], input: "hi\n")
        #expect(refused.status == 1 && !refused.signaled)
        #expect(refused.standardError.contains(tiny) && refused.standardError.contains("--chat-template chatml"), "\(refused.standardError)")
        let chatML = try FlintBinary.run(["chat", "--model", tiny, "--chat-template", "chatml", "--temperature", "0", "--max-tokens", "4"], input: "hi\n")
        #expect(chatML.status == 0 && !chatML.signaled, "\(chatML.standardError)")
        #expect(chatML.standardError.contains("4 tokens") || chatML.standardError.contains("stop"), "\(chatML.standardError)")
        let missing = try FlintBinary.run(["chat", "--model", tiny, "--chat-template", "/nonexistent/t.jinja"], input: "hi\n")
        #expect(missing.status == 1 && missing.standardError.contains("/nonexistent/t.jinja"))
    }
}
