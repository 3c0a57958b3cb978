import Foundation
import FlintModels
import FlintText

/// The sampling fields shared by `/v1/chat/completions` and `/v1/completions`, read from an OpenAI request body
/// and checked as OpenAI checks them (400 naming the parameter). Fields OpenAI does not have follow llama-server:
/// `top_k`, `min_p`, `repeat_penalty`, `ignore_eos`. `response_format` (`json_object`, `json_schema`) constrains
/// sampling to valid JSON (FlintModels' ``ResponseFormat``). Where the body is silent, llama-server's defaults apply
/// (temperature 0.8, top_k 40, top_p 0.95, min_p 0.05); generation runs until an end-of-generation token, a
/// stop string, `max_tokens` or the end of the context.
struct GenerationRequest {
    var model: String?
    var parameters = SamplingParameters()
    /// Choices per prompt (`n`).
    var choices = 1
    var stream = false
    /// `stream_options.include_usage`.
    var includeUsage = false
    /// Whether per-token log-probabilities are returned, and how many alternatives per token.
    var logprobs = false
    var topLogprobs = 0

    /// Reads the shared fields of `object`. `legacyLogprobs`: `/v1/completions`' integer `logprobs`.
    init(_ object: [String: Any], model languageModel: LanguageModel, legacyLogprobs: Bool) throws {
        let body = Fields(object: object)
        model = try body.string("model")
        var p = SamplingParameters()
        if let value = try body.number("temperature") {
            guard (0...2).contains(value) else { throw APIError.invalidParameter("temperature", "temperature: must be between 0 and 2 (got \(value))") }
            p.temperature = Float(value)
        }
        if let value = try body.number("top_p") {
            guard (0...1).contains(value) else { throw APIError.invalidParameter("top_p", "top_p: must be between 0 and 1 (got \(value))") }
            // top_p 0 keeps only the most likely token, as OpenAI documents it.
            p.topP = value == 0 ? .leastNonzeroMagnitude : Float(value)
        }
        if let value = try body.integer("top_k") {
            guard value >= 0 else { throw APIError.invalidParameter("top_k", "top_k: must be ≥ 0 (got \(value))") }
            p.topK = value
        }
        if let value = try body.number("min_p") {
            guard (0...1).contains(value) else { throw APIError.invalidParameter("min_p", "min_p: must be between 0 and 1 (got \(value))") }
            p.minP = Float(value)
        }
        if let value = try body.number("repeat_penalty") {
            guard value > 0 && value <= 10 else { throw APIError.invalidParameter("repeat_penalty", "repeat_penalty: must be in (0, 10] (got \(value))") }
            p.repetitionPenalty = Float(value)
        }
        for key in ["presence_penalty", "frequency_penalty"] {
            guard let value = try body.number(key) else { continue }
            guard (-2...2).contains(value) else { throw APIError.invalidParameter(key, "\(key): must be between -2 and 2 (got \(value))") }
            if key == "presence_penalty" { p.presencePenalty = Float(value) } else { p.frequencyPenalty = Float(value) }
        }
        if let value = try body.integer("seed") {
            p.seed = UInt64(bitPattern: Int64(value))
        } else {
            p.seed = UInt64.random(in: 0...UInt64.max)
        }
        // max_completion_tokens is the newer name of max_tokens; either bounds the answer.
        var limit: Int?
        for key in ["max_tokens", "max_completion_tokens"] {
            guard let value = try body.integer(key) else { continue }
            guard value >= 1 else { throw APIError.invalidParameter(key, "\(key): must be ≥ 1 (got \(value))") }
            limit = min(limit ?? value, value)
        }
        p.maxTokens = limit ?? languageModel.contextSize
        if let raw = object["stop"], !(raw is NSNull) {
            let stops: [String]
            if let single = raw as? String { stops = [single] }
            else if let list = raw as? [Any], list.allSatisfy({ $0 is String }) { stops = list as! [String] }
            else { throw APIError.invalidParameter("stop", "stop: must be a string or an array of strings, found \(JSONRequest.typeName(raw))", code: "invalid_type") }
            guard stops.count <= 16 else { throw APIError.invalidParameter("stop", "stop: at most 16 strings (got \(stops.count))") }
            guard !stops.contains(where: \.isEmpty) else { throw APIError.invalidParameter("stop", "stop: strings must not be empty") }
            p.stop = stops
        }
        if let raw = object["logit_bias"], !(raw is NSNull) {
            guard let map = raw as? [String: Any] else {
                throw APIError.invalidParameter("logit_bias", "logit_bias: must be an object mapping token ids to biases", code: "invalid_type")
            }
            let vocabulary = languageModel.model.configuration.vocabularySize
            for (key, value) in map {
                guard let id = Int(key), id >= 0, id < vocabulary else {
                    throw APIError.invalidParameter("logit_bias", "logit_bias: '\(key)' is not a token id of this model (0..<\(vocabulary))")
                }
                guard let number = value as? NSNumber, !JSONRequest.isBoolean(number), (-100...100).contains(number.doubleValue) else {
                    throw APIError.invalidParameter("logit_bias", "logit_bias: the bias of token \(key) must be a number between -100 and 100")
                }
                // -100 bans the token, as OpenAI documents.
                p.logitBias[id] = number.doubleValue <= -100 ? -.infinity : Float(number.doubleValue)
            }
        }
        if try body.boolean("ignore_eos") == true {
            for id in languageModel.tokenizer.endOfGeneration { p.logitBias[id] = -.infinity }
        }
        if let value = try body.integer("n") {
            guard (1...16).contains(value) else { throw APIError.invalidParameter("n", "n: must be between 1 and 16 (got \(value))") }
            choices = value
        }
        stream = try body.boolean("stream") ?? false
        if let raw = object["stream_options"], !(raw is NSNull) {
            guard let options = raw as? [String: Any] else {
                throw APIError.invalidParameter("stream_options", "stream_options: must be an object", code: "invalid_type")
            }
            guard stream else { throw APIError.invalidParameter("stream_options", "stream_options: only allowed when stream is true") }
            includeUsage = try Fields(object: options, prefix: "stream_options.").boolean("include_usage") ?? false
        }
        if legacyLogprobs {
            if let value = try body.integer("logprobs") {
                guard (0...5).contains(value) else { throw APIError.invalidParameter("logprobs", "logprobs: must be between 0 and 5 (got \(value))") }
                logprobs = true
                topLogprobs = value
            }
        } else {
            logprobs = try body.boolean("logprobs") ?? false
            if let value = try body.integer("top_logprobs") {
                guard (0...20).contains(value) else { throw APIError.invalidParameter("top_logprobs", "top_logprobs: must be between 0 and 20 (got \(value))") }
                guard logprobs else { throw APIError.invalidParameter("top_logprobs", "top_logprobs: requires logprobs to be true") }
                topLogprobs = value
            }
        }
        if let raw = object["response_format"], !(raw is NSNull) {
            // JSON mode: sampling masked by a JSON grammar (json_object) or a schema (json_schema).
            do {
                p.responseFormat = try ResponseFormat(json: raw)
            } catch let error as ResponseFormatError {
                throw APIError.invalidParameter(error.path, "\(error)")
            }
        }
        if let message = p.validationError { throw APIError.invalidParameter(String(message.prefix { $0 != ":" }), message) }
        parameters = p
    }

    /// Typed optional fields of a JSON object, with errors naming the parameter.
    struct Fields {
        let object: [String: Any]
        var prefix = ""

        func value(_ key: String) -> Any? {
            guard let value = object[key], !(value is NSNull) else { return nil }
            return value
        }

        func string(_ key: String) throws -> String? {
            guard let raw = value(key) else { return nil }
            guard let text = raw as? String else { throw typeError(key, "a string", raw) }
            return text
        }

        func number(_ key: String) throws -> Double? {
            guard let raw = value(key) else { return nil }
            guard let number = raw as? NSNumber, !JSONRequest.isBoolean(number), number.doubleValue.isFinite else { throw typeError(key, "a number", raw) }
            return number.doubleValue
        }

        func integer(_ key: String) throws -> Int? {
            guard let raw = value(key) else { return nil }
            guard let number = raw as? NSNumber, !JSONRequest.isBoolean(number), let integer = Int(exactly: number.doubleValue) else {
                throw typeError(key, "an integer", raw)
            }
            return integer
        }

        func boolean(_ key: String) throws -> Bool? {
            guard let raw = value(key) else { return nil }
            guard let number = raw as? NSNumber, JSONRequest.isBoolean(number) else { throw typeError(key, "a boolean", raw) }
            return number.boolValue
        }

        func typeError(_ key: String, _ expected: String, _ found: Any) -> APIError {
            APIError.invalidParameter(prefix + key, "\(prefix + key): must be \(expected), found \(JSONRequest.typeName(found))", code: "invalid_type")
        }
    }
}

/// The conversation of a `/v1/chat/completions` body: `messages` (roles system, developer, user, assistant, tool;
/// content a string, an array of text parts joined with newlines as llama-server joins them, or null for an
/// assistant message with tool calls) and `tools`, as the chat template reads them.
struct ChatConversation {
    var messages: [JinjaValue]
    var tools: [JinjaValue]?

    static let roles: Set<String> = ["system", "developer", "user", "assistant", "tool", "function"]

    init(_ object: [String: Any]) throws {
        guard let raw = object["messages"], !(raw is NSNull) else {
            throw APIError.invalidParameter("messages", "messages: required", code: "missing_required_parameter")
        }
        guard let list = raw as? [Any] else {
            throw APIError.invalidParameter("messages", "messages: must be an array, found \(JSONRequest.typeName(raw))", code: "invalid_type")
        }
        if list.isEmpty { throw APIError.invalidParameter("messages", "messages: must contain at least one message", code: "empty_array") }
        messages = try list.enumerated().map { index, item in
            let field = "messages[\(index)]"
            guard var message = item as? [String: Any] else {
                throw APIError.invalidParameter(field, "\(field): must be an object, found \(JSONRequest.typeName(item))", code: "invalid_type")
            }
            guard let role = message["role"] as? String else {
                throw APIError.invalidParameter("\(field).role", "\(field).role: required, one of \(Self.roles.sorted().joined(separator: ", "))")
            }
            guard Self.roles.contains(role) else {
                throw APIError.invalidParameter("\(field).role", "\(field).role: '\(role)' is not one of \(Self.roles.sorted().joined(separator: ", "))")
            }
            // OpenAI's newer `developer` role is the system message of templates that predate it.
            if role == "developer" { message["role"] = "system" }
            let content = message["content"]
            switch content {
            case nil, is NSNull:
                guard role == "assistant" || role == "tool" else {
                    throw APIError.invalidParameter("\(field).content", "\(field).content: required for a \(role) message")
                }
                if role == "assistant", message["tool_calls"] == nil {
                    throw APIError.invalidParameter("\(field).content", "\(field).content: required for an assistant message without tool_calls")
                }
                message["content"] = ""
            case is String:
                break
            case let parts as [Any]:
                var texts = [String]()
                for (p, part) in parts.enumerated() {
                    guard let object = part as? [String: Any], let type = object["type"] as? String else {
                        throw APIError.invalidParameter("\(field).content[\(p)]", "\(field).content[\(p)]: must be an object with a type")
                    }
                    guard type == "text", let text = object["text"] as? String else {
                        throw APIError.invalidParameter("\(field).content[\(p)].type",
                            "\(field).content[\(p)]: only text parts ({\"type\": \"text\", \"text\": \"…\"}) are supported, found '\(type)'")
                    }
                    texts.append(text)
                }
                message["content"] = texts.joined(separator: "\n")
            default:
                throw APIError.invalidParameter("\(field).content", "\(field).content: must be a string or an array of text parts, found \(JSONRequest.typeName(content!))",
                                                code: "invalid_type")
            }
            return try Self.jinja(message, field: field)
        }
        if let raw = object["tools"], !(raw is NSNull) {
            guard let list = raw as? [Any] else {
                throw APIError.invalidParameter("tools", "tools: must be an array, found \(JSONRequest.typeName(raw))", code: "invalid_type")
            }
            tools = try list.enumerated().map { try Self.jinja($1, field: "tools[\($0)]") }
        }
    }

    /// A JSON value as the template sees it.
    static func jinja(_ value: Any, field: String) throws -> JinjaValue {
        do {
            let data = try JSONSerialization.data(withJSONObject: value, options: [.fragmentsAllowed])
            return try JinjaValue(json: String(decoding: data, as: UTF8.self))
        } catch {
            throw APIError.invalidParameter(field, "\(field): not a JSON value a template can read")
        }
    }
}
