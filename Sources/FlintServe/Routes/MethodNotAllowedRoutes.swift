import Hummingbird

/// 405 with an `Allow` header for a method that a known path does not serve (`GET /predict`,
/// `DELETE /health`, …), instead of the router's 404: the path exists. HEAD is served wherever GET is.
struct MethodNotAllowedRoutes {
    func add(to router: Router<ServeRequestContext>) {
        for path in ServeRoutes.paths.sorted() {
            let allowed = ServeRoutes.allowed(path)
            for method in ServeRoutes.otherMethods where !allowed.contains(method.rawValue) {
                router.on(RouterPath(path), method: method) { _, _ -> Response in
                    throw APIError.methodNotAllowed(allowed: allowed)
                }
            }
        }
    }
}
