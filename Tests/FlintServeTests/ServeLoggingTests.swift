import Foundation
import Testing
import Logging
import HummingbirdTesting
@testable import FlintServe

/// The server's log: a warning for a low-confidence answer and for inputs over 1,000 characters, each
/// with the request id; the input text itself never appears at info level or above.
@Suite struct ServeLoggingTests {
    @Test("low confidence and long inputs are warned about with the request id; texts are never logged")
    func warnings() async throws {
        let directory = ServeFixtures.scratch("logging")
        defer { try? FileManager.default.removeItem(at: directory) }
        // Five labels from a tiny random head: every answer is near 1/5, so below 0.5.
        let folder = try ServeFixtures.classifier(in: directory, labels: ["a", "b", "c", "d", "e"])
        let lines = LogLines()
        let handler = JSONLogHandler(label: "flint.serve", level: .info) { lines.append($0) }
        let logger = Logger(label: "flint.serve") { _ in handler }
        var configuration = ServeConfiguration()
        configuration.models = [ModelSpecification(name: "topics", source: folder.path)]
        configuration.limits.maxTextBytes = 10_000
        let server = try FlintServer(configuration: configuration, logger: logger, environment: [:])
        let secret = "the quality is good"
        let long = String(repeating: "fast ", count: 240)    // 1,200 characters
        try await withServer(server) { client in
            let answer = try await client.post("/predict", #"{"text": "\#(secret)"}"#)
            #expect(answer.status == .ok)
            #expect((answer.json["confidence"] as? Double ?? 1) < 0.5)
            let id = try #require(answer.json["request_id"] as? String)
            let longAnswer = try await client.post("/predict", #"{"text": "\#(long)"}"#)
            let longID = try #require(longAnswer.json["request_id"] as? String)
            let records = lines.all.compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: String] }
            #expect(records.contains { $0["message"] == "low confidence" && $0["request_id"] == id && $0["level"] == "warning" })
            #expect(records.contains { $0["message"] == "long input" && $0["request_id"] == longID && $0["characters"] == "1200" })
            #expect(!lines.all.contains { $0.contains("quality") || $0.contains("fast fast") }, "input text was logged")
        }
    }
}
