/// The `Fuse` decoder: joins all tokens into one.
public struct FuseDecoder: TokenDecoder {
    /// A fusing decoder.
    public init() {}

    /// Reads `{"type": "Fuse"}`.
    public init(json: JSONObject) throws {}

    public func decodeChain(_ tokens: [String]) -> [String] { [tokens.joined()] }
}
