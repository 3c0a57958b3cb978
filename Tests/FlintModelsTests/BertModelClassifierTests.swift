import Foundation
import Testing
import Flint
import FlintNN
import FlintTestSupport
@testable import FlintModels

/// BertForSequenceClassification with MiniLM and a seeded head against transformers
/// (Fixtures/bert_classifier_reference.json, made by scripts/fixtures/make_bert_classifier_reference.py).
@Suite struct BertModelClassifierTests {
    nonisolated(unsafe) private static let reference = BertModelTestFixtures.json("bert_classifier_reference")

    private static func ints(_ value: Any?) -> [Int] {
        ((value as? [[Int]]) ?? []).flatMap { $0 }
    }

    /// MiniLM (no prefix) plus the fixture's head (`classifier.*`), loaded as one checkpoint.
    private static func classifier(labels: Int, head: [String: Any]) throws -> BertForSequenceClassification {
        var configuration = try BertModelTestFixtures.configuration
        configuration.labelCount = labels
        if labels == 3 { configuration.idToLabel = [0: "negative", 1: "neutral", 2: "positive"] }
        var weights = try BertModelTestFixtures.weights
        weights["classifier.weight"] = Tensor(BertModelTestFixtures.floats(head["weight"]), shape: [labels, 384])
        weights["classifier.bias"] = Tensor(BertModelTestFixtures.floats(head["bias"]), shape: [labels])
        let model = try BertForSequenceClassification(configuration: configuration, weights: weights)
        return model.eval()
    }

    private static var inputs: (ids: Tensor, mask: Tensor) {
        let ids = ints(reference["input_ids"]), mask = ints(reference["attention_mask"])
        let rows = (reference["input_ids"] as! [[Int]]).count
        return (Tensor(integers: ids, shape: [rows, ids.count / rows]), Tensor(integers: mask, shape: [rows, mask.count / rows]))
    }

    @Test func logitsAndLossesMatchTransformers() throws {
        let model = try Self.classifier(labels: 3, head: Self.reference["classifier"] as! [String: Any])
        #expect(model.labelNames == ["negative", "neutral", "positive"])
        let (ids, mask) = Self.inputs
        let logits = withNoGrad { model(inputIds: ids, attentionMask: mask) }
        #expect(logits.shape == [6, 3])
        let expected = BertModelTestFixtures.floats(Self.reference["logits"])
        #expect(BertModelTestFixtures.maxDifference(logits.toArray(), expected) <= 1e-4)

        let single = Self.reference["single_label"] as! [String: Any]
        let intLabels = Tensor(integers: single["labels"] as! [Int])
        #expect(BertProblemType.inferred(labelCount: 3, labels: intLabels) == .singleLabelClassification)
        let singleLoss = try withNoGrad { try model.loss(logits: logits, labels: intLabels) }.item()
        #expect(abs(singleLoss - Float(single["loss"] as! Double)) <= 1e-4)

        let multi = Self.reference["multi_label"] as! [String: Any]
        let floatLabels = Tensor(BertModelTestFixtures.floats(multi["labels"]), shape: [6, 3])
        #expect(BertProblemType.inferred(labelCount: 3, labels: floatLabels) == .multiLabelClassification)
        let multiLoss = try withNoGrad { try model.loss(logits: logits, labels: floatLabels) }.item()
        #expect(abs(multiLoss - Float(multi["loss"] as! Double)) <= 1e-4)
    }

    @Test func regressionHeadMatchesTransformers() throws {
        let regression = Self.reference["regression"] as! [String: Any]
        let model = try Self.classifier(labels: 1, head: regression["classifier"] as! [String: Any])
        let (ids, mask) = Self.inputs
        let logits = withNoGrad { model(inputIds: ids, attentionMask: mask) }
        #expect(logits.shape == [6, 1])
        #expect(BertModelTestFixtures.maxDifference(logits.toArray(), BertModelTestFixtures.floats(regression["logits"])) <= 1e-4)
        let labels = Tensor(BertModelTestFixtures.floats(regression["labels"]))
        #expect(BertProblemType.inferred(labelCount: 1, labels: labels) == .regression)
        let loss = try withNoGrad { try model.loss(logits: logits, labels: labels) }.item()
        #expect(abs(loss - Float(regression["loss"] as! Double)) <= 1e-4)
    }
}
