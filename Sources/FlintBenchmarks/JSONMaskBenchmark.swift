import Foundation
import Flint
import FlintModels

/// The cost of JSON mode's token mask per generated token on a GGUF model's vocabulary (SmolLM2: 49,152
/// tokens), in three grammar states — inside a string of a JSON object, where a property name of a schema must
/// begin, and after a number — each measured three ways: the whole vocabulary (`JSONTokenMask.maskAll`, what
/// `--top-k 0` sampling needs), candidates in logit order for top-k 40 and for greedy decoding. The logits are
/// the model's own after a ChatML prompt asking for JSON and the state's text (the logit-order methods depend on
/// how many of the most likely tokens are allowed); `random_` rows repeat them on random logits (the worst case
/// for logit order: few likely tokens allowed, so it falls back to the whole vocabulary).
public enum JSONMaskBenchmark {
    /// Milliseconds per mask call, keyed `STATE/METHOD`.
    public static func runFlint(modelPath: String) throws -> [String: Any] {
        guard FileManager.default.fileExists(atPath: modelPath) else { throw BenchmarkError.missingFile(modelPath) }
        let model = try LanguageModel.load(modelPath, contextSize: 256)
        let tokenizer = model.tokenizer
        let weather = try JSONSchemaSubset(schema: [
            "type": "object", "required": ["city", "temperature_celsius", "conditions"],
            "properties": ["city": ["type": "string"], "temperature_celsius": ["type": "number"],
                           "conditions": ["enum": ["sunny", "cloudy", "rain", "snow"]]],
        ])
        let states: [(String, JSONSchemaSubset, String)] = [
            ("string", .anyObject, "{\"name\": \"Al"), ("key", weather, "{\"city\": \"Paris\", "), ("number", .anyObject, "{\"a\": 12"),
        ]
        var random = RandomGenerator(seed: 5)
        let randomLogits = (0..<tokenizer.count).map { _ in random.nextFloat() * 20 - 10 }
        let prompt = model.tokenize("<|im_start|>user\nWhat is the weather in Paris? Reply in JSON.<|im_end|>\n<|im_start|>assistant\n")
        var topK = SamplingParameters()
        topK.topK = 40
        var cases: [(String, () throws -> Void)] = []
        for (name, schema, prefix) in states {
            let prefixIds = tokenizer.encode(prefix, addSpecial: false, parseSpecial: false)
            let cache = model.model.makeCache(capacity: 256, precision: .float32)
            guard let modelLogits = try model.model.forward([.init(cache: cache, tokens: prompt + prefixIds, logits: .last)]).first?.first else {
                throw BenchmarkError.unusableInput("json-mask-flint: the model gave no logits for the \(name) state")
            }
            for (method, parameters) in [("whole-vocabulary", SamplingParameters?.none), ("top-k-40", topK), ("greedy", .greedy)] {
                var mask = JSONTokenMask(schema: schema, tokenizer: tokenizer, parameters: parameters ?? .greedy)
                for id in prefixIds where !mask.advance(id) {
                    throw BenchmarkError.unusableInput("json-mask-flint: the mask refused a token of \(prefix.debugDescription) with \(modelPath)'s tokenizer")
                }
                let start = mask
                for (label, logits) in [("", modelLogits), ("random_", randomLogits)] where parameters != nil || label.isEmpty {
                    cases.append(("\(label)\(name)/\(method)", {
                        var copy = start
                        var row = logits
                        if parameters == nil { copy.maskAll(&row) } else { copy.mask(&row) }
                    }))
                }
            }
        }
        let seconds = try BenchmarkTiming.interleaved(cases, rounds: 5, roundSeconds: 0.3)
        var result: [String: Any] = ["vocabulary": tokenizer.count]
        for (name, value) in seconds { result[name + "_ms"] = value * 1000 }
        return result
    }
}
