import Hummingbird

/// `POST /predict` `{"text": "…", "model"?: name}` → one prediction, and
/// `POST /batch_predict` `{"texts": […], "model"?: name}` → `{"results": […]}` in input order.
struct PredictionRoutes {
    let state: ServeState

    func add(to router: Router<ServeRequestContext>) {
        router.post("/predict") { request, context in
            let body = try await state.body(request)
            let text = try body.text("text")
            let (_, items) = try await state.classify([text], name: body.optionalString("model"), request: request,
                                                      requestID: context.requestID)
            return try state.json(items[0])
        }
        router.post("/batch_predict") { request, context in
            let body = try await state.body(request)
            let texts = try body.texts("texts")
            let (model, items) = try await state.classify(texts, name: body.optionalString("model"), request: request,
                                                          requestID: context.requestID)
            return try state.json(BatchBody(results: items, model: model.name, modelVersion: model.version,
                                            requestID: context.requestID))
        }
    }

    struct BatchBody: Encodable {
        var results: [PredictionItem]
        var model: String
        var modelVersion: String
        var requestID: String
        enum CodingKeys: String, CodingKey {
            case results, model
            case modelVersion = "model_version"
            case requestID = "request_id"
        }
    }
}
