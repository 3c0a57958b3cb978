import Flint

/// What ``BertModel`` returns (Hugging Face's `BaseModelOutputWithPooling`).
public struct BertModelOutput {
    /// The final hidden states, [B, T, H] (padding positions included).
    public let lastHiddenState: Tensor
    /// tanh(dense(h[CLS])), [B, H]; nil for a model built without the pooler.
    public let poolerOutput: Tensor?
}
