import HTTPTypes

/// Every route `flint serve` answers, as (method, path pattern) — the list that `docs/openapi.yaml`
/// describes (a test checks that the two agree), that `auth.public_routes` entries are checked against,
/// and from which other methods on a known path answer 405 with an `Allow` header.
///
/// Path patterns are written as Hummingbird matches them (`{name}` captures one path segment), which is
/// also how the API-key middleware names the matched route: a request is public when its *matched*
/// pattern is public, never because of how its raw path is spelled (`/admin/reload/`, `//feedback`).
public enum ServeRoutes {
    /// One route.
    public struct Route: Sendable, Hashable {
        /// The HTTP method.
        public var method: HTTPRequest.Method
        /// The path pattern.
        public var path: String
    }

    /// Every route.
    public static let all: [Route] = [
        Route(method: .get, path: "/health"),
        Route(method: .get, path: "/ready"),
        Route(method: .get, path: "/metrics"),
        Route(method: .get, path: "/openapi.json"),
        Route(method: .post, path: "/predict"),
        Route(method: .post, path: "/batch_predict"),
        Route(method: .post, path: "/v1/embeddings"),
        Route(method: .post, path: "/v1/chat/completions"),
        Route(method: .post, path: "/v1/completions"),
        Route(method: .post, path: "/openai/deployments/{deployment}/chat/completions"),
        Route(method: .post, path: "/openai/deployments/{deployment}/completions"),
        Route(method: .post, path: "/openai/deployments/{deployment}/embeddings"),
        Route(method: .post, path: "/v1/files"),
        Route(method: .get, path: "/v1/files"),
        Route(method: .get, path: "/v1/files/{id}"),
        Route(method: .delete, path: "/v1/files/{id}"),
        Route(method: .get, path: "/v1/files/{id}/content"),
        Route(method: .post, path: "/v1/batches"),
        Route(method: .get, path: "/v1/batches"),
        Route(method: .get, path: "/v1/batches/{id}"),
        Route(method: .post, path: "/v1/batches/{id}/cancel"),
        Route(method: .post, path: "/tokenize"),
        Route(method: .post, path: "/detokenize"),
        Route(method: .get, path: "/v1/models"),
        Route(method: .get, path: "/v1/models/{name}"),
        Route(method: .post, path: "/v1/models/{name}:predict"),
        Route(method: .post, path: "/v1/models/{name}/versions/{version}:predict"),
        Route(method: .post, path: "/feedback"),
        Route(method: .post, path: "/admin/reload"),
    ]

    /// Every path pattern.
    public static var paths: Set<String> { Set(all.map(\.path)) }

    /// Routes that change the server's state or its metrics: never public by default, and public only
    /// when `auth.public_routes` lists them explicitly (logged as a warning at start).
    public static let sensitive: Set<String> = ["/admin/reload", "/feedback"]

    /// Methods that answer 405 on a known path that does not serve them.
    static let otherMethods: [HTTPRequest.Method] = [
        .get, .head, .post, .put, .delete, .patch, .options, .trace, HTTPRequest.Method("QUERY")!,
    ]

    /// The `Allow` header value of a path: its methods (HEAD with GET).
    static func allowed(_ path: String) -> [String] {
        let methods = all.filter { $0.path == path }.map(\.method)
        return methods.flatMap { $0 == .get ? ["GET", "HEAD"] : [$0.rawValue] }
    }
}
