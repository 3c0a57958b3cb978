import Foundation
import Testing
import Flint
import FlintNN
import FlintTestSupport
@testable import FlintModels

/// BertForMaskedLM: Hugging Face's names, the head's values against a hand computation, the
/// masked-rows-only loss against full logits, finite-difference gradients (the tied word-embedding
/// table gets the sum of both uses' gradients), loading and saving.
@Suite struct BertForMaskedLMTests {
    /// Two unpadded sequences without the padding id 0 (so finite differences on the word table see
    /// exactly what autograd sees).
    private static let inputIds = Tensor(integers: [1, 5, 7, 9, 2, 4, 1, 3, 3, 2, 11, 19], shape: [2, 6])
    /// Labels: predicted at 4 positions (one of them token 0, the padding row of the word table), −100 elsewhere.
    private static let labels = Tensor(integers: [-100, 6, -100, -100, 0, -100, -100, -100, 13, -100, -100, 5], shape: [2, 6])

    /// A tiny model whose head parameters are not at their initial 0 / 1 values.
    private static func tinyModel(seed: UInt64) throws -> BertForMaskedLM {
        let model = try RandomGenerator.withScopedDefault(seed: seed) {
            try BertForMaskedLM(configuration: BertModelTestFixtures.tinyConfiguration())
        }
        let predictions = model.cls.predictions
        for (index, tensor) in [predictions.bias, predictions.transform.layerNorm.weight!, predictions.transform.layerNorm.bias!,
                                predictions.transform.dense.bias!].enumerated() {
            let values = GradientCheck.random(tensor.shape, seed: 90 + UInt64(index), low: -0.5, high: 0.5, requiresGrad: false)
            withNoGrad { tensor.copy(from: index == 1 ? values + 1 : values) }
        }
        return model
    }

    @Test func parameterNamesAreHuggingFaceNames() throws {
        let model = try Self.tinyModel(seed: 1)
        // transformers' BertForMaskedLM(tiny config).state_dict() keys, minus the tied
        // cls.predictions.decoder.weight / .bias (which save_pretrained leaves out too); no pooler.
        var expected = ["bert.embeddings.word_embeddings.weight", "bert.embeddings.position_embeddings.weight",
                        "bert.embeddings.token_type_embeddings.weight", "bert.embeddings.LayerNorm.weight",
                        "bert.embeddings.LayerNorm.bias"]
        for layer in 0..<2 {
            let prefix = "bert.encoder.layer.\(layer)."
            for name in ["attention.self.query", "attention.self.key", "attention.self.value", "attention.output.dense",
                         "attention.output.LayerNorm", "intermediate.dense", "output.dense", "output.LayerNorm"] {
                expected += [prefix + name + ".weight", prefix + name + ".bias"]
            }
        }
        expected += ["cls.predictions.bias", "cls.predictions.transform.dense.weight", "cls.predictions.transform.dense.bias",
                     "cls.predictions.transform.LayerNorm.weight", "cls.predictions.transform.LayerNorm.bias"]
        #expect(Set(model.stateDict().keys) == Set(expected))
        #expect(model.stateDictEntries().count == expected.count)
        #expect(model.stateDict()["cls.predictions.bias"]!.shape == [20])
        // The decoder weight is the word-embedding table itself, counted once among the parameters.
        #expect(model.decoderWeight === model.bert.embeddings.wordEmbeddings.weight)
        #expect(model.parameters().count == expected.count)
    }

    @Test func logitsMatchAHandComputationOfTheHead() throws {
        let model = try Self.tinyModel(seed: 2).eval()
        let (logits, hidden) = withNoGrad {
            (model(inputIds: Self.inputIds).toArray(), model.bert(inputIds: Self.inputIds).lastHiddenState.toArray())
        }
        let predictions = model.cls.predictions
        let w = predictions.transform.dense.weight.toArray(), b = predictions.transform.dense.bias!.toArray()
        let gamma = predictions.transform.layerNorm.weight!.toArray(), beta = predictions.transform.layerNorm.bias!.toArray()
        let table = model.bert.embeddings.wordEmbeddings.weight.toArray(), outputBias = predictions.bias.toArray()
        let h = 8, vocabulary = 20
        var worst = 0.0
        for row in 0..<12 {
            // t = LayerNorm(gelu(W·x + b)) with the exact erf GELU and ε = 1e-12, then t·Eᵀ + bias.
            var activated = [Double](repeating: 0, count: h)
            for i in 0..<h {
                var z = Double(b[i])
                for j in 0..<h { z += Double(w[i * h + j]) * Double(hidden[row * h + j]) }
                activated[i] = 0.5 * z * (1 + erf(z / 2.0.squareRoot()))
            }
            let mean = activated.reduce(0, +) / Double(h)
            let variance = activated.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(h)
            let t = (0..<h).map { (activated[$0] - mean) / (variance + 1e-12).squareRoot() * Double(gamma[$0]) + Double(beta[$0]) }
            for v in 0..<vocabulary {
                var logit = Double(outputBias[v])
                for j in 0..<h { logit += t[j] * Double(table[v * h + j]) }
                worst = max(worst, abs(logit - Double(logits[row * vocabulary + v])))
            }
        }
        #expect(worst < 1e-4, "max difference \(worst)")
    }

    @Test func maskedRowLossEqualsCrossEntropyOfTheFullLogits() throws {
        let model = try Self.tinyModel(seed: 3).eval()
        let mask = Tensor(integers: [1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0], shape: [2, 6])
        let (loss, full) = try withNoGrad {
            (try model.loss(inputIds: Self.inputIds, attentionMask: mask, labels: Self.labels).item(),
             try crossEntropy(logits: model(inputIds: Self.inputIds, attentionMask: mask).reshaped([-1, 20]),
                          targets: Self.labels.reshaped([-1]), ignoreIndex: -100).item())
        }
        #expect(abs(loss - full) < 1e-5, "\(loss) vs \(full)")
        // By hand from the full logits: mean over the 4 labelled rows of logsumexp − z[label].
        let logits = withNoGrad { model(inputIds: Self.inputIds, attentionMask: mask).toArray() }
        var sum = 0.0
        for (position, label) in [(1, 6), (4, 0), (8, 13), (11, 5)] {
            let row = logits[(position * 20)..<((position + 1) * 20)].map(Double.init)
            let top = row.max()!
            sum += top + log(row.map { exp($0 - top) }.reduce(0, +)) - row[label]
        }
        #expect(abs(Double(loss) - sum / 4) < 1e-5)
    }

    @Test func gradientsMatchFiniteDifferences() throws {
        let model = try Self.tinyModel(seed: 4)
        let predictions = model.cls.predictions
        let checked = [model.bert.embeddings.wordEmbeddings.weight, predictions.bias, predictions.transform.dense.weight,
                       predictions.transform.dense.bias!, predictions.transform.layerNorm.weight!,
                       predictions.transform.layerNorm.bias!, model.bert.encoder.layers[1].output.dense.weight]
        let error = try GradientCheck.maxError(checked, epsilon: 3e-3) { _ in
            try model.loss(inputIds: Self.inputIds, labels: Self.labels)
        }
        #expect(error < 2e-3, "max error \(error)")
        // Row 17 is neither an input nor a label: its gradient comes from the decoder's softmax alone.
        let embeddingGradient = model.bert.embeddings.wordEmbeddings.weight.grad!.toArray()
        #expect(embeddingGradient[(17 * 8)..<(18 * 8)].contains { $0 != 0 }, "decoder path reaches unused row 17")
    }

    @Test func tiedTableGradientIsTheSumOfTheLookupAndDecoderGradients() throws {
        let model = try Self.tinyModel(seed: 5)
        let table = model.bert.embeddings.wordEmbeddings.weight
        model.zeroGrad()
        try model.loss(inputIds: Self.inputIds, labels: Self.labels).backward()
        let tied = table.grad!.toArray()

        // The same computation with the decoder reading a separate copy of the table.
        model.zeroGrad()
        let copy = withNoGrad { table.clone() }
        copy.requiresGrad = true
        let hidden = model.bert(inputIds: Self.inputIds).lastHiddenState.reshaped([-1, 8])
        let positions = Tensor(integers: [1, 4, 8, 11])
        let logits = model.cls.predictions(hidden.indexSelect(axis: 0, indices: positions), decoderWeight: copy)
        try crossEntropy(logits: logits, targets: Tensor(integers: [6, 0, 13, 5])).backward()
        let lookup = table.grad!.toArray(), decoder = copy.grad!.toArray()
        #expect(lookup.contains { $0 != 0 } && decoder.contains { $0 != 0 })
        let sum = zip(lookup, decoder).map { $0 + $1 }
        #expect(GradientCheck.allClose(tied, sum, tolerance: 1e-5))
        #expect(!GradientCheck.allClose(tied, decoder, tolerance: 1e-5) && !GradientCheck.allClose(tied, lookup, tolerance: 1e-5))
    }

    @Test func savedFolderLoadsBackAndTiedDecoderKeysAreIgnored() throws {
        let model = try Self.tinyModel(seed: 6)
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("flint-mlm-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        try model.savePretrained(to: folder)
        let config = try String(contentsOf: folder.appendingPathComponent("config.json"), encoding: .utf8)
        #expect(config.contains("\"BertForMaskedLM\""))
        var weights = try SafeTensorsFile(contentsOf: folder.appendingPathComponent("model.safetensors")).loadAll()
        #expect(Set(weights.keys) == Set(model.stateDict().keys))
        // A transformers state dict also has the tied decoder keys and may carry a pooler.
        weights["cls.predictions.decoder.weight"] = weights["bert.embeddings.word_embeddings.weight"]
        weights["cls.predictions.decoder.bias"] = weights["cls.predictions.bias"]
        weights["bert.pooler.dense.weight"] = Tensor.zeros([8, 8])
        let other = try Self.tinyModel(seed: 7)
        let report = try other.load(weights: weights)
        #expect(report.unexpectedKeys == ["bert.pooler.dense.weight"])
        #expect(report.initializedKeys.isEmpty)
        for (name, tensor) in model.stateDict() { #expect(other.stateDict()[name]!.toArray() == tensor.toArray(), "\(name)") }
        // An encoder checkpoint (no cls.*) keeps the initialised head.
        let encoderOnly = weights.filter { $0.key.hasPrefix("bert.") }
        let fresh = try Self.tinyModel(seed: 8)
        let encoderReport = try fresh.load(weights: encoderOnly)
        #expect(encoderReport.initializedKeys.count == 5)
        #expect(throws: StateDictError.self) { try fresh.load(weights: weights.filter { $0.key != "bert.embeddings.LayerNorm.bias" }) }
    }
}
