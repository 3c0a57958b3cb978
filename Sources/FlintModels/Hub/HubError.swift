/// Errors from resolving model folders, checking their weights and downloading them from the Hub.
///
/// Malformed files (a bad `config.json`, index or checkpoint) throw ``Flint/FlintError`` naming
/// the file and field; `HubError` covers what is missing or does not match, listing what was
/// looked for or expected next to what was found.
public enum HubError: Error, CustomStringConvertible, Equatable, Sendable {
    /// One tensor whose shape differs from the model's.
    public struct ShapeMismatch: Equatable, Sendable {
        /// The checkpoint name of the tensor.
        public let name: String
        /// The shape the model needs.
        public let expected: [Int]
        /// The shape in the checkpoint.
        public let found: [Int]

        /// A mismatch of `name`.
        public init(name: String, expected: [Int], found: [Int]) {
            self.name = name
            self.expected = expected
            self.found = found
        }
    }

    /// `location` is neither a folder nor a model in the Hugging Face cache; `searched` lists the
    /// paths that were tried.
    case modelNotFound(location: String, searched: [String])
    /// `folder` has none of the files `lookedFor` (for example no weights file in any format).
    case missingFiles(folder: String, lookedFor: [String])
    /// `config.json` at `path` names a `model_type` (nil when it has none) outside `supported`.
    case unsupportedModelType(path: String, found: String?, supported: [String])
    /// The weights from `source` do not fit the model: names it needs that are `missing`, names
    /// it does not know (`unexpected`), and tensors of the wrong shape.
    case weightMismatch(source: String, missing: [String], unexpected: [String], shapeMismatches: [ShapeMismatch])
    /// A Hub request failed: the URL, the HTTP status (0 when no response arrived) and why.
    case requestFailed(url: String, status: Int, message: String)

    /// At most `limit` items of `names`, joined, with a count of the rest.
    static func list(_ names: [String], limit: Int = 20) -> String {
        if names.count <= limit { return names.joined(separator: ", ") }
        return names.prefix(limit).joined(separator: ", ") + ", … and \(names.count - limit) more"
    }

    /// A one-line message naming the location, file or source and listing expected and found.
    public var description: String {
        switch self {
        case let .modelNotFound(location, searched):
            guard HubCache.isRepositoryId(location) else {
                return "\(location): not a model folder (looked for \(HubError.list(searched)))"
            }
            return "\(location): not a model folder, and not in the Hugging Face cache (looked for \(HubError.list(searched))); "
                + "download it with `flint download \(location)` or give the path of a folder"
        case let .missingFiles(folder, lookedFor):
            return "\(folder): none of the expected files is there (looked for \(HubError.list(lookedFor)))"
        case let .unsupportedModelType(path, found, supported):
            return "\(path): unsupported model_type: expected one of \(supported.sorted().joined(separator: ", ")), found "
                + (found.map { "\"\($0)\"" } ?? "no model_type")
        case let .weightMismatch(source, missing, unexpected, shapeMismatches):
            var parts: [String] = []
            if !missing.isEmpty { parts.append("\(missing.count) missing (\(HubError.list(missing)))") }
            if !unexpected.isEmpty { parts.append("\(unexpected.count) unexpected (\(HubError.list(unexpected)))") }
            if !shapeMismatches.isEmpty {
                let shown = shapeMismatches.map { "\($0.name): expected \($0.expected), found \($0.found)" }
                parts.append("\(shapeMismatches.count) with the wrong shape (\(HubError.list(shown, limit: 10)))")
            }
            return "\(source): weights do not match the model: " + parts.joined(separator: "; ")
        case let .requestFailed(url, status, message):
            return "\(url): " + (status > 0 ? "HTTP \(status): " : "") + message
        }
    }
}
