/// The result of ``ModelRegistry/verify(_:)``: files whose contents no longer match what was recorded.
public struct RegistryVerification: Sendable, Equatable {
    /// A file that differs from its record.
    public struct Mismatch: Sendable, Equatable, CustomStringConvertible {
        /// The path inside the version folder.
        public let path: String
        /// The recorded SHA-256.
        public let expectedSHA256: String
        /// The SHA-256 now, or nil when the file is missing or unreadable.
        public let actualSHA256: String?
        /// What went wrong reading it, when it could not be hashed.
        public let problem: String?

        /// A mismatch.
        public init(path: String, expectedSHA256: String, actualSHA256: String?, problem: String?) {
            self.path = path
            self.expectedSHA256 = expectedSHA256
            self.actualSHA256 = actualSHA256
            self.problem = problem
        }

        /// "PATH: expected sha256 X, found Y" or "PATH: PROBLEM".
        public var description: String {
            if let actualSHA256 { return "\(path): expected sha256 \(expectedSHA256), found \(actualSHA256)" }
            return "\(path): \(problem ?? "missing")"
        }
    }

    /// The version checked.
    public let model: ResolvedModel
    /// Files that are missing or whose SHA-256 differs.
    public let mismatches: [Mismatch]
    /// Files in the folder that were not recorded at push time, sorted.
    public let unexpectedFiles: [String]

    /// Whether every recorded file is present with its recorded SHA-256 and nothing was added.
    public var isIntact: Bool { mismatches.isEmpty && unexpectedFiles.isEmpty }

    /// A verification result.
    public init(model: ResolvedModel, mismatches: [Mismatch], unexpectedFiles: [String]) {
        self.model = model
        self.mismatches = mismatches
        self.unexpectedFiles = unexpectedFiles
    }
}
