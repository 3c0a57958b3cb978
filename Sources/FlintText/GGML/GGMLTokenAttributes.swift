/// The attributes llama.cpp gives a token (`llama_token_attr`): derived from its `tokenizer.ggml.token_type`, then
/// adjusted by the token's text (see `GGMLSpecialTokens`). They decide which tokens are matched in text before
/// tokenization (control, user-defined, unknown) and how a token is rendered as text.
public struct GGMLTokenAttributes: OptionSet, Sendable, Hashable {
    public let rawValue: UInt16

    public init(rawValue: UInt16) {
        self.rawValue = rawValue
    }

    public static let unknown = GGMLTokenAttributes(rawValue: 1 << 0)
    public static let unused = GGMLTokenAttributes(rawValue: 1 << 1)
    public static let normal = GGMLTokenAttributes(rawValue: 1 << 2)
    public static let control = GGMLTokenAttributes(rawValue: 1 << 3)
    public static let userDefined = GGMLTokenAttributes(rawValue: 1 << 4)
    public static let byte = GGMLTokenAttributes(rawValue: 1 << 5)
    /// Whitespace before the token is dropped when it is matched in text (llama.cpp's `LSTRIP`).
    public static let stripsLeft = GGMLTokenAttributes(rawValue: 1 << 7)
    /// Whitespace after the token is dropped when it is matched in text (llama.cpp's `RSTRIP`).
    public static let stripsRight = GGMLTokenAttributes(rawValue: 1 << 8)

    /// The attributes of a token type (`undefined` has none).
    public init(_ type: GGMLVocabulary.TokenType) {
        switch type {
        case .undefined: self = []
        case .normal: self = .normal
        case .unknown: self = .unknown
        case .control: self = .control
        case .userDefined: self = .userDefined
        case .unused: self = .unused
        case .byte: self = .byte
        }
    }
}
