/// The `Sequence` decoder: runs several decoders one after the other on the token list (Llama-2:
/// `Replace("▁", " ")`, `ByteFallback`, `Fuse`, `Strip(" ", 1, 0)`).
public struct DecoderSequence: TokenDecoder {
    /// The decoders, in order.
    public let decoders: [any TokenDecoder]

    /// A sequence of `decoders`.
    public init(_ decoders: [any TokenDecoder]) {
        self.decoders = decoders
    }

    /// Reads `{"type": "Sequence", "decoders": [...]}`, building each element through the registry.
    public init(json: JSONObject) throws {
        decoders = try json.objects("decoders").map { try TokenizerComponentRegistry.decoder(from: $0) }
    }

    public func decodeChain(_ tokens: [String]) -> [String] {
        decoders.reduce(tokens) { $1.decodeChain($0) }
    }
}
