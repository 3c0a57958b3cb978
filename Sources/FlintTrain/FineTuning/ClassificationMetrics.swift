/// Accuracy and macro-averaged precision, recall and F1 of a single-label classifier, as
/// scikit-learn's `accuracy_score` and `precision_recall_fscore_support(average="macro", zero_division=0)`.
///
/// For class c with true positives TPc, false positives FPc and false negatives FNc:
/// precision_c = TPc / (TPc + FPc), recall_c = TPc / (TPc + FNc), F1_c = 2·P·R / (P + R) (0 when a
/// denominator is 0); the macro averages are the unweighted means over the classes that occur in the
/// labels or the predictions.
public struct ClassificationMetrics: Sendable, Equatable {
    /// Fraction of examples whose predicted class is the label.
    public let accuracy: Double
    /// Mean per-class precision.
    public let macroPrecision: Double
    /// Mean per-class recall.
    public let macroRecall: Double
    /// Mean per-class F1.
    public let macroF1: Double
    /// `confusion[label][predicted]` counts over `classCount` classes.
    public let confusion: [[Int]]

    /// Metrics of `predictions` against `labels` (class indices in `0..<classCount`).
    public init(predictions: [Int], labels: [Int], classCount: Int? = nil) {
        precondition(predictions.count == labels.count,
                     "ClassificationMetrics: \(predictions.count) predictions for \(labels.count) labels")
        let classes = classCount ?? ((predictions + labels).max().map { $0 + 1 } ?? 0)
        var confusion = [[Int]](repeating: [Int](repeating: 0, count: classes), count: classes)
        var correct = 0
        for (p, l) in zip(predictions, labels) {
            precondition(p >= 0 && p < classes && l >= 0 && l < classes,
                         "ClassificationMetrics: class \(max(p, l)) outside 0..<\(classes)")
            confusion[l][p] += 1
            if p == l { correct += 1 }
        }
        var precisions: [Double] = [], recalls: [Double] = [], f1s: [Double] = []
        for c in 0..<classes {
            let truePositives = Double(confusion[c][c])
            let predicted = Double((0..<classes).reduce(0) { $0 + confusion[$1][c] })
            let actual = Double(confusion[c].reduce(0, +))
            guard predicted > 0 || actual > 0 else { continue }
            let precision = predicted > 0 ? truePositives / predicted : 0
            let recall = actual > 0 ? truePositives / actual : 0
            precisions.append(precision)
            recalls.append(recall)
            f1s.append(precision + recall > 0 ? 2 * precision * recall / (precision + recall) : 0)
        }
        func mean(_ values: [Double]) -> Double { values.isEmpty ? 0 : values.reduce(0, +) / Double(values.count) }
        accuracy = labels.isEmpty ? 0 : Double(correct) / Double(labels.count)
        macroPrecision = mean(precisions)
        macroRecall = mean(recalls)
        macroF1 = mean(f1s)
        self.confusion = confusion
    }

    /// Metrics of the arg-max of each row of `logits` against `labels`.
    public init(logits: [[Float]], labels: [Int]) {
        let predictions = logits.map { row in row.indices.max { row[$0] < row[$1] } ?? 0 }
        self.init(predictions: predictions, labels: labels, classCount: logits.first?.count)
    }

    /// `accuracy`, `precision`, `recall`, `f1` (the macro averages), as a Trainer `computeMetrics` returns them.
    public var dictionary: [String: Double] {
        ["accuracy": accuracy, "precision": macroPrecision, "recall": macroRecall, "f1": macroF1]
    }

    /// A `computeMetrics` function for ``Trainer``: accuracy and macro precision / recall / F1.
    @Sendable public static func compute(_ prediction: EvaluationPrediction) -> [String: Double] {
        ClassificationMetrics(logits: prediction.logits, labels: prediction.labels).dictionary
    }
}

/// What a ``Trainer``'s `computeMetrics` sees: every example's logits and label (`EvalPrediction`).
public struct EvaluationPrediction: Sendable {
    /// Logits per example, in data-set order.
    public let logits: [[Float]]
    /// Label per example, in data-set order.
    public let labels: [Int]

    /// Wraps `logits` and `labels`.
    public init(logits: [[Float]], labels: [Int]) {
        self.logits = logits
        self.labels = labels
    }
}

/// The result of ``Trainer/predict(_:metricKeyPrefix:)``: logits, labels when the data has them, and metrics
/// (`PredictionOutput`).
public struct PredictionOutput: Sendable {
    /// Logits per example `[N][classes]`, in data-set order.
    public let logits: [[Float]]
    /// Labels when the data set has a `label` column.
    public let labels: [Int]?
    /// Loss, `computeMetrics` results, runtime and throughput, keys prefixed (`test_accuracy`, …).
    public let metrics: [String: Double]

    /// The arg-max class of each example.
    public var predictedClasses: [Int] { logits.map { row in row.indices.max { row[$0] < row[$1] } ?? 0 } }
}
