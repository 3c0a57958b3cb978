/// What stops a ``Trainer``: bad arguments, data the model cannot take, or an unreadable checkpoint.
public enum TrainerError: Error, CustomStringConvertible, Sendable, Equatable {
    /// A setting or combination of settings that cannot work, named in the message.
    case invalidArguments(String)
    /// The data set lacks a column or has the wrong kind of values (column, what was expected).
    case invalidDataset(String)
    /// A checkpoint folder is missing a file or has one that does not fit (path, what is wrong).
    case invalidCheckpoint(path: String, message: String)

    public var description: String {
        switch self {
        case .invalidArguments(let message): return "Training arguments: \(message)"
        case .invalidDataset(let message): return "Data set: \(message)"
        case .invalidCheckpoint(let path, let message): return "\(path): \(message)"
        }
    }
}
