import Flint

/// Why a state dict could not be loaded into a module (or an optimizer): the keys it lacks, the
/// keys it has that the target does not know, and entries whose shape or dtype does not fit.
///
/// The description lists everything in one message, in the manner of PyTorch's
/// `Error(s) in loading state_dict for Net: Missing key(s) ...`.
public struct StateDictError: Error, CustomStringConvertible, Sendable {
    /// A shape that differs between the state dict and the target.
    public struct ShapeMismatch: Sendable, Equatable {
        /// The state-dict key.
        public let key: String
        /// The shape of the module's tensor.
        public let expected: [Int]
        /// The shape in the state dict.
        public let found: [Int]

        /// A mismatch for `key`.
        public init(key: String, expected: [Int], found: [Int]) {
            self.key = key
            self.expected = expected
            self.found = found
        }
    }

    /// A dtype that cannot be converted to the target's (floating point ↔ integer).
    public struct DTypeMismatch: Sendable, Equatable {
        /// The state-dict key.
        public let key: String
        /// The dtype of the module's tensor.
        public let expected: DType
        /// The dtype in the state dict.
        public let found: DType

        /// A mismatch for `key`.
        public init(key: String, expected: DType, found: DType) {
            self.key = key
            self.expected = expected
            self.found = found
        }
    }

    /// What was being loaded (a type name such as `Sequential`, or a file path).
    public var target: String
    /// Keys the target needs that the state dict does not have.
    public var missingKeys: [String]
    /// Keys in the state dict that the target does not have.
    public var unexpectedKeys: [String]
    /// Entries whose shapes differ.
    public var shapeMismatches: [ShapeMismatch]
    /// Entries whose dtypes cannot be converted.
    public var dtypeMismatches: [DTypeMismatch]

    /// Creates an error report.
    public init(target: String, missingKeys: [String] = [], unexpectedKeys: [String] = [],
                shapeMismatches: [ShapeMismatch] = [], dtypeMismatches: [DTypeMismatch] = []) {
        self.target = target
        self.missingKeys = missingKeys
        self.unexpectedKeys = unexpectedKeys
        self.shapeMismatches = shapeMismatches
        self.dtypeMismatches = dtypeMismatches
    }

    /// Whether nothing is wrong.
    public var isEmpty: Bool {
        missingKeys.isEmpty && unexpectedKeys.isEmpty && shapeMismatches.isEmpty && dtypeMismatches.isEmpty
    }

    /// All problems, one per line.
    public var description: String {
        var lines = ["Error(s) in loading state dict for \(target):"]
        if !missingKeys.isEmpty {
            lines.append("  Missing key(s): " + missingKeys.map { "\"\($0)\"" }.joined(separator: ", "))
        }
        if !unexpectedKeys.isEmpty {
            lines.append("  Unexpected key(s): " + unexpectedKeys.map { "\"\($0)\"" }.joined(separator: ", "))
        }
        for m in shapeMismatches {
            lines.append("  size mismatch for \(m.key): expected shape \(m.expected), found \(m.found) in the state dict")
        }
        for m in dtypeMismatches {
            lines.append("  dtype mismatch for \(m.key): expected \(m.expected), found \(m.found) in the state dict")
        }
        return lines.joined(separator: "\n")
    }
}
