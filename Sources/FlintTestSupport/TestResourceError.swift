/// A model, data set or tool a test needs is not on this machine. The message says how to fetch it, and
/// only the tests that need it fail (instead of a `fatalError` that stops the whole run).
public enum TestResourceError: Error, CustomStringConvertible, Equatable, Sendable {
    /// `what` is missing; `fetch` is the command that provides it.
    case missing(String, fetch: String)

    /// "<what> is missing: run `<fetch>`".
    public var description: String {
        switch self {
        case let .missing(what, fetch): return "\(what) is missing: run `\(fetch)`"
        }
    }
}
