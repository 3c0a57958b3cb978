/// Why an ``OpenAIClient`` call failed.
public enum OpenAIClientError: Error, CustomStringConvertible, Equatable {
    /// The server answered an error status (after retries for 429 / 5xx). Fields from the body's
    /// `{"error": {"message", "type", "code"}}` when present.
    case http(status: Int, message: String, type: String?, code: String?, attempts: Int)
    /// The connection failed on every attempt.
    case transport(message: String, attempts: Int)
    /// A 2xx body that is not the expected JSON.
    case invalidResponse(String)

    /// A one-line description.
    public var description: String {
        switch self {
        case .http(let status, let message, _, let code, let attempts):
            return "HTTP \(status)\(code.map { " (\($0))" } ?? ""): \(message) after \(attempts) attempt(s)"
        case .transport(let message, let attempts):
            return "connection failed after \(attempts) attempt(s): \(message)"
        case .invalidResponse(let message):
            return "invalid response: \(message)"
        }
    }
}
