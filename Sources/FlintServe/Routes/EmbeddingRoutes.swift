import Foundation
import Hummingbird

/// `POST /v1/embeddings` in OpenAI's shape: `{"input": "…" | ["…", …], "model"?: name,
/// "encoding_format"?: "float" | "base64", "dimensions"?: n}` →
/// `{"object": "list", "data": [{"object": "embedding", "index": i, "embedding": […]}], "model": name,
/// "usage": {"prompt_tokens": n, "total_tokens": n}}`. Base64 is the little-endian float32 bytes, as
/// OpenAI's clients decode it. Token counts include the [CLS]/[SEP] tokens the model sees.
struct EmbeddingRoutes {
    let state: ServeState

    func add(to router: Router<ServeRequestContext>) {
        router.post("/v1/embeddings") { request, context in
            let body = try await state.body(request)
            if let input = body.object["input"] as? [Any], input.first is NSNumber || input.first is [Any] {
                throw APIError.invalid("token arrays are not supported as 'input'; send strings", code: "unsupported_input")
            }
            let texts = try body.texts("input", allowsSingle: true)
            let format = try body.optionalString("encoding_format") ?? "float"
            guard format == "float" || format == "base64" else {
                throw APIError.invalid("encoding_format must be 'float' or 'base64', got '\(format)'", code: "invalid_value")
            }
            let (model, vectors, tokens) = try await state.embed(texts, name: body.optionalString("model"), request: request,
                                                                 requestID: context.requestID)
            if let dimensions = try body.optionalInteger("dimensions"), dimensions != model.dimension {
                throw APIError.invalid("model '\(model.name)' makes \(model.dimension)-dimensional embeddings; dimensions=\(dimensions) is not supported",
                                       code: "invalid_value")
            }
            let data = vectors.enumerated().map { index, vector in
                EmbeddingItem(index: index, embedding: format == "base64" ? .base64(Self.base64(vector)) : .floats(vector))
            }
            return try state.json(EmbeddingBody(data: data, model: model.name,
                                                usage: .init(promptTokens: tokens, totalTokens: tokens)))
        }
    }

    /// Little-endian float32 bytes, base64.
    static func base64(_ vector: [Float]) -> String {
        var bytes = [UInt8]()
        bytes.reserveCapacity(vector.count * 4)
        for value in vector {
            let bits = value.bitPattern.littleEndian
            withUnsafeBytes(of: bits) { bytes.append(contentsOf: $0) }
        }
        return Data(bytes).base64EncodedString()
    }

    enum Vector: Encodable {
        case floats([Float])
        case base64(String)
        func encode(to encoder: any Encoder) throws {
            var container = encoder.singleValueContainer()
            switch self {
            case .floats(let values): try container.encode(values)
            case .base64(let text): try container.encode(text)
            }
        }
    }

    struct EmbeddingItem: Encodable {
        var object = "embedding"
        var index: Int
        var embedding: Vector
        init(index: Int, embedding: Vector) {
            self.index = index
            self.embedding = embedding
        }
    }

    struct Usage: Encodable {
        var promptTokens: Int
        var totalTokens: Int
        enum CodingKeys: String, CodingKey {
            case promptTokens = "prompt_tokens"
            case totalTokens = "total_tokens"
        }
    }

    struct EmbeddingBody: Encodable {
        var object = "list"
        var data: [EmbeddingItem]
        var model: String
        var usage: Usage
        init(data: [EmbeddingItem], model: String, usage: Usage) {
            self.data = data
            self.model = model
            self.usage = usage
        }
    }
}
