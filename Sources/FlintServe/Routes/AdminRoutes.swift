import Hummingbird

/// `POST /admin/reload`: re-resolves every model source (moved registry aliases take effect), loads what
/// changed and swaps without dropping a request. Protected by the API keys unless made public.
struct AdminRoutes {
    let state: ServeState

    func add(to router: Router<ServeRequestContext>) {
        router.post("/admin/reload") { _, context in
            do {
                let report = try await state.host.reload()
                state.logger.info("reloaded", metadata: ["request_id": "\(context.requestID)", "loaded": "\(report.loaded)",
                                                         "unloaded": "\(report.unloaded)"])
                return try state.json(report)
            } catch let error as APIError {
                throw error
            } catch {
                state.logger.error("reload failed; still serving the previous models",
                                   metadata: ["request_id": "\(context.requestID)", "error": "\(error)"])
                throw APIError(.internalServerError, "reload failed, still serving the previous models: \(error)",
                               type: "server_error", code: "reload_failed")
            }
        }
    }
}
