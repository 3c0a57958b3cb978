import Hummingbird

/// `POST /feedback` `{"request_id": "…", "label": "…"}`: the true label of an earlier prediction. Scores it
/// for the version that answered and updates `model_accuracy_score` / `model_error_rate`.
struct FeedbackRoutes {
    let state: ServeState

    func add(to router: Router<ServeRequestContext>) {
        router.post("/feedback") { request, _ in
            let body = try await state.body(request)
            guard let requestID = try body.optionalString("request_id"), !requestID.isEmpty else {
                throw APIError.invalid("missing field 'request_id'", code: "missing_field")
            }
            guard let label = try body.optionalString("label"), !label.isEmpty else {
                throw APIError.invalid("missing field 'label'", code: "missing_field")
            }
            let outcome = try state.feedback.record(requestID: requestID, label: label)
            state.metrics.setAccuracy(model: outcome.prediction.model, version: outcome.prediction.version,
                                      accuracy: outcome.accuracy)
            return try state.json(FeedbackBody(requestID: requestID, model: outcome.prediction.model,
                                               modelVersion: outcome.prediction.version, predicted: outcome.prediction.label,
                                               label: label, correct: outcome.correct, accuracy: outcome.accuracy,
                                               window: outcome.windowCount))
        }
    }

    struct FeedbackBody: Encodable {
        var requestID: String
        var model: String
        var modelVersion: String
        var predicted: String
        var label: String
        var correct: Bool
        var accuracy: Double
        var window: Int
        enum CodingKeys: String, CodingKey {
            case model, predicted, label, correct, accuracy, window
            case requestID = "request_id"
            case modelVersion = "model_version"
        }
    }
}
