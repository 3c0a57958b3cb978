import Foundation
import Flint
import FlintNN

/// Multi-head scaled dot-product self-attention (`BertSelfAttention`): projections `query`,
/// `key`, `value` ([H, H] each), softmax(QKᵀ/√d + mask) with dropout on the probabilities, times V.
///
/// Heads are views [B, heads, T, d] of the projections (no copies); the only copy is the merge of
/// the heads back to [B, T, H]. The 1/√d scale and the padding mask are applied inside one fused
/// softmax (``Flint/Tensor/scaledMaskedSoftmax(scale:additiveMask:)``).
public final class BertSelfAttention: Module, UnaryLayer {
    /// Q projection.
    public let query: Linear
    /// K projection.
    public let key: Linear
    /// V projection.
    public let value: Linear
    /// Dropout on attention probabilities (`attention_probs_dropout_prob`).
    public let dropout: Dropout
    /// Number of heads.
    public let headCount: Int
    /// Width of each head, d = H / heads.
    public let headSize: Int

    /// A self-attention block shaped by `configuration`, initialised like Hugging Face.
    public init(configuration: BertConfiguration) {
        require(configuration.attentionHeadCount > 0 && configuration.hiddenSize % configuration.attentionHeadCount == 0,
                "BertSelfAttention: hidden size \(configuration.hiddenSize) is not a multiple of \(configuration.attentionHeadCount) heads")
        let h = configuration.hiddenSize
        query = BertInitialization.linear(h, h, configuration)
        key = BertInitialization.linear(h, h, configuration)
        value = BertInitialization.linear(h, h, configuration)
        dropout = Dropout(probability: Float(configuration.attentionDropoutProbability))
        headCount = configuration.attentionHeadCount
        headSize = h / configuration.attentionHeadCount
        super.init()
    }

    /// The checkpoint layout.
    public override var directMembers: [ModuleMember] {
        [.child(name: "query", module: query), .child(name: "key", module: key),
         .child(name: "value", module: value), .child(name: "dropout", module: dropout)]
    }

    /// Attends over `hiddenStates` [B, T, H]; `additiveMask` is [B, T] (0 for tokens, a large
    /// negative number for padding) or nil. Returns the merged context [B, T, H].
    public func callAsFunction(_ hiddenStates: Tensor, additiveMask: Tensor?) -> Tensor {
        let b = hiddenStates.shape[0], t = hiddenStates.shape[1], h = headCount * headSize
        func heads(_ x: Tensor) -> Tensor { x.reshaped([b, t, headCount, headSize]).permuted([0, 2, 1, 3]) }
        let q = heads(query(hiddenStates))
        let k = heads(key(hiddenStates))
        let v = heads(value(hiddenStates))
        let scores = q.matmul(k.transposed())                                      // [B, heads, T, T]
        let probabilities = scores.scaledMaskedSoftmax(scale: 1 / Float(headSize).squareRoot(), additiveMask: additiveMask)
        let context = dropout(probabilities).matmul(v)                                // [B, heads, T, d]
        return context.permuted([0, 2, 1, 3]).reshaped([b, t, h])
    }

    /// Self-attention without a mask.
    public func forward(_ input: Tensor) -> Tensor {
        self(input, additiveMask: nil)
    }
}
