import Foundation

/// A model's chat template (Jinja source from GGUF `tokenizer.chat_template` or `tokenizer_config.json`), rendered
/// exactly as Hugging Face transformers' `apply_chat_template` renders it: jinja2's ImmutableSandboxedEnvironment with
/// `trim_blocks` and `lstrip_blocks`, loop controls, the `{% generation %}` block, `tojson` as `json.dumps`
/// (`ensure_ascii=False`), and the globals `raise_exception` and `strftime_now`.
///
/// ```swift
/// let template = try ChatTemplate(source: gguf.chatTemplate)
/// let prompt = try template.render(messages: [["role": "user", "content": "Hi"]], addGenerationPrompt: true,
///                                  bosToken: "<s>", eosToken: "</s>")
/// ```
public struct ChatTemplate: Sendable {
    /// The generic ChatML template (`<|im_start|>role\ncontent<|im_end|>\n` per message), for models without one.
    public static let chatMLSource = "{% for message in messages %}{{'<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n'}}{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}"

    /// The Jinja source.
    public let source: String
    /// The current time for `strftime_now` (local time zone, like Python's `datetime.now()`); tests inject a fixed one.
    public var clock: @Sendable () -> Date
    private let template: JinjaTemplate

    /// Parses `source`; throws `JinjaError.syntax` naming the line and column of the first error.
    public init(source: String, clock: @escaping @Sendable () -> Date = { Date() }) throws {
        self.source = source
        self.clock = clock
        template = try JinjaTemplate(source: source)
    }

    /// Renders the conversation. The template sees `messages`, `tools` (none when nil, as transformers passes it),
    /// `documents` (likewise), `add_generation_prompt`, `bos_token`, `eos_token`, and every entry of `extra`
    /// (e.g. `enable_thinking`). Throws `JinjaError.raised` with the template's message when it calls
    /// `raise_exception`, and `JinjaError.render` for runtime errors.
    public func render(messages: [JinjaValue], addGenerationPrompt: Bool, bosToken: String, eosToken: String,
                       tools: [JinjaValue]? = nil, documents: [JinjaValue]? = nil,
                       extra: [String: JinjaValue] = [:]) throws -> String {
        var context = extra
        context["messages"] = .list(messages)
        context["tools"] = tools.map { .list($0) } ?? JinjaValue.none
        context["documents"] = documents.map { .list($0) } ?? JinjaValue.none
        context["add_generation_prompt"] = .boolean(addGenerationPrompt)
        context["bos_token"] = .string(bosToken)
        context["eos_token"] = .string(eosToken)
        return try template.render(context: context, now: clock)
    }
}

/// A parsed Jinja template rendered with transformers' chat-template environment (see `ChatTemplate`).
public struct JinjaTemplate: Sendable {
    private let nodes: JinjaNodes

    /// Parses `source`; throws `JinjaError.syntax` naming the line and column of the first error.
    public init(source: String) throws {
        nodes = JinjaNodes(nodes: try JinjaParser.parse(source))
    }

    /// Renders with `context` as the top-level variables; `now` is what `strftime_now` formats.
    public func render(context: [String: JinjaValue], now: @escaping () -> Date = { Date() }) throws -> String {
        try JinjaEvaluator(now: now).render(nodes.nodes, context: context)
    }
}

/// The immutable parse tree (shared read-only between renders).
private final class JinjaNodes: @unchecked Sendable {
    let nodes: [JinjaNode]

    init(nodes: [JinjaNode]) {
        self.nodes = nodes
    }
}
