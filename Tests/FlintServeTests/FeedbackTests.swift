import Foundation
import Testing
import HummingbirdTesting
@testable import FlintServe

/// `POST /feedback`: true labels score the version that answered, over a sliding window.
@Suite struct FeedbackTests {
    @Test("feedback updates accuracy and error rate per version; unknown ids, unknown labels and repeats are 4xx")
    func feedbackScores() async throws {
        let directory = ServeFixtures.scratch("feedback")
        defer { try? FileManager.default.removeItem(at: directory) }
        let server = try ServeFixtures.server(directory)
        try await withServer(server) { client in
            let first = try await client.post("/predict", #"{"text": "good"}"#)
            let second = try await client.post("/predict", #"{"text": "bad"}"#)
            let firstID = try #require(first.json["request_id"] as? String)
            let secondID = try #require(second.json["request_id"] as? String)
            let firstLabel = try #require(first.json["label"] as? String)
            let secondLabel = try #require(second.json["label"] as? String)
            let wrong = secondLabel == "positive" ? "negative" : "positive"

            let right = try await client.post("/feedback", #"{"request_id": "\#(firstID)", "label": "\#(firstLabel)"}"#)
            #expect(right.status == .ok)
            #expect(right.json["correct"] as? Bool == true)
            #expect(right.json["accuracy"] as? Double == 1)
            let miss = try await client.post("/feedback", #"{"request_id": "\#(secondID)", "label": "\#(wrong)"}"#)
            #expect(miss.json["correct"] as? Bool == false)
            #expect(miss.json["accuracy"] as? Double == 0.5)
            #expect(miss.json["model_version"] as? String == "classifier")

            let metrics = try PrometheusText(try await client.get("/metrics").text)
            #expect(metrics.values("model_accuracy_score", ["model_version": "classifier"]) == [0.5])
            #expect(metrics.values("model_error_rate", ["model_version": "classifier"]) == [0.5])

            let cases: [(String, Int, String)] = [
                (#"{"request_id": "nope", "label": "positive"}"#, 404, "unknown_request_id"),
                (#"{"request_id": "\#(firstID)", "label": "neutral"}"#, 422, "unknown_label"),
                (#"{"request_id": "\#(firstID)", "label": "\#(firstLabel)"}"#, 409, "duplicate_feedback"),
                (#"{"label": "positive"}"#, 422, "missing_field"),
                (#"{"request_id": 3, "label": "positive"}"#, 422, "invalid_type"),
            ]
            for (body, status, code) in cases {
                let response = try await client.post("/feedback", body)
                #expect(response.status.code == status, "\(body)")
                #expect(response.errorCode == code, "\(body): \(response.text)")
            }
        }
    }

    @Test("the window keeps the last N outcomes per version and memory forgets the oldest predictions")
    func slidingWindow() throws {
        let tracker = FeedbackTracker(window: 3, memory: 4)
        let labels = ["a", "b"]
        for i in 0..<6 {
            tracker.remember(requestID: "r\(i)", prediction: .init(model: "m", version: "1", label: "a", labels: labels))
        }
        #expect(throws: APIError.self) { try tracker.record(requestID: "r0", label: "a") }   // forgotten
        #expect(try tracker.record(requestID: "r2", label: "b").accuracy == 0)
        #expect(try tracker.record(requestID: "r3", label: "a").accuracy == 0.5)
        #expect(try tracker.record(requestID: "r4", label: "a").accuracy == 2.0 / 3)
        let last = try tracker.record(requestID: "r5", label: "a")       // r2's miss leaves the window
        #expect(last.accuracy == 1 && last.windowCount == 3)
    }
}
