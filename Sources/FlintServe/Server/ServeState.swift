import Foundation
import Hummingbird
import HTTPTypes
import Logging
import FlintModels

/// What every route shares: the configuration, the router, the model host, metrics, feedback and the
/// logger, plus the inference calls that count predictions and log the warnings the issue asks for.
final class ServeState: Sendable {
    let configuration: ServeConfiguration
    let router: ModelRouter
    let host: ModelHost
    let chatHost: ChatModelHost
    let metrics: ServeMetrics
    let feedback: FeedbackTracker
    let logger: Logger
    let encoder: JSONEncoder

    init(configuration: ServeConfiguration, router: ModelRouter, host: ModelHost, chatHost: ChatModelHost, metrics: ServeMetrics,
         feedback: FeedbackTracker, logger: Logger) {
        self.configuration = configuration
        self.router = router
        self.host = host
        self.chatHost = chatHost
        self.metrics = metrics
        self.feedback = feedback
        self.logger = logger
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.withoutEscapingSlashes, .sortedKeys]
        self.encoder = encoder
    }

    /// Reads the body as JSON under the configured limits.
    func body(_ request: Request) async throws -> JSONRequest {
        try await JSONRequest.read(request, maxBodyBytes: configuration.server.maxBodyBytes, limits: configuration.limits)
    }

    /// The batcher for a request; 503 `not_ready` while the models load (or after shutdown began), rather
    /// than the 404 an empty routing table would give.
    func route(name: String?, version: String? = nil, task: ServedTask?, request: Request?) throws -> DynamicBatcher {
        guard host.isReady else { throw APIError.notReady() }
        return try router.route(name: name, version: version, task: task, userKey: request.flatMap(userKey))
    }

    /// The sticky-routing key of a request.
    func userKey(_ request: Request) -> String? {
        HTTPField.Name(configuration.routing.stickyHeader).flatMap { request.headers[$0] }
    }

    /// Tokenizes on the request's task, runs on the model's inference thread, counts the outcome.
    func infer(_ texts: [String], batcher: DynamicBatcher, requestID: String) async throws -> (outputs: [InferenceOutput], tokens: Int) {
        let model = batcher.model
        for (index, text) in texts.enumerated() where text.count > 1_000 {
            logger.warning("long input", metadata: ["request_id": "\(requestID)", "model": "\(model.name)",
                                                    "index": "\(index)", "characters": "\(text.count)"])
        }
        let sequences = texts.map(model.tokenize)
        let start = ContinuousClock.now
        do {
            let outputs = try await batcher.submit(sequences)
            metrics.recordPrediction(model: model.name, version: model.version, duration: ContinuousClock.now - start)
            metrics.recordPredictions(model: model.name, version: model.version, status: "ok", count: texts.count)
            return (outputs, sequences.reduce(0) { $0 + $1.count })
        } catch let error as APIError {
            metrics.recordPredictions(model: model.name, version: model.version, status: "rejected", count: texts.count)
            throw error
        } catch {
            metrics.recordPredictions(model: model.name, version: model.version, status: "error", count: texts.count)
            throw error
        }
    }

    /// Classifies `texts`, remembers each prediction for feedback under `requestID` (one text) or
    /// `requestID-i` (several), and logs low-confidence answers.
    func classify(_ texts: [String], name: String?, version: String? = nil, request: Request,
                  requestID: String) async throws -> (ServedModel, [PredictionItem]) {
        let batcher = try route(name: name, version: version, task: .textClassification, request: request)
        let outputs = try await infer(texts, batcher: batcher, requestID: requestID).outputs
        let model = batcher.model
        let items = outputs.enumerated().map { index, output -> PredictionItem in
            guard case .classification(let result) = output else { preconditionFailure("classification model gave \(output)") }
            let id = texts.count == 1 ? requestID : "\(requestID)-\(index)"
            let item = PredictionItem(result, labels: model.labels, model: model, requestID: id)
            feedback.remember(requestID: id, prediction: .init(model: model.name, version: model.version,
                                                               label: result.label, labels: model.labels))
            if result.score < 0.5 {
                logger.warning("low confidence", metadata: ["request_id": "\(id)", "model": "\(model.name)",
                    "model_version": "\(model.version)", "label": "\(result.label)", "confidence": "\(result.score)"])
            }
            return item
        }
        return (model, items)
    }

    /// Embeds `texts` (each a unit vector for normalised sentence-transformers models).
    func embed(_ texts: [String], name: String?, version: String? = nil, request: Request?,
               requestID: String) async throws -> (ServedModel, [[Float]], tokens: Int) {
        let batcher = try route(name: name, version: version, task: .sentenceEmbedding, request: request)
        let (outputs, tokens) = try await infer(texts, batcher: batcher, requestID: requestID)
        let vectors = outputs.map { output -> [Float] in
            guard case .embedding(let vector) = output else { preconditionFailure("embedding model gave \(output)") }
            return vector
        }
        return (batcher.model, vectors, tokens)
    }

    /// A JSON response.
    func json<Value: Encodable>(_ value: Value, status: HTTPResponse.Status = .ok) throws -> Response {
        let data = try encoder.encode(value)
        return Response(status: status, headers: [.contentType: "application/json"],
                        body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }
}

/// One classification answer (`/predict`, each `/batch_predict` result, each KServe prediction).
struct PredictionItem: Encodable, Sendable {
    var prediction: Int
    var label: String
    var confidence: Float
    var probabilities: [String: Float]
    var model: String
    var modelVersion: String
    var requestID: String

    init(_ result: ClassificationResult, labels: [String], model: ServedModel, requestID: String) {
        prediction = labels.firstIndex(of: result.label) ?? 0
        label = result.label
        confidence = result.score
        var probabilities: [String: Float] = [:]
        for entry in result.probabilities { probabilities[entry.label] = entry.score }
        self.probabilities = probabilities
        self.model = model.name
        modelVersion = model.version
        self.requestID = requestID
    }

    enum CodingKeys: String, CodingKey {
        case prediction, label, confidence, probabilities, model
        case modelVersion = "model_version"
        case requestID = "request_id"
    }
}
