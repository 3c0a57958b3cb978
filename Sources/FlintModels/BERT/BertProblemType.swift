import Flint

/// The loss a sequence classifier trains with (Hugging Face's `problem_type`).
public enum BertProblemType: String, Sendable, Equatable, CaseIterable {
    /// One real value (or `num_labels` values) per sequence, mean squared error.
    case regression
    /// One class index per sequence, cross entropy over the logits.
    case singleLabelClassification = "single_label_classification"
    /// Independent 0/1 (or soft) targets per class, binary cross entropy with logits.
    case multiLabelClassification = "multi_label_classification"

    /// The problem type named in a configuration.
    ///
    /// - Throws: ``FlintError/invalidArgument(operation:message:)`` naming the unknown value.
    public init(configurationName name: String) throws {
        guard let value = BertProblemType(rawValue: name) else {
            throw FlintError.invalidArgument(operation: "config.json problem_type",
                message: "expected regression, single_label_classification or multi_label_classification; found \"\(name)\"")
        }
        self = value
    }

    /// Hugging Face's choice when `problem_type` is not set: regression for one label, single-label
    /// classification for integer labels, multi-label classification for floating-point labels.
    public static func inferred(labelCount: Int, labels: Tensor) -> BertProblemType {
        if labelCount == 1 { return .regression }
        return labels.dtype.isFloatingPoint ? .multiLabelClassification : .singleLabelClassification
    }
}
