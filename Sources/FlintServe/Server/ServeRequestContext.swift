import Hummingbird

/// The request context of Flint's server: Hummingbird's core storage plus the request id that the
/// outermost middleware assigns (echoed as `X-Request-Id`, in every JSON answer and in the logs).
public struct ServeRequestContext: RequestContext {
    /// Hummingbird's per-request storage.
    public var coreContext: CoreRequestContextStorage
    /// This request's id.
    public var requestID: String = ""

    /// A context for a new request.
    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
    }
}
