import Foundation

/// OpenAI's batch object, with its status lifecycle: `validating` → `in_progress` → `finalizing` → `completed`,
/// or `failed` (the input file is not a valid batch), or `cancelling` → `cancelled`.
struct OpenAIBatchObject: Codable, Sendable, Equatable {
    struct RequestCounts: Codable, Sendable, Equatable {
        var total = 0
        var completed = 0
        var failed = 0
    }

    /// Why validation failed: `{"object": "list", "data": [{"code", "message", "line"}]}`.
    struct Errors: Codable, Sendable, Equatable {
        struct Item: Codable, Sendable, Equatable {
            var code: String
            var message: String
            var line: Int?
        }
        var object = "list"
        var data: [Item]
    }

    var id: String
    var object = "batch"
    var endpoint: String
    var errors: Errors?
    var inputFileID: String
    var completionWindow: String
    var status: String
    var outputFileID: String?
    var errorFileID: String?
    var createdAt: Int
    var inProgressAt: Int?
    var expiresAt: Int?
    var finalizingAt: Int?
    var completedAt: Int?
    var failedAt: Int?
    var cancellingAt: Int?
    var cancelledAt: Int?
    var requestCounts = RequestCounts()
    var metadata: [String: String]?

    enum CodingKeys: String, CodingKey {
        case id, object, endpoint, errors, status, metadata
        case inputFileID = "input_file_id"
        case completionWindow = "completion_window"
        case outputFileID = "output_file_id"
        case errorFileID = "error_file_id"
        case createdAt = "created_at"
        case inProgressAt = "in_progress_at"
        case expiresAt = "expires_at"
        case finalizingAt = "finalizing_at"
        case completedAt = "completed_at"
        case failedAt = "failed_at"
        case cancellingAt = "cancelling_at"
        case cancelledAt = "cancelled_at"
        case requestCounts = "request_counts"
    }

    /// Every key, nulls included, as OpenAI sends the object.
    func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(id, forKey: .id)
        try c.encode(object, forKey: .object)
        try c.encode(endpoint, forKey: .endpoint)
        try c.encode(errors, forKey: .errors)
        try c.encode(inputFileID, forKey: .inputFileID)
        try c.encode(completionWindow, forKey: .completionWindow)
        try c.encode(status, forKey: .status)
        try c.encode(outputFileID, forKey: .outputFileID)
        try c.encode(errorFileID, forKey: .errorFileID)
        try c.encode(createdAt, forKey: .createdAt)
        try c.encode(inProgressAt, forKey: .inProgressAt)
        try c.encode(expiresAt, forKey: .expiresAt)
        try c.encode(finalizingAt, forKey: .finalizingAt)
        try c.encode(completedAt, forKey: .completedAt)
        try c.encode(failedAt, forKey: .failedAt)
        try c.encode(cancellingAt, forKey: .cancellingAt)
        try c.encode(cancelledAt, forKey: .cancelledAt)
        try c.encode(requestCounts, forKey: .requestCounts)
        try c.encode(metadata, forKey: .metadata)
    }

    /// Whether the batch still has work (or a cancellation) to carry out.
    var isOpen: Bool { ["validating", "in_progress", "finalizing", "cancelling"].contains(status) }

    static let endpoints: Set<String> = ["/v1/chat/completions", "/v1/embeddings"]
}
