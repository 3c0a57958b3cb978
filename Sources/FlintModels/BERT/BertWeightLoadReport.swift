/// What loading a checkpoint into a BERT module left aside (nothing is left aside silently).
public struct BertWeightLoadReport: Sendable, Equatable {
    /// Module names the checkpoint did not have and that keep their fresh initialisation (only a
    /// task head such as `classifier.weight` may be missing).
    public let initializedKeys: [String]
    /// Checkpoint names the module does not use (other heads, such as `cls.predictions.*`).
    public let unexpectedKeys: [String]
}
