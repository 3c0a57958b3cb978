import Testing
@testable import FlintTrain

@Suite("Classification metrics")
struct ClassificationMetricsTests {
    @Test("accuracy and macro precision / recall / F1 match hand-derived (scikit-learn) values")
    func handDerived() {
        // Class 0: TP 1, predicted 2, actual 2 → P ½, R ½, F1 ½. Class 1: TP 2, predicted 3, actual 2 → P ⅔, R 1, F1 0.8.
        // Class 2: TP 1, predicted 1, actual 2 → P 1, R ½, F1 ⅔.
        let metrics = ClassificationMetrics(predictions: [0, 1, 1, 1, 2, 0], labels: [0, 0, 1, 1, 2, 2])
        #expect(abs(metrics.accuracy - 4.0 / 6) < 1e-12)
        #expect(abs(metrics.macroPrecision - (0.5 + 2.0 / 3 + 1) / 3) < 1e-12)
        #expect(abs(metrics.macroRecall - (0.5 + 1 + 0.5) / 3) < 1e-12)
        #expect(abs(metrics.macroF1 - (0.5 + 0.8 + 2.0 / 3) / 3) < 1e-12)
        #expect(metrics.confusion == [[1, 1, 0], [0, 2, 0], [1, 0, 1]])
    }

    @Test("a class never predicted has precision 0 (zero_division=0); absent classes are not averaged")
    func zeroDivision() {
        let metrics = ClassificationMetrics(predictions: [0, 0, 0], labels: [0, 1, 0], classCount: 4)
        // Class 0: P ⅔, R 1, F1 0.8; class 1: P 0, R 0, F1 0; classes 2, 3 absent.
        #expect(abs(metrics.macroPrecision - 1.0 / 3) < 1e-12)
        #expect(abs(metrics.macroRecall - 0.5) < 1e-12)
        #expect(abs(metrics.macroF1 - 0.4) < 1e-12)
    }

    @Test("logits are reduced by arg-max")
    func fromLogits() {
        let prediction = EvaluationPrediction(logits: [[0.1, 2], [3, -1], [0, 0.5]], labels: [1, 0, 0])
        let values = ClassificationMetrics.compute(prediction)
        #expect(abs(values["accuracy"]! - 2.0 / 3) < 1e-12)
        #expect(Set(values.keys) == ["accuracy", "precision", "recall", "f1"])
    }
}
