import Foundation
import Hummingbird
import NIOCore
import FlintSupport

/// OpenAI's Files and Batch APIs, for the chat models and embeddings:
///
/// - `POST /v1/files` (multipart: `purpose` = `batch`, `file` = JSONL), `GET /v1/files`, `GET /v1/files/{id}`,
///   `GET /v1/files/{id}/content`, `DELETE /v1/files/{id}`;
/// - `POST /v1/batches` (`input_file_id`, `endpoint` `/v1/chat/completions` or `/v1/embeddings`,
///   `completion_window` `24h`, `metadata`), `GET /v1/batches` (`limit`, `after`), `GET /v1/batches/{id}`,
///   `POST /v1/batches/{id}/cancel`.
///
/// Files and batches are kept under `data_dir` (default `$FLINT_HOME/data`) and survive a restart; the
/// ``OpenAIBatchRunner`` carries the batches out at a lower priority than interactive requests.
struct BatchAPIRoutes {
    let state: ServeState
    let files: OpenAIFileStore
    let batches: OpenAIBatchStore

    func add(to router: Router<ServeRequestContext>) {
        router.post("/v1/files") { request, _ in
            guard let boundary = request.headers[.contentType].flatMap(MultipartFormData.boundary(contentType:)) else {
                throw APIError(.unsupportedMediaType, "Content-Type must be multipart/form-data with a boundary", type: "invalid_request_error",
                               code: "unsupported_media_type")
            }
            let limit = state.configuration.limits.maxFileBytes
            var request = request
            let buffer: ByteBuffer
            do {
                buffer = try await request.collectBody(upTo: limit)
            } catch is NIOTooManyBytesError {
                throw APIError.bodyTooLarge(limit: limit)
            } catch let error as HTTPError where error.status == .contentTooLarge {
                throw APIError.bodyTooLarge(limit: limit)
            }
            let form = try MultipartFormData(Data(buffer.readableBytesView), boundary: boundary)
            guard let purpose = form.part("purpose").map({ String(decoding: $0.body, as: UTF8.self) }) else {
                throw APIError.invalidParameter("purpose", "purpose: required (batch)", code: "missing_required_parameter")
            }
            guard purpose == "batch" else { throw APIError.invalidParameter("purpose", "purpose: only 'batch' files are kept here (got '\(purpose.prefix(40))')") }
            guard let file = form.part("file") else { throw APIError.invalidParameter("file", "file: required", code: "missing_required_parameter") }
            guard String(data: file.body, encoding: .utf8) != nil else { throw APIError.invalidParameter("file", "file: must be UTF-8 JSONL") }
            let object = try files.create(content: file.body, filename: String((file.filename ?? "upload.jsonl").prefix(200)), purpose: purpose)
            return try state.json(object)
        }
        router.get("/v1/files") { _, _ in
            try state.json(FileList(data: files.list()))
        }
        router.get("/v1/files/{id}") { _, context in
            try state.json(try files.object(context.parameters.require("id")))
        }
        router.get("/v1/files/{id}/content") { _, context in
            let url = try files.contentURL(context.parameters.require("id"))
            let data = try Data(contentsOf: url)
            return Response(status: .ok, headers: [.contentType: "application/jsonl"], body: .init(byteBuffer: ByteBuffer(bytes: data)))
        }
        router.delete("/v1/files/{id}") { _, context in
            let id = try context.parameters.require("id")
            try files.delete(id)
            return try state.json(Deleted(id: id))
        }
        router.post("/v1/batches") { request, _ in
            let body = try await state.body(request)
            let fields = GenerationRequest.Fields(object: body.object)
            guard let input = try fields.string("input_file_id") else {
                throw APIError.invalidParameter("input_file_id", "input_file_id: required", code: "missing_required_parameter")
            }
            let file = try files.object(input)
            guard file.purpose == "batch" else { throw APIError.invalidParameter("input_file_id", "input_file_id: \(input) is not a batch input file") }
            guard let endpoint = try fields.string("endpoint"), OpenAIBatchObject.endpoints.contains(endpoint) else {
                throw APIError.invalidParameter("endpoint", "endpoint: one of \(OpenAIBatchObject.endpoints.sorted().joined(separator: ", "))")
            }
            let window = try fields.string("completion_window") ?? "24h"
            guard window == "24h" else { throw APIError.invalidParameter("completion_window", "completion_window: only '24h'") }
            var metadata: [String: String]?
            if let raw = fields.value("metadata") {
                guard let map = raw as? [String: Any], map.count <= 16, map.values.allSatisfy({ $0 is String }) else {
                    throw APIError.invalidParameter("metadata", "metadata: at most 16 string values")
                }
                metadata = map.mapValues { $0 as! String }
            }
            let now = OpenAIBatchRunner.now()
            let batch = OpenAIBatchObject(id: OpenAIFileStore.newID("batch_"), endpoint: endpoint, inputFileID: input, completionWindow: window,
                                          status: "validating", createdAt: now, expiresAt: now + 86_400, metadata: metadata)
            try batches.save(batch)
            return try state.json(batch)
        }
        router.get("/v1/batches") { request, _ in
            let values = request.uri.queryParameters.getAll("limit")
            guard values.count <= 1 else { throw APIError.invalidParameter("limit", "limit: give it once") }
            var limit = 20
            if let raw = values.first {
                guard let value = Int(String(raw)), (1...100).contains(value) else {
                    throw APIError.invalidParameter("limit", "limit: an integer in 1…100 (got '\(raw.prefix(20))')")
                }
                limit = value
            }
            var all = batches.list()
            if let after = request.uri.queryParameters["after"].map(String.init), let index = all.firstIndex(where: { $0.id == after }) {
                all = Array(all[(index + 1)...])
            }
            let page = Array(all.prefix(limit))
            return try state.json(BatchList(data: page, firstID: page.first?.id, lastID: page.last?.id, hasMore: all.count > page.count))
        }
        router.get("/v1/batches/{id}") { _, context in
            try state.json(try batches.batch(context.parameters.require("id")))
        }
        router.post("/v1/batches/{id}/cancel") { _, context in
            let id = try context.parameters.require("id")
            let batch = try batches.update(id) { batch in
                guard batch.isOpen else {
                    throw APIError(.conflict, "Cannot cancel a batch with status \(batch.status)", type: "invalid_request_error", code: "batch_not_cancellable")
                }
                if batch.status != "cancelling" {
                    batch.status = "cancelling"
                    batch.cancellingAt = OpenAIBatchRunner.now()
                }
            }
            return try state.json(batch)
        }
    }

    struct FileList: Encodable {
        var object = "list"
        var data: [OpenAIFileStore.FileObject]
    }

    struct Deleted: Encodable {
        var id: String
        var object = "file"
        var deleted = true
    }

    struct BatchList: Encodable {
        var object = "list"
        var data: [OpenAIBatchObject]
        var firstID: String?
        var lastID: String?
        var hasMore: Bool
        enum CodingKeys: String, CodingKey {
            case object, data
            case firstID = "first_id"
            case lastID = "last_id"
            case hasMore = "has_more"
        }
    }
}
