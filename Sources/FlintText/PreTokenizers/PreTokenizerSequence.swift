/// The `Sequence` pre-tokenizer: runs several pre-tokenizers one after the other, each refining the pieces of
/// the previous one (e.g. SmolLM's `Digits` then `ByteLevel`, Llama-3's `Split` then `ByteLevel`).
public struct PreTokenizerSequence: PreTokenizer {
    /// The pre-tokenizers, in order.
    public let preTokenizers: [any PreTokenizer]

    /// A sequence of `preTokenizers`.
    public init(_ preTokenizers: [any PreTokenizer]) {
        self.preTokenizers = preTokenizers
    }

    /// Reads `{"type": "Sequence", "pretokenizers": [...]}`, building each element through the registry.
    public init(json: JSONObject) throws {
        preTokenizers = try json.objects("pretokenizers").map { try TokenizerComponentRegistry.preTokenizer(from: $0) }
    }

    public func preTokenize(_ text: inout PreTokenizedText) {
        for preTokenizer in preTokenizers { preTokenizer.preTokenize(&text) }
    }
}
