import Foundation
import Hummingbird

/// `GET /v1/models` (OpenAI's list), `GET /v1/models/{name}`, and TF-Serving / KServe-v1 prediction:
/// `POST /v1/models/{name}:predict` and `POST /v1/models/{name}/versions/{version}:predict` with
/// `{"instances": ["…" | {"text": "…"}, …]}` → `{"predictions": […], "model", "model_version"}` (each
/// prediction a classification object, or an embedding vector for embedding models).
struct ModelRoutes {
    let state: ServeState
    let created = Int(Date().timeIntervalSince1970)

    func add(to router: Router<ServeRequestContext>) {
        router.get("/v1/models") { _, _ in
            try state.json(ModelList(data: state.router.names.map { entry($0) } + state.chatHost.served.map { entry($0) }))
        }
        router.get("/v1/models/{name}") { _, context in
            let name = try context.parameters.require("name")
            if let chat = state.chatHost.served.first(where: { $0.name == name }) { return try state.json(entry(chat)) }
            guard let served = state.router.names.first(where: { $0.name == name }) else {
                throw APIError.modelNotFound("model '\(name)' is not served here; GET /v1/models lists the models")
            }
            return try state.json(entry(served))
        }
        router.post("/v1/models/{name}:predict") { request, context in
            try await predict(request, context, name: context.parameters.require("name"), version: nil)
        }
        router.post("/v1/models/{name}/versions/{version}:predict") { request, context in
            try await predict(request, context, name: context.parameters.require("name"),
                              version: context.parameters.require("version"))
        }
    }

    func predict(_ request: Request, _ context: ServeRequestContext, name: String, version: String?) async throws -> Response {
        let body = try await state.body(request)
        let texts = try Self.instanceTexts(body, maxTexts: state.configuration.limits.maxTexts)
        let batcher = try state.route(name: name, version: version, task: nil, request: request)
        switch batcher.model.task {
        case .textClassification:
            let (model, items) = try await state.classify(texts, name: name, version: batcher.model.version, request: request,
                                                          requestID: context.requestID)
            return try state.json(KServeBody(predictions: .classifications(items), model: model.name,
                                             modelVersion: model.version, requestID: context.requestID))
        case .sentenceEmbedding:
            let (model, vectors, _) = try await state.embed(texts, name: name, version: batcher.model.version,
                                                            request: request, requestID: context.requestID)
            return try state.json(KServeBody(predictions: .embeddings(vectors), model: model.name,
                                             modelVersion: model.version, requestID: context.requestID))
        }
    }

    /// The texts of a KServe-v1 body: `instances`, a non-empty array of at most `maxTexts` strings or
    /// `{"text": "…"}` objects, each validated (422 naming `instances[i]` otherwise).
    static func instanceTexts(_ body: JSONRequest, maxTexts: Int) throws -> [String] {
        guard let raw = body.object["instances"], !(raw is NSNull) else {
            throw APIError.invalid("missing field 'instances': send {\"instances\": [\"…\"]}", code: "missing_field")
        }
        guard let instances = raw as? [Any] else {
            throw APIError.invalid("field 'instances' must be an array, found \(JSONRequest.typeName(raw))", code: "invalid_type")
        }
        if instances.isEmpty { throw APIError.invalid("field 'instances' is empty", code: "empty_input") }
        if instances.count > maxTexts {
            throw APIError.invalid("field 'instances' has \(instances.count) items; the limit is \(maxTexts)",
                                   code: "too_many_texts")
        }
        return try instances.enumerated().map { index, instance -> String in
            if let object = instance as? [String: Any] {
                guard let text = object["text"] else {
                    throw APIError.invalid("instances[\(index)] has no 'text' field", code: "missing_field")
                }
                return try body.validatedText(text, field: "instances[\(index)].text")
            }
            return try body.validatedText(instance, field: "instances[\(index)]")
        }
    }

    func entry(_ served: ServedName) -> ModelEntry {
        ModelEntry(id: served.name, created: created, task: served.task.rawValue,
                   versions: zip(served.variants, served.weights).map { batcher, weight in
                       .init(version: batcher.model.version, weight: weight, source: batcher.model.source,
                             labels: batcher.model.labels.isEmpty ? nil : batcher.model.labels,
                             dimension: batcher.model.dimension, maxTokens: batcher.model.maximumLength)
                   })
    }

    /// A chat model: task `chat`, its file, hidden size and context size.
    func entry(_ chat: ServedChatModel) -> ModelEntry {
        ModelEntry(id: chat.name, created: chat.created, task: "chat",
                   versions: [.init(version: chat.version, weight: 1, source: chat.model.path, labels: nil,
                                    dimension: chat.model.model.configuration.embeddingLength, maxTokens: chat.model.contextSize)])
    }

    struct ModelEntry: Encodable {
        var id: String
        var object = "model"
        var created: Int
        var ownedBy = "flint"
        var task: String
        var versions: [Version]
        struct Version: Encodable {
            var version: String
            var weight: Double
            var source: String
            var labels: [String]?
            var dimension: Int
            var maxTokens: Int
            enum CodingKeys: String, CodingKey {
                case version, weight, source, labels, dimension
                case maxTokens = "max_tokens"
            }
        }
        enum CodingKeys: String, CodingKey {
            case id, object, created, task, versions
            case ownedBy = "owned_by"
        }
        init(id: String, created: Int, task: String, versions: [Version]) {
            self.id = id
            self.created = created
            self.task = task
            self.versions = versions
        }
    }

    struct ModelList: Encodable {
        var object = "list"
        var data: [ModelEntry]
        init(data: [ModelEntry]) { self.data = data }
    }

    enum Predictions: Encodable {
        case classifications([PredictionItem])
        case embeddings([[Float]])
        func encode(to encoder: any Encoder) throws {
            var container = encoder.singleValueContainer()
            switch self {
            case .classifications(let items): try container.encode(items)
            case .embeddings(let vectors): try container.encode(vectors)
            }
        }
    }

    struct KServeBody: Encodable {
        var predictions: Predictions
        var model: String
        var modelVersion: String
        var requestID: String
        enum CodingKeys: String, CodingKey {
            case predictions, model
            case modelVersion = "model_version"
            case requestID = "request_id"
        }
    }
}
