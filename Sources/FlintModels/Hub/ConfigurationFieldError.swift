/// A field of a decoded configuration (`config.json`) holds a value the model cannot be built with:
/// thrown by a configuration's decoder before any tensor exists. Loaders that know the file turn it into
/// ``Flint/FlintError/invalidFile(path:field:expected:found:)`` naming the file and this field.
public struct ConfigurationFieldError: Error, CustomStringConvertible, Equatable, Sendable {
    /// The JSON key(s) at fault, e.g. `hidden_size / num_attention_heads`.
    public let field: String
    /// What a valid configuration has there.
    public let expected: String
    /// What this one has.
    public let found: String

    /// An error about `field`.
    public init(field: String, expected: String, found: String) {
        self.field = field
        self.expected = expected
        self.found = found
    }

    /// "invalid <field>: expected …, found …".
    public var description: String { "invalid \(field): expected \(expected), found \(found)" }
}
