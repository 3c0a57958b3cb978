import Hummingbird

/// `GET /health` (liveness), `GET /ready` (readiness: 503 until every model is loaded and warmed) and
/// `GET /metrics` (Prometheus text format).
struct HealthRoutes {
    let state: ServeState

    func add(to router: Router<ServeRequestContext>) {
        router.get("/health") { _, _ in
            try state.json(["status": "healthy", "version": ServeVersion.current])
        }
        router.get("/ready") { _, _ in
            if state.host.isReady && state.chatHost.isReady {
                let models = state.router.names.map { ReadyModel(name: $0.name, versions: $0.variants.map(\.model.version)) }
                    + state.chatHost.served.map { ReadyModel(name: $0.name, versions: [$0.version]) }
                return try state.json(ReadyBody(status: "ready", models: models))
            }
            return try state.json(ReadyBody(status: "loading", models: []), status: .serviceUnavailable)
        }
        router.get("/metrics") { _, _ in
            for model in state.chatHost.served { state.metrics.recordEngine(model) }
            return Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                     body: .init(byteBuffer: ByteBuffer(string: state.metrics.render())))
        }
    }

    struct ReadyModel: Encodable { var name: String; var versions: [String] }
    struct ReadyBody: Encodable { var status: String; var models: [ReadyModel] }
}
