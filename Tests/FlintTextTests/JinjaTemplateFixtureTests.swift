import Foundation
import Testing
@testable import FlintText

/// Real chat templates (SmolLM2's from its GGUF, generic ChatML, and seventeen from llama.cpp's models/templates/:
/// DeepSeek-R1-Distill-Qwen, Mistral Small 3.2, Phi-3.5-mini, Gemma 2, Llama 3.3, Qwen2.5, Hermes-2-Pro tool use,
/// Qwen3, Granite 3.3, Mistral Nemo, Seed-OSS, gpt-oss, SmolLM3, Kimi K2, GLM-4.6, Command R7B tool use,
/// Functionary v3.1 (Markup `|safe +` escaping)) rendered over the conversations of scripts/fixtures/make_jinja_fixtures.py:
/// Flint's output must be byte-identical to jinja2 3.1.6 configured as transformers' `apply_chat_template`, and where
/// jinja2 raised (raise_exception, a TypeError), Flint must throw the same message or error kind.
@Suite struct JinjaTemplateFixtureTests {
    static let templates = [
        "smollm2", "chatml", "deepseek-r1-distill-qwen", "mistral-small-3.2", "phi-3.5-mini", "gemma-2", "llama-3.3",
        "qwen2.5", "hermes-2-pro-tool-use", "qwen3", "granite-3.3", "mistral-nemo", "seed-oss", "gpt-oss", "smollm3",
        "kimi-k2", "glm-4.6", "command-r7b-tool-use", "functionary-v3.1",
    ]

    @Test(arguments: templates)
    func rendersLikeTransformers(template name: String) throws {
        let fixtures = try JinjaFixtures.load("chat_template_cases")
        let cases = JinjaFixtures.list(JinjaFixtures.field(fixtures, "cases")).filter {
            JinjaFixtures.string($0, "template") == name
        }
        #expect(cases.count >= 6, "\(name): \(cases.count) cases")
        let template = try ChatTemplate(source: try JinjaFixtures.templateSource(name), clock: { JinjaFixtures.fixedNow })
        var rendered = 0
        for reference in cases {
            let label = "\(name)/\(JinjaFixtures.string(reference, "case") ?? "?")"
            var extra: [String: JinjaValue] = [:]
            if case .dictionary(let values)? = JinjaFixtures.field(reference, "extra") {
                for (key, value) in values { extra[key.pythonString] = value }
            }
            guard case .boolean(let addGenerationPrompt)? = JinjaFixtures.field(reference, "add_generation_prompt") else {
                Issue.record("\(label): no add_generation_prompt")
                continue
            }
            let render = {
                try template.render(
                    messages: JinjaFixtures.list(JinjaFixtures.field(reference, "messages")),
                    addGenerationPrompt: addGenerationPrompt,
                    bosToken: JinjaFixtures.string(reference, "bos_token") ?? "",
                    eosToken: JinjaFixtures.string(reference, "eos_token") ?? "",
                    tools: JinjaFixtures.field(reference, "tools").map { JinjaFixtures.list($0) },
                    documents: JinjaFixtures.field(reference, "documents").map { JinjaFixtures.list($0) },
                    extra: extra)
            }
            if let expected = JinjaFixtures.string(reference, "expected") {
                let output = try render()
                #expect(output == expected, "\(label)")
                #expect(Array(output.utf8) == Array(expected.utf8), "\(label): bytes differ")
                rendered += 1
            } else {
                JinjaFixtures.expectReferenceError(reference, label: label, render)
            }
        }
        // Every template except Hermes (which iterates `tools` unconditionally) renders most of its cases.
        #expect(rendered >= (name == "hermes-2-pro-tool-use" ? 3 : 5), "\(name): only \(rendered) rendered")
    }

    @Test func templateFilesAreTheReferenceBytes() throws {
        // The SmolLM2 template committed as test data is the one in the GGUF metadata the script read.
        let source = try JinjaFixtures.templateSource("smollm2")
        #expect(source.hasPrefix("{% for message in messages %}"))
        #expect(try JinjaFixtures.templateSource("chatml") == ChatTemplate.chatMLSource)
    }
}
