/// A `response_format` (or a JSON schema in it) that Flint cannot constrain generation to: the path of the
/// offending field, e.g. `response_format.json_schema.schema.properties.age.pattern`, and what is wrong there.
public struct ResponseFormatError: Error, Equatable, CustomStringConvertible {
    /// Where: `response_format.…` (or the caller's prefix, e.g. a file name) with object keys and array indices.
    public let path: String
    /// What: e.g. `not supported`, `must be a string`.
    public let message: String

    public init(path: String, message: String) {
        self.path = path
        self.message = message
    }

    public var description: String { "\(path): \(message)" }
}
