import Foundation
import FlintModels
import FlintSupport
import FlintText

/// The JSON of OpenAI's chat and text completion responses and stream chunks, key order as OpenAI sends them.
struct CompletionJSON {
    /// `chatcmpl-…` or `cmpl-…`.
    let id: String
    let created: Int
    let model: String
    let systemFingerprint: String
    let tokenizer: GGMLTokenizer

    init(prefix: String, model: ServedChatModel) {
        let alphabet = Array("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")
        id = prefix + String((0..<24).map { _ in alphabet.randomElement()! })
        created = Int(Date().timeIntervalSince1970)
        self.model = model.name
        systemFingerprint = "flint-\(ServeVersion.current)-\(model.version)"
        tokenizer = model.model.tokenizer
    }

    func envelope(object: String, choices: String, usage: String?) -> String {
        var fields: [(String, String)] = [
            ("id", JSONText.quoted(id)), ("object", JSONText.quoted(object)), ("created", JSONText.number(created)),
            ("model", JSONText.quoted(model)), ("system_fingerprint", JSONText.quoted(systemFingerprint)), ("choices", choices),
        ]
        if let usage { fields.append(("usage", usage)) }
        return JSONText.object(fields)
    }

    /// `usage` with `prompt_tokens_details.cached_tokens`.
    static func usage(prompt: Int, completion: Int, cached: Int) -> String {
        JSONText.object([
            ("prompt_tokens", JSONText.number(prompt)), ("completion_tokens", JSONText.number(completion)),
            ("total_tokens", JSONText.number(prompt + completion)),
            ("prompt_tokens_details", JSONText.object([("cached_tokens", JSONText.number(cached))])),
        ])
    }

    /// Usage over choices ordered prompt by prompt, `choicesPerPrompt` each: each prompt counted once.
    static func usage(_ results: [ChoiceResult], choicesPerPrompt: Int) -> String {
        var prompt = 0, cached = 0
        for first in stride(from: 0, to: results.count, by: max(1, choicesPerPrompt)) {
            prompt += results[first].promptTokens
            cached += results[first].cachedTokens
        }
        return usage(prompt: prompt, completion: results.reduce(0) { $0 + $1.tokens.count }, cached: cached)
    }

    func piece(_ id: Int) -> (text: String, bytes: [UInt8]) {
        let bytes = (try? tokenizer.piece(for: id, special: true)).map(Array.init) ?? []
        return (String(decoding: bytes, as: UTF8.self), bytes)
    }

    /// Chat `logprobs`: `{"content": [{"token", "logprob", "bytes", "top_logprobs": […]}], "refusal": null}`.
    func chatLogprobs(_ tokens: [GeneratedToken]) -> String {
        func entry(_ id: Int, _ logprob: Float) -> [(String, String)] {
            let (text, bytes) = piece(id)
            return [("token", JSONText.quoted(text)), ("logprob", JSONText.number(logprob)), ("bytes", JSONText.array(bytes.map { JSONText.number($0) }))]
        }
        let content = tokens.map { token in
            JSONText.object(entry(token.id, token.logprob) + [("top_logprobs", JSONText.array(token.topLogprobs.map { JSONText.object(entry($0.id, $0.logprob)) }))])
        }
        return JSONText.object([("content", JSONText.array(content)), ("refusal", "null")])
    }

    /// Legacy completion `logprobs`: `{"tokens", "token_logprobs", "top_logprobs": [{token: logprob}], "text_offset"}`.
    func completionLogprobs(_ tokens: [GeneratedToken], offset: Int) -> String {
        var offsets = [String](), position = offset
        for token in tokens {
            offsets.append(JSONText.number(position))
            position += token.text.utf8.count
        }
        return JSONText.object([
            ("tokens", JSONText.array(tokens.map { JSONText.quoted(piece($0.id).text) })),
            ("token_logprobs", JSONText.array(tokens.map { JSONText.number($0.logprob) })),
            ("top_logprobs", JSONText.array(tokens.map { token in
                JSONText.object(token.topLogprobs.map { (piece($0.id).text, JSONText.number($0.logprob)) })
            })),
            ("text_offset", JSONText.array(offsets)),
        ])
    }
}
