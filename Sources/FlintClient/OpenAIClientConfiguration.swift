import Foundation

/// Where and how an ``OpenAIClient`` talks: the endpoint, the key, retries and concurrency.
public struct OpenAIClientConfiguration: Sendable {
    /// The API root, e.g. `http://127.0.0.1:8080/v1` (Flint) or `https://api.openai.com/v1`.
    public var baseURL: String
    /// Sent as `Authorization: Bearer <key>` when set.
    public var apiKey: String?
    /// Retries after a 429, a 5xx or a connection failure (so at most `maxRetries + 1` attempts).
    public var maxRetries: Int
    /// First back-off; doubles per retry, with ±25% jitter, capped at ``maximumBackoff``. A `Retry-After`
    /// header (seconds) from the server takes precedence when it is longer.
    public var initialBackoff: Duration
    /// Longest back-off.
    public var maximumBackoff: Duration
    /// Per-request timeout.
    public var timeout: Duration
    /// Most requests in flight for the batch helpers.
    public var maximumConcurrency: Int

    /// A configuration.
    public init(baseURL: String, apiKey: String? = nil, maxRetries: Int = 4, initialBackoff: Duration = .milliseconds(500),
                maximumBackoff: Duration = .seconds(8), timeout: Duration = .seconds(60), maximumConcurrency: Int = 4) {
        self.baseURL = baseURL.hasSuffix("/") ? String(baseURL.dropLast()) : baseURL
        self.apiKey = apiKey
        self.maxRetries = maxRetries
        self.initialBackoff = initialBackoff
        self.maximumBackoff = maximumBackoff
        self.timeout = timeout
        self.maximumConcurrency = maximumConcurrency
    }

    /// The back-off before retry number `attempt` (1-based): initial × 2^(attempt−1), ±25% jitter, capped.
    public func backoff(beforeRetry attempt: Int, retryAfter: Duration? = nil,
                        jitter: Double = Double.random(in: 0.75...1.25)) -> Duration {
        let base = Double(initialBackoff.components.seconds) + Double(initialBackoff.components.attoseconds) / 1e18
        let cap = Double(maximumBackoff.components.seconds) + Double(maximumBackoff.components.attoseconds) / 1e18
        var seconds = min(base * pow(2, Double(max(attempt - 1, 0))) * jitter, cap)
        if let retryAfter {
            let server = Double(retryAfter.components.seconds) + Double(retryAfter.components.attoseconds) / 1e18
            seconds = max(seconds, min(server, cap))
        }
        return .nanoseconds(Int64(seconds * 1e9))
    }
}
