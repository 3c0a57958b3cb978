/// A parsed model reference: `NAME`, `NAME@VERSION` or `NAME@ALIAS`.
///
/// `NAME` alone means the `production` alias when it is set, else the latest version.
public struct RegistryReference: Sendable, Equatable, CustomStringConvertible {
    /// Which version of the model is meant.
    public enum Selector: Sendable, Equatable {
        /// `NAME`: the `production` alias if set, else the latest version.
        case defaultVersion
        /// `NAME@3`.
        case version(Int)
        /// `NAME@staging`.
        case alias(String)
    }

    /// The model name.
    public let name: String
    /// The version asked for.
    public let selector: Selector

    /// The alias `NAME` alone resolves to when it is set.
    public static let defaultAlias = "production"

    /// A reference to `name` with `selector`; throws ``RegistryError`` for an invalid name or alias.
    public init(name: String, selector: Selector = .defaultVersion) throws {
        try Self.validate(name: name)
        switch selector {
        case .version(let version) where version < 1:
            throw RegistryError.invalidReference("\(name)@\(version)")
        case .alias(let alias):
            try Self.validate(alias: alias)
        default: break
        }
        self.name = name
        self.selector = selector
    }

    /// Parses `NAME`, `NAME@VERSION` (digits, ≥ 1) or `NAME@ALIAS`.
    public init(parsing text: String) throws {
        let parts = text.split(separator: "@", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
        guard let name = parts.first, !name.isEmpty else { throw RegistryError.invalidReference(text) }
        guard parts.count == 2 else {
            try self.init(name: name)
            return
        }
        let suffix = parts[1]
        guard !suffix.isEmpty else { throw RegistryError.invalidReference(text) }
        if suffix.utf8.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }) {
            guard let version = Int(suffix), version >= 1 else { throw RegistryError.invalidReference(text) }
            try self.init(name: name, selector: .version(version))
        } else {
            try self.init(name: name, selector: .alias(suffix))
        }
    }

    /// `NAME`, `NAME@VERSION` or `NAME@ALIAS`.
    public var description: String {
        switch selector {
        case .defaultVersion: return name
        case .version(let version): return "\(name)@\(version)"
        case .alias(let alias): return "\(name)@\(alias)"
        }
    }

    /// Throws ``RegistryError/invalidName(_:)`` unless `name` is `[A-Za-z0-9][A-Za-z0-9._-]*`, ≤ 64 characters.
    public static func validate(name: String) throws {
        let bytes = Array(name.utf8)
        func isAlphanumeric(_ byte: UInt8) -> Bool {
            (byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z")) || (byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z"))
                || (byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9"))
        }
        guard let first = bytes.first, bytes.count <= 64, isAlphanumeric(first),
              bytes.allSatisfy({ isAlphanumeric($0) || $0 == UInt8(ascii: ".") || $0 == UInt8(ascii: "_") || $0 == UInt8(ascii: "-") })
        else { throw RegistryError.invalidName(name) }
    }

    /// Throws ``RegistryError/invalidAlias(_:)`` unless `alias` is `[a-z][a-z0-9_-]*`, ≤ 64 characters
    /// (so never all digits, which would read as a version).
    public static func validate(alias: String) throws {
        let bytes = Array(alias.utf8)
        func isLower(_ byte: UInt8) -> Bool { byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z") }
        guard let first = bytes.first, bytes.count <= 64, isLower(first),
              bytes.allSatisfy({ isLower($0) || ($0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9"))
                  || $0 == UInt8(ascii: "_") || $0 == UInt8(ascii: "-") })
        else { throw RegistryError.invalidAlias(alias) }
    }
}
