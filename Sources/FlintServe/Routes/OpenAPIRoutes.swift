import Foundation
import Hummingbird

/// `GET /openapi.json`: the OpenAPI 3.1 description of every route (`docs/openapi.yaml`, converted to
/// JSON once, at first use).
struct OpenAPIRoutes {
    let state: ServeState

    func add(to router: Router<ServeRequestContext>) {
        router.get("/openapi.json") { _, _ -> Response in
            let json = try OpenAPIDocument.json()
            return Response(status: .ok, headers: [.contentType: "application/json"],
                            body: .init(byteBuffer: ByteBuffer(bytes: json)))
        }
    }
}
