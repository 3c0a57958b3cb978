import Testing
import FlintModels

/// The sampler's steps against hand-derived results, and stop strings across token boundaries.
@Suite struct SamplerTests {
    static func sampler(_ configure: (inout SamplingParameters) -> Void) -> Sampler {
        var parameters = SamplingParameters()
        configure(&parameters)
        return Sampler(parameters: parameters)
    }

    @Test func greedyTakesTheLargestLogitAndTheLowestIdOnTies() {
        var s = Self.sampler { $0.temperature = 0 }
        #expect(s.sample([0.1, 3, -2, 3]) == 1)
    }

    @Test func logitBiasAndBansApplyFirst() {
        var s = Self.sampler { $0.temperature = 0; $0.logitBias = [1: -.infinity, 2: 5] }
        #expect(s.sample([0.1, 3, -2, 0]) == 2)
    }

    /// Repetition penalty 2 halves a seen positive logit (3 → 1.5) and doubles a seen negative one;
    /// frequency 1 and presence 0.5 subtract count·1 + 0.5.
    @Test func penaltiesFollowLlamaCpp() {
        var s = Self.sampler { $0.temperature = 0; $0.repetitionPenalty = 2 }
        s.observe([1])
        #expect(s.sample([0, 3, 2]) == 2)  // 3/2 = 1.5 < 2
        var f = Self.sampler { $0.temperature = 0; $0.frequencyPenalty = 1; $0.presencePenalty = 0.5 }
        f.observe([0, 0])
        #expect(f.sample([4, 1.6, 0]) == 1)  // 4 − 2·1 − 0.5 = 1.5 < 1.6
    }

    /// top-k 1 and min-p 1 both leave only the best token, whatever the temperature and seed.
    @Test func truncationLeavesOnlyTheBest() {
        for seed in 0..<20 as Range<UInt64> {
            var k = Self.sampler { $0.temperature = 5; $0.topK = 1; $0.seed = seed }
            #expect(k.sample([1, 2, 1.9, 0]) == 1)
            var m = Self.sampler { $0.temperature = 5; $0.topK = 0; $0.topP = 1; $0.minP = 1; $0.seed = seed }
            #expect(m.sample([1, 2, 1.9, 0]) == 1)
        }
    }

    /// top-p 0.5 on probabilities (0.6, 0.3, 0.1) keeps only the first; 0.7 keeps two.
    @Test func topPKeepsTheSmallestSetReachingP() {
        let logits = [0.6, 0.3, 0.1].map { Float(Foundation.log($0)) }
        var seen = Set<Int>()
        for seed in 0..<200 as Range<UInt64> {
            var s = Self.sampler { $0.temperature = 1; $0.topK = 0; $0.minP = 0; $0.topP = 0.5; $0.seed = seed }
            seen.insert(s.sample(logits))
        }
        #expect(seen == [0])
        seen = []
        for seed in 0..<200 as Range<UInt64> {
            var s = Self.sampler { $0.temperature = 1; $0.topK = 0; $0.minP = 0; $0.topP = 0.7; $0.seed = seed }
            seen.insert(s.sample(logits))
        }
        #expect(seen == [0, 1])
    }

    /// Same seed → same draws; the draw frequencies follow softmax(logits / T) (binomial bounds, 6 σ).
    @Test func drawsAreSeededAndFollowTheDistribution() {
        let logits: [Float] = [0, Foundation.log(3)]  // p = (0.25, 0.75) at T = 1
        var a = Self.sampler { $0.topK = 0; $0.topP = 1; $0.minP = 0; $0.temperature = 1; $0.seed = 9 }
        var b = Self.sampler { $0.topK = 0; $0.topP = 1; $0.minP = 0; $0.temperature = 1; $0.seed = 9 }
        let drawsA = (0..<4000).map { _ in a.sample(logits) }
        #expect(drawsA == (0..<4000).map { _ in b.sample(logits) })
        let ones = Double(drawsA.filter { $0 == 1 }.count)
        let sigma = (4000 * 0.75 * 0.25).squareRoot()
        #expect(abs(ones - 3000) < 6 * sigma, "\(ones) of 4000")
    }

    @Test func partialSelectionAgreesWithASort() {
        var generator = SystemRandomNumberGenerator()
        let logits = (0..<5000).map { _ in Float.random(in: -10...10, using: &generator) }
        var s = Self.sampler { $0.temperature = 0.7; $0.topK = 7; $0.topP = 1; $0.minP = 0 }
        let best7 = Set(logits.enumerated().sorted { $0.element > $1.element }.prefix(7).map(\.offset))
        for _ in 0..<200 { #expect(best7.contains(s.sample(logits))) }
    }

    @Test func invalidParametersAreNamed() {
        var p = SamplingParameters()
        p.topP = 0
        #expect(p.validationError?.hasPrefix("top_p") == true)
        p = SamplingParameters(); p.temperature = -1
        #expect(p.validationError?.hasPrefix("temperature") == true)
        p = SamplingParameters(); p.stop = [""]
        #expect(p.validationError?.hasPrefix("stop") == true)
        #expect(SamplingParameters().validationError == nil)
    }

    @Test func stopStringsSpanningTokensAreHeldBackAndCut() {
        var m = StopStringMatcher(stops: ["<|im_end|>", "\n\n"])
        var out = ""
        for piece in ["Hello", " world", "<|im", "_", "end", "|>", "never"] { out += m.append(piece) }
        #expect(out == "Hello world" && m.stopped)
        var n = StopStringMatcher(stops: ["STOP"])
        out = ""
        for piece in ["ST", "OR", "E ", "S", "T"] { out += n.append(piece) }
        out += n.finish()
        #expect(out == "STORE ST" && !n.stopped)
        var e = StopStringMatcher(stops: ["\n\n"])
        #expect(e.append("x\n") == "x")
        #expect(e.append("\nc") == "" && e.stopped)
    }
}

import Foundation
