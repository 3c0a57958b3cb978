import Foundation
import Hummingbird
import Logging

/// The outermost middleware: gives each request an id (a client's `X-Request-Id` when it is short and
/// plain, else 16 random hex digits), times it, turns every thrown error into a JSON answer, and
/// counts the exchange in `http_requests_total` by route pattern and status.
///
/// An ``APIError`` (and Hummingbird's own errors, such as 404 for an unknown route) keeps its status; any
/// other error is a failure of the server: it is logged with the request id and answered 500 — never
/// with internals in the body.
struct RequestAccountingMiddleware: RouterMiddleware {
    typealias Context = ServeRequestContext
    let metrics: ServeMetrics
    let logger: Logger

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var context = context
        context.requestID = Self.requestID(from: request.headers[.init("X-Request-Id")!])
        let start = ContinuousClock.now
        var response: Response
        do {
            response = try await next(request, context)
        } catch var error as APIError {
            error.requestID = context.requestID
            response = try error.response(from: request, context: context)
        } catch let error as HTTPError {
            let api = Self.apiError(from: error, requestID: context.requestID)
            response = try api.response(from: request, context: context)
        } catch {
            logger.error("internal error", metadata: ["request_id": "\(context.requestID)", "route": "\(request.uri.path)",
                                                     "error": "\(error)"])
            response = try APIError.internalError(requestID: context.requestID).response(from: request, context: context)
        }
        response.headers[.init("X-Request-Id")!] = context.requestID
        let route = context.endpointPath ?? "unmatched"
        metrics.recordHTTP(route: route, method: request.method.rawValue, status: response.status.code,
                           duration: ContinuousClock.now - start)
        return response
    }

    /// Hummingbird's errors (unknown route, body too large, …) in Flint's JSON shape.
    static func apiError(from error: HTTPError, requestID: String) -> APIError {
        var api: APIError
        switch error.status {
        case .notFound:
            api = APIError(.notFound, "no such route", type: "not_found_error", code: "route_not_found")
        case .methodNotAllowed:
            api = APIError(.methodNotAllowed, "method not allowed on this route", type: "invalid_request_error",
                           code: "method_not_allowed")
        case .contentTooLarge:
            api = APIError(.contentTooLarge, "request body is too large", type: "invalid_request_error", code: "body_too_large")
        default:
            let status = error.status
            let isClient = (400..<500).contains(status.code)
            api = APIError(status, error.body ?? status.reasonPhrase, type: isClient ? "invalid_request_error" : "server_error",
                           code: isClient ? "bad_request" : "internal_error")
        }
        api.requestID = requestID
        return api
    }

    /// A client's id when it is 1…128 characters of `[A-Za-z0-9._:-]`, else a new one.
    static func requestID(from header: String?) -> String {
        if let header, (1...128).contains(header.utf8.count),
           header.utf8.allSatisfy({ ($0 >= 48 && $0 <= 57) || ($0 >= 65 && $0 <= 90) || ($0 >= 97 && $0 <= 122)
                                    || $0 == 46 || $0 == 95 || $0 == 58 || $0 == 45 }) {
            return header
        }
        var generator = SystemRandomNumberGenerator()
        let value = generator.next() as UInt64
        let hex = String(value, radix: 16)
        return String(repeating: "0", count: 16 - hex.count) + hex
    }
}
