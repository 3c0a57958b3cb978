import Foundation
import Hummingbird

/// An error answered as JSON in OpenAI's shape:
/// `{"error": {"message": "…", "type": "invalid_request_error", "code": "text_too_long", "request_id": "…"}}`.
///
/// Status codes: 400 for a body that is not JSON or not UTF-8, 401 without a valid API key, 404 for an
/// unknown model or route, 405 (with `Allow`) for a method a route does not serve, 409 for a conflict
/// (feedback already given, a reload already running), 413 for a body over the limit, 422 for JSON that
/// parses but breaks a rule (missing or empty text, wrong types, too many texts, a text over the byte
/// limit), 503 while not ready or when a queue is full (with `Retry-After`), 500 only for a failure of
/// the server itself.
public struct APIError: HTTPResponseError, Sendable, Equatable {
    /// The HTTP status.
    public var status: HTTPResponse.Status
    /// What went wrong, for a person.
    public var message: String
    /// A coarse class: `invalid_request_error`, `authentication_error`, `not_found_error`, `server_error`, …
    public var type: String
    /// A stable machine-readable code, e.g. `missing_field`, `text_too_long`, `queue_full`.
    public var code: String
    /// Seconds to wait before retrying (sent as `Retry-After`).
    public var retryAfterSeconds: Int?
    /// The request's id, echoed in the body (set by the router before answering).
    public var requestID: String?
    /// The methods a path serves (sent as `Allow` with a 405).
    public var allowedMethods: [String]?
    /// The request parameter at fault (OpenAI's `param`), when one is.
    public var param: String?

    /// An error.
    public init(_ status: HTTPResponse.Status, _ message: String, type: String, code: String,
                retryAfterSeconds: Int? = nil) {
        self.status = status
        self.message = message
        self.type = type
        self.code = code
        self.retryAfterSeconds = retryAfterSeconds
    }

    /// 400: the body is not valid JSON / UTF-8.
    public static func badRequest(_ message: String, code: String = "invalid_json") -> APIError {
        APIError(.badRequest, message, type: "invalid_request_error", code: code)
    }

    /// 422: well-formed JSON that breaks a rule.
    public static func invalid(_ message: String, code: String) -> APIError {
        APIError(.unprocessableContent, message, type: "invalid_request_error", code: code)
    }

    /// 400 naming a parameter of a chat or completion request, as OpenAI answers: `invalid_value` by default.
    public static func invalidParameter(_ param: String, _ message: String, code: String = "invalid_value") -> APIError {
        var error = APIError(.badRequest, message, type: "invalid_request_error", code: code)
        error.param = param
        return error
    }

    /// 413: the body is over `server.max_body_bytes`.
    public static func bodyTooLarge(limit: Int) -> APIError {
        APIError(.contentTooLarge, "request body is larger than \(limit) bytes", type: "invalid_request_error",
                 code: "body_too_large")
    }

    /// 404: no such model (or version, or alias).
    public static func modelNotFound(_ message: String) -> APIError {
        APIError(.notFound, message, type: "not_found_error", code: "model_not_found")
    }

    /// 401: no or wrong API key.
    public static func unauthorized() -> APIError {
        APIError(.unauthorized, "a valid API key is required: Authorization: Bearer <key>", type: "authentication_error",
                 code: "invalid_api_key")
    }

    /// 503 with Retry-After: a model's queue is full.
    public static func queueFull(model: String) -> APIError {
        APIError(.serviceUnavailable, "the queue for \(model) is full; retry shortly", type: "server_overloaded",
                 code: "queue_full", retryAfterSeconds: 1)
    }

    /// 405 with `Allow`: the path exists, the method does not.
    public static func methodNotAllowed(allowed: [String]) -> APIError {
        var error = APIError(.methodNotAllowed, "method not allowed on this route; allowed: \(allowed.joined(separator: ", "))",
                             type: "invalid_request_error", code: "method_not_allowed")
        error.allowedMethods = allowed
        return error
    }

    /// 503: the models are still loading.
    public static func notReady() -> APIError {
        APIError(.serviceUnavailable, "the models are still loading; retry when GET /ready answers 200",
                 type: "server_not_ready", code: "not_ready", retryAfterSeconds: 1)
    }

    /// 500: a failure of the server itself (the id is logged with the cause).
    public static func internalError(requestID: String) -> APIError {
        var error = APIError(.internalServerError, "internal error; quote request id \(requestID) when reporting it",
                             type: "server_error", code: "internal_error")
        error.requestID = requestID
        return error
    }

    /// The JSON body.
    public var body: [String: Any] {
        var inner: [String: Any] = ["message": message, "type": type, "code": code]
        if let requestID { inner["request_id"] = requestID }
        inner["param"] = param ?? NSNull()
        return ["error": inner]
    }

    /// The JSON response.
    public func response(from request: Request, context: some RequestContext) throws -> Response {
        var headers: HTTPFields = [.contentType: "application/json"]
        if let retryAfterSeconds { headers[.retryAfter] = String(retryAfterSeconds) }
        if let allowedMethods { headers[.allow] = allowedMethods.joined(separator: ", ") }
        let data = (try? JSONSerialization.data(withJSONObject: body, options: [.sortedKeys])) ?? Data("{}".utf8)
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }

    public static func == (lhs: APIError, rhs: APIError) -> Bool {
        lhs.status == rhs.status && lhs.message == rhs.message && lhs.type == rhs.type && lhs.code == rhs.code
            && lhs.retryAfterSeconds == rhs.retryAfterSeconds && lhs.requestID == rhs.requestID && lhs.param == rhs.param
            && lhs.allowedMethods == rhs.allowedMethods
    }
}
