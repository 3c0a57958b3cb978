import Foundation
import Testing
import Flint
import FlintNN
import FlintTestSupport
@testable import FlintModels

/// Autograd through the trainable BERT modules, checked against finite differences on a tiny
/// random model (hidden 8, 2 heads, 2 layers), and one optimisation step.
@Suite struct BertModelGradientTests {
    /// A padded batch of two sequences (the second has 2 padding positions) with segment ids.
    private static var batch: BertInputBatch { BertInputBatch(sequences: [[1, 5, 7, 9, 2, 4], [1, 3, 3, 2]],
                                              tokenTypeIds: [[0, 0, 0, 1, 1, 1], [0, 0, 1, 1]]) }

    private static func tinyModel(seed: UInt64, activation: String = "gelu") throws -> BertModel {
        try RandomGenerator.withScopedDefault(seed: seed) {
            try BertModel(configuration: BertModelTestFixtures.tinyConfiguration(activation: activation))
        }
    }

    /// Last hidden state of the real tokens and the pooled output, flattened together.
    private static func outputs(_ model: BertModel) -> Tensor {
        let output = model(inputIds: batch.inputIds, attentionMask: batch.attentionMask, tokenTypeIds: batch.tokenTypeIds)
        let hidden = output.lastHiddenState
        let realTokens = Tensor.concatenate([hidden.select(axis: 0, index: 0).flattened(),
                                             hidden.select(axis: 0, index: 1).narrow(axis: 0, start: 0, length: 4).flattened()], axis: 0)
        return Tensor.concatenate([realTokens, output.poolerOutput!.flattened()], axis: 0)
    }

    @Test(arguments: ["gelu", "gelu_new", "relu", "silu", "tanh", "quick_gelu"])
    func parameterGradientsMatchFiniteDifferences(activation: String) throws {
        let model = try Self.tinyModel(seed: 21, activation: activation)
        let layer0 = model.encoder.layers[0], layer1 = model.encoder.layers[1]
        let checked: [Tensor] = [
            model.embeddings.wordEmbeddings.weight, model.embeddings.tokenTypeEmbeddings.weight,
            model.embeddings.layerNorm.weight!, layer0.attention.selfAttention.query.weight,
            layer0.attention.selfAttention.key.bias!, layer0.attention.selfAttention.value.weight,
            layer1.attention.output.dense.weight, layer1.intermediate.dense.bias!, layer1.output.layerNorm.bias!,
            model.pooler!.dense.weight,
        ]
        // Finite differences cannot see that autograd holds the padding row's gradient at zero.
        let error = GradientCheck.maxError(checked, epsilon: 3e-3) { _ in Self.outputs(model) }
        #expect(error < 2e-3, "max error \(error)")
        let paddingRow = Array(model.embeddings.wordEmbeddings.weight.grad!.toArray()[0..<8])
        #expect(paddingRow.allSatisfy { $0 == 0 })
    }

    @Test func activationsFollowTheirConfigurationNames() throws {
        let x = Tensor([-1, 0.5, 2])
        func values(_ name: String) throws -> [Float] { try BertActivation(configurationName: name)(x).toArray() }
        // Hand-computed: x·Φ(x); ½x(1 + tanh(√(2/π)(x + 0.044715x³))); x·σ(1.702x).
        #expect(GradientCheck.allClose(try values("gelu"), [-0.15865525, 0.34573123, 1.9544997], tolerance: 1e-6))
        #expect(GradientCheck.allClose(try values("gelu_new"), [-0.15880801, 0.34571401, 1.9545977], tolerance: 1e-6))
        #expect(try values("gelu_pytorch_tanh") == values("gelu_new"))
        #expect(GradientCheck.allClose(try values("quick_gelu"), [-0.15420423, 0.35038844, 1.9356586], tolerance: 1e-6))
        #expect(try values("swish") == values("silu"))
        #expect(try values("relu") == [0, 0.5, 2])
        #expect(throws: FlintError.self) { try BertActivation(configurationName: "gelu_10") }
    }

    @Test func hiddenStateGradientsThroughMaskedLayersMatchFiniteDifferences() throws {
        let model = try Self.tinyModel(seed: 22)
        let hidden = GradientCheck.random([2, 6, 8], seed: 5)
        let mask = BertModel.additiveMask(Self.batch.attentionMask, inputShape: [2, 6])
        let error = GradientCheck.maxError([hidden], epsilon: 3e-3) { inputs in
            model.encoder(inputs[0], additiveMask: mask)
        }
        #expect(error < 2e-3, "max error \(error)")
        // Padding keys do not influence real tokens: the gradient into the padded positions of
        // sequence 2 from its real rows alone is zero.
        hidden.zeroGrad()
        let out = model.encoder(hidden, additiveMask: mask)
        out.select(axis: 0, index: 1).narrow(axis: 0, start: 0, length: 4).sum().backward()
        let g = hidden.grad!.toArray()
        #expect(Array(g[(6 + 4) * 8..<(12 * 8)]).allSatisfy { $0 == 0 })
    }

    @Test func classifierLossGradientsMatchFiniteDifferences() throws {
        let model = try RandomGenerator.withScopedDefault(seed: 23) {
            try BertForSequenceClassification(configuration: BertModelTestFixtures.tinyConfiguration(labels: 3))
        }
        let labels = Tensor(integers: [2, 0])
        let batch = Self.batch
        let error = try GradientCheck.maxError([model.classifier.weight, model.bert.encoder.layers[1].output.dense.weight],
                                           epsilon: 3e-3) { _ in
            try model.loss(logits: model(inputIds: batch.inputIds, attentionMask: batch.attentionMask), labels: labels)
        }
        #expect(error < 2e-3, "max error \(error)")
    }

    @Test func oneAdamWStepLowersTheLoss() throws {
        let model = try RandomGenerator.withScopedDefault(seed: 24) {
            try BertForSequenceClassification(configuration: BertModelTestFixtures.tinyConfiguration(labels: 3))
        }
        model.train()
        let batch = BertInputBatch(sequences: [[1, 5, 7, 9, 2], [1, 3, 3, 2], [1, 11, 2], [1, 8, 8, 8, 8, 2]])
        let labels = Tensor(integers: [0, 1, 2, 1])
        func loss() throws -> Tensor {
            try model.loss(logits: model(inputIds: batch.inputIds, attentionMask: batch.attentionMask), labels: labels)
        }
        let optimizer = AdamW(parameters: model.parameters(), learningRate: 1e-2)
        let before = try loss()
        before.backward()
        #expect(model.parameters().allSatisfy { $0.grad != nil })
        optimizer.step()
        optimizer.zeroGrad()
        let after = try withNoGrad { try loss() }.item()
        #expect(after < before.item() - 1e-3, "loss \(before.item()) → \(after)")
    }

    @Test func attentionMasksOfAnyDtypeAgree() throws {
        let model = try Self.tinyModel(seed: 26).eval()
        let batch = Self.batch
        let reference = withNoGrad { model(inputIds: batch.inputIds, attentionMask: batch.attentionMask).lastHiddenState.toArray() }
        for dtype in [DType.float32, .int32, .bool] {
            let mask = batch.attentionMask.to(dtype)
            let hidden = withNoGrad { model(inputIds: batch.inputIds.to(.int32), attentionMask: mask).lastHiddenState.toArray() }
            #expect(hidden == reference, "\(dtype)")
        }
        // Without a mask the padding is attended to, so the short sequence changes.
        let unmasked = withNoGrad { model(inputIds: batch.inputIds).lastHiddenState.toArray() }
        #expect(Array(unmasked[48..<56]) != Array(reference[48..<56]))
        #expect(Array(unmasked[0..<48]) == Array(reference[0..<48]))
    }

    @Test func dropoutIsActiveOnlyInTrainingMode() throws {
        var configuration = BertModelTestFixtures.tinyConfiguration()
        configuration.hiddenDropoutProbability = 0.5
        configuration.attentionDropoutProbability = 0.5
        let model = try RandomGenerator.withScopedDefault(seed: 25) { try BertModel(configuration: configuration) }
        let ids = Tensor(integers: [1, 5, 7, 2], shape: [1, 4])
        model.eval()
        let first = withNoGrad { model(inputIds: ids).lastHiddenState.toArray() }
        #expect(first == withNoGrad { model(inputIds: ids).lastHiddenState.toArray() })
        model.train()
        let trained = withNoGrad { model(inputIds: ids).lastHiddenState.toArray() }
        #expect(trained != first)
    }

    /// BERT's two-input blocks (residual outputs, attention with a mask, the tied MLM head) are not
    /// UnaryLayers: calling one with a single tensor does not compile (it used to stop the process with
    /// "subclasses must override forward"); the single-input models are.
    @Test func onlySingleInputBlocksAreUnaryLayers() throws {
        let model = try Self.tinyModel(seed: 1)
        let layer = model.encoder.layers[0]
        let twoInput: [Module] = [layer.attention, layer.attention.output, layer.output]
        #expect(twoInput.allSatisfy { !($0 is any UnaryLayer) })
        let oneInput: [Module] = [model, model.embeddings, model.encoder, layer, layer.intermediate, layer.attention.selfAttention]
        #expect(oneInput.allSatisfy { $0 is any UnaryLayer })
    }
}
