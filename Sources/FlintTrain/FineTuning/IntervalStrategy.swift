/// When the ``Trainer`` evaluates, saves or logs — Hugging Face's `IntervalStrategy`.
public enum IntervalStrategy: String, Codable, Sendable, CaseIterable {
    /// Never.
    case no
    /// Every N optimizer steps (`eval_steps`, `save_steps`, `logging_steps`).
    case steps
    /// At the end of every epoch.
    case epoch
}
