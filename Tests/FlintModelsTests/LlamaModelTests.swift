import Foundation
import Testing
import Flint
@testable import FlintModels
import FlintTestSupport

/// SmolLM2-135M-Instruct (Q4_1 GGUF) on Flint's engine against the reference greedy generations of
/// ../shared/fixtures/smollm2 (copied to Fixtures/smollm2: prompt ids, first-step top-5 logits, greedy ids).
@Suite struct LlamaModelTests {
    struct Reference: Decodable {
        struct Candidate: Decodable { let id: Int; let piece: String; let logit: Float }
        let prompt_ids: [Int]
        let first_step_top5: [Candidate]
        let greedy_ids: [Int]
    }

    static func reference(_ name: String) throws -> Reference {
        let url = try #require(Bundle.module.url(forResource: "Fixtures/smollm2/\(name)", withExtension: "json"))
        return try JSONDecoder().decode(Reference.self, from: Data(contentsOf: url))
    }

    static func argmax(_ values: [Float]) -> Int {
        var best = 0
        for i in values.indices where values[i] > values[best] { best = i }
        return best
    }

    @Test func configurationOfSmolLM2() throws {
        let model = try LlamaModel(path: try TestModels.smolLM2.path)
        let c = model.configuration
        #expect(c.architecture == "llama" && c.layerCount == 30 && c.embeddingLength == 576 && c.feedForwardLength == 1536)
        #expect(c.headCount == 9 && c.keyValueHeadCount == 3 && c.headDimension == 64 && c.vocabularySize == 49_152)
        #expect(c.ropeBase == 100_000 && c.contextLength == 8192 && c.rotaryStyle == .adjacentPairs)
        #expect(model.weights.tiedOutput && model.weights.output.type == .q8_0)
    }

    /// Greedy decoding of the "cats" prompt gives the reference's 21 ids, and the first step's top-5 logits
    /// are close to the reference's (which used float32 throughout; Flint quantizes activations to 8 bits
    /// per 32-value block for the integer dot products, as llama.cpp does — over 30 layers that moves logits
    /// near 29 by 0.31–0.50 depending on the summation order (measured with one and with four FMA chains per
    /// row), so the bound is 2% of the logit, 0.6; the comparison with llama.cpp's own logits is
    /// ``LlamaReferenceLogitsTests``).
    @Test func greedyCatsMatchesTheReference() throws {
        let reference = try Self.reference("numpy_reference_cats")
        let model = try LlamaModel(path: try TestModels.smolLM2.path)
        let cache = model.makeCache(capacity: 256)
        var logits = try model.forward([.init(cache: cache, tokens: reference.prompt_ids)])[0][0]
        for candidate in reference.first_step_top5 {
            #expect(abs(logits[candidate.id] - candidate.logit) < 0.6, "logit of \(candidate.piece): \(logits[candidate.id]) vs \(candidate.logit)")
        }
        var generated = [Int]()
        while generated.count < reference.greedy_ids.count {
            let next = Self.argmax(logits)
            generated.append(next)
            if next == 2 { break }
            logits = try model.forward([.init(cache: cache, tokens: [next])])[0][0]
        }
        #expect(generated == reference.greedy_ids)
    }

    /// Two sequences decoded in one forward pass give the same logits as each alone.
    @Test func batchedSequencesMatchSingleSequences() throws {
        let model = try LlamaModel(path: try TestModels.smolLM2.path)
        let a = [1, 9690, 198, 2683, 359, 253], b = [504, 3575, 282, 4649]
        let alone = [try model.forward([.init(cache: model.makeCache(capacity: 32), tokens: a)])[0][0],
                     try model.forward([.init(cache: model.makeCache(capacity: 32), tokens: b)])[0][0]]
        let together = try model.forward([.init(cache: model.makeCache(capacity: 32), tokens: a),
                                          .init(cache: model.makeCache(capacity: 32), tokens: b)])
        for (single, batched) in zip(alone, together.map { $0[0] }) {
            let difference = zip(single, batched).map { abs($0 - $1) }.max() ?? 0
            #expect(difference < 1e-3, "max |Δ| \(difference)")
            #expect(Self.argmax(single) == Self.argmax(batched))
        }
    }

    /// Prefill of n tokens then one decoding step gives the logits of prefilling n + 1 tokens.
    @Test func incrementalDecodingMatchesPrefill() throws {
        let model = try LlamaModel(path: try TestModels.smolLM2.path)
        let tokens = [1, 9690, 198, 2683, 359, 253, 5356, 5646]
        let full = try model.forward([.init(cache: model.makeCache(capacity: 16), tokens: tokens)])[0][0]
        let cache = model.makeCache(capacity: 16)
        _ = try model.forward([.init(cache: cache, tokens: Array(tokens.dropLast()), logits: .none)])
        let step = try model.forward([.init(cache: cache, tokens: [tokens.last!])])[0][0]
        let difference = zip(full, step).map { abs($0 - $1) }.max() ?? 0
        #expect(difference < 1e-3, "max |Δ| \(difference)")
    }

    /// A request longer than one pass (chunked prefill, here 8 rows a pass) gives the logits of one long pass,
    /// bit for bit: two sequences, every position's logits for one, the last and a `.from` range for the other.
    @Test func chunkedPrefillEqualsOnePass() throws {
        let model = try LlamaModel(path: try TestModels.smolLM2.path)
        let a = [1, 9690, 198, 2683, 359, 253, 5356, 5646, 28, 2683, 359, 253, 504], b = [504, 3575, 282, 4649, 30, 198, 9690]
        func run() throws -> [[[Float]]] {
            try model.forward([.init(cache: model.makeCache(capacity: 32), tokens: a, logits: .all),
                               .init(cache: model.makeCache(capacity: 32), tokens: b, logits: .from(3))])
        }
        let whole = try run()
        model.rowsPerPassOverride = 8
        defer { model.rowsPerPassOverride = nil }
        let pieces = try run()
        #expect(whole[0].count == a.count && whole[1].count == b.count - 3)
        #expect(pieces[0].count == whole[0].count && pieces[1].count == whole[1].count)
        #expect(pieces == whole)
        let last = try model.forward([.init(cache: model.makeCache(capacity: 32), tokens: a, logits: .last)])
        #expect(last[0].count == 1 && last[0][0] == whole[0][a.count - 1])
    }

    @Test func contextOverflowAndBadTokensAreErrors() throws {
        let model = try LlamaModel(path: try TestModels.smolLM2.path)
        let cache = model.makeCache(capacity: 4)
        #expect(throws: LlamaModel.ForwardError.contextFull(needed: 5, capacity: 4)) {
            try model.forward([.init(cache: cache, tokens: [1, 2, 3, 4, 5])])
        }
        #expect(throws: LlamaModel.ForwardError.tokenOutOfRange(49_152, vocabularySize: 49_152)) {
            try model.forward([.init(cache: cache, tokens: [49_152])])
        }
        #expect(cache.count == 0)
    }
}
