/// One way of turning token embeddings into a sentence embedding (sentence-transformers'
/// `Pooling` modes). Several modes are concatenated in the order they are listed.
public enum SentencePoolingMode: String, Sendable, Equatable, CaseIterable {
    /// The first non-padding token's embedding ([CLS] for right-padded BERT input): "cls".
    case cls
    /// The elementwise maximum over non-padding tokens (−∞ when there are none): "max".
    case max
    /// The average of non-padding tokens: "mean".
    case mean
    /// The sum of non-padding tokens divided by √(token count): "mean_sqrt_len_tokens".
    case meanSquareRootLength = "mean_sqrt_len_tokens"
    /// Position-weighted average, weights 1, 2, … from the first non-padding token: "weightedmean".
    case weightedMean = "weightedmean"
    /// The last non-padding token's embedding: "lasttoken".
    case lastToken = "lasttoken"

    /// The legacy `1_Pooling/config.json` flag of each mode, in sentence-transformers' legacy
    /// concatenation order.
    public static let legacyFlags: [(key: String, mode: SentencePoolingMode)] = [
        ("pooling_mode_cls_token", .cls),
        ("pooling_mode_max_tokens", .max),
        ("pooling_mode_mean_tokens", .mean),
        ("pooling_mode_mean_sqrt_len_tokens", .meanSquareRootLength),
        ("pooling_mode_weightedmean_tokens", .weightedMean),
        ("pooling_mode_lasttoken", .lastToken),
    ]
}
