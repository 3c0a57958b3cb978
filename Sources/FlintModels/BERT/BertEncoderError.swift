/// Errors of ``BertEncoder``: a checkpoint that does not fit the configuration, a configuration the
/// engine cannot run, or token ids it cannot encode.
public enum BertEncoderError: Error, CustomStringConvertible, Equatable, Sendable {
    /// Tensors that are missing, mis-shaped or of a non-floating dtype, one message per tensor
    /// (each names the tensor, the expected shape and what was found).
    case invalidWeights(problems: [String])
    /// A configuration field the engine does not support.
    case unsupportedConfiguration(field: String, expected: String, found: String)
    /// Token ids or token-type ids that cannot be encoded (out of range, too long, mismatched lengths).
    case invalidInput(String)
    /// The checkpoint has no head for the output asked for (`pooler.dense` or `classifier`).
    case missingHead(String)

    /// A one-line message naming what is wrong.
    public var description: String {
        switch self {
        case let .invalidWeights(problems):
            return "BertEncoder: the checkpoint does not match the configuration: " + problems.joined(separator: "; ")
        case let .unsupportedConfiguration(field, expected, found):
            return "BertEncoder: unsupported \(field): expected \(expected), found \(found)"
        case let .invalidInput(message):
            return "BertEncoder: invalid input: \(message)"
        case let .missingHead(message):
            return "BertEncoder: \(message)"
        }
    }
}
