/// A `flint batch` job that cannot start or continue: names the file and what is wrong.
public struct BatchJobError: Error, CustomStringConvertible, Equatable {
    /// The file concerned (input, output, errors or progress file).
    public var path: String
    /// What is wrong and, where there is one, what to do.
    public var message: String

    /// An error about `path`.
    public init(path: String, message: String) {
        self.path = path
        self.message = message
    }

    /// "path: message".
    public var description: String { "\(path): \(message)" }
}
