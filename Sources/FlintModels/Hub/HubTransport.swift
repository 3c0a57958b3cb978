import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// The answer to a Hub request: the final status and headers, the headers of any redirects
/// followed on the way, and the body (empty when it was streamed to a file).
public struct HubResponse: Sendable {
    /// The HTTP status of the final response.
    public var statusCode: Int
    /// The final response's headers, keys lowercased.
    public var headers: [String: String]
    /// The headers of each redirect response followed, in order, keys lowercased.
    public var redirectHeaders: [[String: String]]
    /// The body (for ``HubTransport/get(_:)``; for a download, only an error response's body).
    public var body: Data

    /// A response.
    public init(statusCode: Int, headers: [String: String] = [:], redirectHeaders: [[String: String]] = [], body: Data = Data()) {
        self.statusCode = statusCode
        self.headers = Dictionary(headers.map { ($0.key.lowercased(), $0.value) }, uniquingKeysWith: { a, _ in a })
        self.redirectHeaders = redirectHeaders.map { Dictionary($0.map { ($0.key.lowercased(), $0.value) }, uniquingKeysWith: { a, _ in a }) }
        self.body = body
    }

    /// Whether the status is 2xx.
    public var isSuccess: Bool { (200..<300).contains(statusCode) }

    /// The identifier of the file's contents, as `huggingface_hub` names blobs: the
    /// `X-Linked-Etag` of a redirect (an LFS file's sha256), else the `ETag` (`W/` and quotes removed).
    public var entityTag: String? {
        let candidates = redirectHeaders.compactMap { $0["x-linked-etag"] } + [headers["x-linked-etag"]].compactMap { $0 }
            + redirectHeaders.compactMap { $0["etag"] } + [headers["etag"]].compactMap { $0 }
        guard var tag = candidates.first else { return nil }
        if tag.hasPrefix("W/") { tag.removeFirst(2) }
        tag = tag.trimmingCharacters(in: CharacterSet(charactersIn: "\""))
        // A blob name must be a plain file name.
        guard !tag.isEmpty, tag.count <= 128, tag.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") }) else { return nil }
        return tag
    }
}

/// How the downloader talks to the Hub: ``URLSessionHubTransport`` over the network, or a fake in tests.
public protocol HubTransport: Sendable {
    /// Sends a GET request (following redirects) and returns the whole response.
    func get(_ request: URLRequest) throws -> HubResponse

    /// Sends a GET request (following redirects) and streams a successful body into the file at
    /// `destination` (created or truncated), reporting bytes written so far and the expected total
    /// (nil when unknown) to `progress`.
    func download(_ request: URLRequest, to destination: URL, progress: @escaping @Sendable (Int64, Int64?) -> Void) throws -> HubResponse
}
