import Foundation
import Testing
import Flint
@testable import FlintModels

/// JSON mode end to end on the tiny random GGUF models (byte-level BPE and SentencePiece vocabularies): sampled
/// at temperature 1 over the whole vocabulary with many seeds, every output that ends is JSON that parses and
/// validates, and generation stops (finish reason `stop`) as soon as the value is complete. The same seeds
/// without the constraint give text that is not JSON, so the constraint is what makes it valid.
@Suite(.serialized) struct JSONModeGenerationTests {
    static let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/gguf-tiny")
    static let models = ["tiny-qwen2-bias", "tiny-llama-tied-gqa"]

    static func load(_ name: String) throws -> LanguageModel {
        try LanguageModel.load(folder.appendingPathComponent("\(name).gguf").path)
    }

    /// Bounded values only (enum, booleans, integers, short arrays): every sampled output must complete.
    static var bounded: [String: Any] {
        JSONSchemaTests.json("""
        {"type": "object", "required": ["mood", "count", "flags", "point"],
         "properties": {
           "mood": {"enum": ["happy", "sad", 3, null]},
           "count": {"type": "integer"},
           "flags": {"type": "array", "items": {"type": "boolean"}, "minItems": 1, "maxItems": 3},
           "point": {"type": "object", "properties": {"x": {"type": "number"}, "y": {"type": ["integer", "null"]}}, "required": ["x", "y"]}}}
        """)
    }

    static func parameters(seed: UInt64, format: ResponseFormat, maxTokens: Int = 200) -> SamplingParameters {
        var parameters = SamplingParameters()
        parameters.temperature = 1
        parameters.topK = 0
        parameters.topP = 1
        parameters.minP = 0
        parameters.seed = seed
        parameters.maxTokens = maxTokens
        parameters.responseFormat = format
        return parameters
    }

    @Test(arguments: models)
    func schemaOutputsAlwaysValidate(_ name: String) throws {
        let model = try Self.load(name)
        let format = ResponseFormat.jsonSchema(JSONSchemaFormat(name: "bounded", schema: try JSONSchemaSubset(schema: Self.bounded)))
        var texts = Set<String>()
        for seed in 1...24 as ClosedRange<UInt64> {
            let result = try model.complete(prompt: "Answer in JSON:", parameters: Self.parameters(seed: seed, format: format))
            #expect(result.finishReason == .stop, "seed \(seed): \(result.text)")
            // Stopped because the value is complete, not by an end-of-generation token.
            #expect(!model.tokenizer.isEndOfGeneration(result.tokenIds.last ?? -1), "seed \(seed)")
            let value = try JSONSerialization.jsonObject(with: Data(result.text.utf8))
            let problem = JSONSubsetValidator.violation(value, Self.bounded)
            #expect(problem == nil, "seed \(seed): \(problem ?? "") in \(result.text)")
            texts.insert(result.text)
        }
        #expect(texts.count >= 20)  // sampled, not one answer
    }

    /// Any JSON object: free strings and nesting often run past the token limit with a random model. Those that
    /// stop must parse as objects; those cut by the limit must still be prefixes the automaton accepts.
    @Test(arguments: models)
    func jsonObjectOutputsParse(_ name: String) throws {
        let model = try Self.load(name)
        var stopped = 0
        for seed in 1...24 as ClosedRange<UInt64> {
            let result = try model.complete(prompt: "Answer in JSON:", parameters: Self.parameters(seed: seed, format: .jsonObject, maxTokens: 240))
            if result.finishReason == .length {
                #expect(JSONGrammarStateTests.refusal(Array(result.text.utf8), .anyObject) == nil, "seed \(seed): \(result.text.debugDescription)")
                continue
            }
            stopped += 1
            let value = try? JSONSerialization.jsonObject(with: Data(result.text.utf8))
            #expect(value is [String: Any], "seed \(seed): \(result.text.debugDescription)")
        }
        #expect(stopped >= 2, "\(stopped) of 24 stopped")
    }

    /// Without the constraint the same sampling gives text that is not JSON.
    @Test(arguments: models)
    func unconstrainedOutputsAreNotJSON(_ name: String) throws {
        let model = try Self.load(name)
        var parsed = 0
        for seed in 1...8 as ClosedRange<UInt64> {
            let result = try model.complete(prompt: "Answer in JSON:", parameters: Self.parameters(seed: seed, format: .text, maxTokens: 40))
            if (try? JSONSerialization.jsonObject(with: Data(result.text.utf8))) != nil { parsed += 1 }
        }
        #expect(parsed == 0)
    }

    /// Greedy decoding and the streamed text: the tokens' texts add up to the JSON, the last step says stop.
    @Test func greedyStreamsValidJSON() throws {
        let model = try Self.load("tiny-qwen2-bias")
        var parameters = SamplingParameters.greedy
        parameters.maxTokens = 200
        parameters.responseFormat = .jsonSchema(JSONSchemaFormat(name: "bounded", schema: try JSONSchemaSubset(schema: Self.bounded)))
        var streamed = ""
        var reasons: [FinishReason?] = []
        let result = try model.complete(prompt: "Answer in JSON:", parameters: parameters) { token in
            streamed += token.text
            reasons.append(token.finishReason)
            return true
        }
        #expect(streamed == result.text && reasons.last == .stop && reasons.dropLast().allSatisfy { $0 == nil })
        let value = try JSONSerialization.jsonObject(with: Data(result.text.utf8))
        #expect(JSONSubsetValidator.violation(value, Self.bounded) == nil)
    }

    /// The mask itself: tokens the automaton refuses get −∞, the rest keep their logits; end-of-generation tokens
    /// only once the value can end.
    @Test func maskKeepsExactlyTheAllowedTokens() throws {
        let model = try Self.load("tiny-qwen2-bias")
        let tokenizer = model.tokenizer
        var mask = JSONTokenMask(schema: .anyObject, tokenizer: tokenizer)
        var logits = (0..<tokenizer.count).map { Float($0 % 7) }
        mask.maskAll(&logits)
        let allowed = logits.indices.filter { logits[$0] > -.infinity }
        #expect(!allowed.isEmpty)
        for id in 0..<tokenizer.count {
            let piece = Array(try tokenizer.piece(for: id, special: false))
            let expected = !tokenizer.isEndOfGeneration(id) && !piece.isEmpty
                && JSONGrammarStateTests.refusal(piece, .anyObject) == nil
            #expect((logits[id] > -.infinity) == expected, "token \(id) \(piece)")
            if expected { #expect(logits[id] == Float(id % 7)) }
        }
        // Inside a string (the mask tries the string's frame alone first) and inside a key: the same rule.
        for prefix in ["{\"key\": \"ab", "{\"k\\u00", "{\"a\": [1, \"\\n"] {
            var inside = JSONTokenMask(schema: .anyObject, tokenizer: tokenizer)
            let prefixBytes = Array(prefix.utf8)
            for id in tokenizer.encode(prefix, addSpecial: false, parseSpecial: false) {
                let advanced = inside.advance(id)
                #expect(advanced, "\(prefix)")
            }
            var row = [Float](repeating: 1, count: tokenizer.count)
            inside.maskAll(&row)
            var allowedCount = 0
            for id in 0..<tokenizer.count {
                let piece = Array(try tokenizer.piece(for: id, special: false))
                let expected = !tokenizer.isEndOfGeneration(id) && !piece.isEmpty
                    && JSONGrammarStateTests.refusal(prefixBytes + piece, .anyObject) == nil
                #expect((row[id] > -.infinity) == expected, "\(prefix) + token \(id) \(piece)")
                if expected { allowedCount += 1 }
            }
            #expect(allowedCount > 10, "\(prefix)")
        }
        let brace = try #require(tokenizer.id(forTokenText: "{"))
        let close = try #require(tokenizer.id(forTokenText: "}"))
        let advancedOpen = mask.advance(brace)
        #expect(advancedOpen && !mask.isFinished)
        let advancedClose = mask.advance(close)
        #expect(advancedClose && mask.isFinished)
        var after = [Float](repeating: 0, count: tokenizer.count)
        mask.maskAll(&after)
        #expect(after.indices.filter { after[$0] > -.infinity } == tokenizer.endOfGeneration.sorted())
    }

    /// Trying candidates in logit order keeps exactly the k most likely tokens of the full mask (greedy: the
    /// best allowed one), along random walks through object, string and number states.
    @Test func logitOrderMatchesTheFullMask() throws {
        let model = try Self.load("tiny-qwen2-bias")
        let schema = try JSONSchemaSubset(schema: Self.bounded)
        var random = RandomGenerator(seed: 11)
        var compared = 0
        for (walk, format) in [(0, JSONSchemaSubset.anyObject), (1, schema), (2, .anyObject)] {
            var mask = JSONTokenMask(schema: format, tokenizer: model.tokenizer)
            for _ in 0..<60 where !mask.isFinished {
                let logits = (0..<model.tokenizer.count).map { _ in Float(random.nextInt(below: 64)) / 4 }  // ties on purpose
                var full = logits
                mask.maskAll(&full)
                let ranked = full.indices.filter { full[$0] > -.infinity }.sorted { (full[$0], -$0) > (full[$1], -$1) }
                for needed in [1, 40] {
                    var fast = logits
                    guard mask.maskInLogitOrder(&fast, needed: needed) else { continue }
                    compared += 1
                    let kept = fast.indices.filter { fast[$0] > -.infinity }
                    #expect(Set(kept) == Set(ranked.prefix(needed)), "walk \(walk)")
                    #expect(kept.allSatisfy { fast[$0] == logits[$0] })
                }
                // Go on with a random allowed token (end-of-generation ones aside).
                let choices = ranked.filter { !model.tokenizer.isEndOfGeneration($0) }
                guard !choices.isEmpty else { break }
                let advanced = mask.advance(choices[random.nextInt(below: choices.count)])
                #expect(advanced)
            }
        }
        #expect(compared >= 100)
    }
}
