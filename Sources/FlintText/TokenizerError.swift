import Foundation

/// Errors from loading or running a tokenizer. File errors name the file, the field, what was
/// expected and what was found.
public enum TokenizerError: Error, CustomStringConvertible, Equatable {
    /// A tokenizer file is malformed or uses a value Flint does not support.
    case invalidFile(path: String, field: String, expected: String, found: String)
    /// A `tokenizer.json` component (normalizer, pre-tokenizer, model, post-processor, decoder) of an unknown type.
    case unsupportedComponent(path: String, field: String, type: String)
    /// A folder holds none of the files a tokenizer can be loaded from.
    case missingFiles(folder: String, expected: [String])
    /// A token or id that the vocabulary lacks (for example a special token the post-processor needs).
    case unknownToken(String)
    /// An argument out of range (for example a maximum length smaller than the special tokens).
    case invalidArgument(String)

    public var description: String {
        switch self {
        case let .invalidFile(path, field, expected, found):
            return "\(path): \(field): expected \(expected), found \(found)"
        case let .unsupportedComponent(path, field, type):
            return "\(path): \(field): unsupported type \"\(type)\""
        case let .missingFiles(folder, expected):
            return "\(folder): no tokenizer files (expected one of \(expected.joined(separator: ", ")))"
        case let .unknownToken(token):
            return "unknown token \(token)"
        case let .invalidArgument(message):
            return message
        }
    }
}
