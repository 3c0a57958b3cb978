/// The `ByteFallback` decoder: turns each run of `<0xXX>` byte tokens into the text their bytes spell; a run
/// that is not valid UTF-8 becomes one U+FFFD per byte (as Hugging Face does). Other tokens pass through.
public struct ByteFallbackDecoder: TokenDecoder {
    /// A byte-fallback decoder.
    public init() {}

    /// Reads `{"type": "ByteFallback"}`.
    public init(json: JSONObject) throws {}

    public func decodeChain(_ tokens: [String]) -> [String] {
        var result: [String] = []
        result.reserveCapacity(tokens.count)
        var bytes: [UInt8] = []
        func flush() {
            guard !bytes.isEmpty else { return }
            var valid = true
            var text = String.UnicodeScalarView()
            var iterator = bytes.makeIterator()
            var decoder = UTF8()
            decoding: while true {
                switch decoder.decode(&iterator) {
                case let .scalarValue(scalar): text.append(scalar)
                case .emptyInput: break decoding
                case .error:
                    valid = false
                    break decoding
                }
            }
            if valid {
                result.append(String(text))
            } else {
                result.append(contentsOf: repeatElement("\u{FFFD}", count: bytes.count))
            }
            bytes.removeAll(keepingCapacity: true)
        }
        for token in tokens {
            if let byte = ByteFallback.byte(of: token) {
                bytes.append(byte)
            } else {
                flush()
                result.append(token)
            }
        }
        flush()
        return result
    }
}
