import Foundation
import Testing
import HummingbirdTesting
@testable import FlintServe

/// `/metrics` is valid Prometheus text and carries the issue's metrics with the right values.
@Suite struct MetricsTests {
    @Test("after predictions, feedback and a 422, /metrics parses and has every metric with consistent histograms")
    func metricsParse() async throws {
        let directory = ServeFixtures.scratch("metrics")
        defer { try? FileManager.default.removeItem(at: directory) }
        let server = try ServeFixtures.server(directory)
        try await withServer(server) { client in
            let first = try await client.post("/predict", #"{"text": "good"}"#)
            let id = try #require(first.json["request_id"] as? String)
            let label = try #require(first.json["label"] as? String)
            _ = try await client.post("/batch_predict", #"{"texts": ["bad", "the service was slow", "fast"]}"#)
            _ = try await client.post("/predict", #"{}"#)
            _ = try await client.post("/v1/embeddings", #"{"input": "good"}"#)
            _ = try await client.post("/feedback", #"{"request_id": "\#(id)", "label": "\#(label)"}"#)

            let response = try await client.get("/metrics")
            #expect(response.status == .ok)
            #expect(response.headers[.contentType]?.hasPrefix("text/plain; version=0.0.4") == true)
            let metrics = try PrometheusText(response.text)
            let sentiment = ["model": "sentiment", "model_version": "classifier"]
            #expect(metrics.values("model_predictions_total", sentiment.merging(["status": "ok"]) { a, _ in a }) == [4])
            #expect(metrics.values("model_predictions_total", ["model": "embedder", "status": "ok"]) == [1])
            #expect(metrics.types["model_prediction_duration_seconds"] == "histogram")
            #expect(metrics.values("model_prediction_duration_seconds_count", sentiment) == [2])
            #expect(metrics.values("model_batch_size_count", sentiment) == [2])
            #expect(metrics.values("model_batch_size_sum", sentiment) == [4])
            #expect(metrics.values("model_accuracy_score", sentiment) == [1])
            #expect(metrics.values("model_error_rate", sentiment) == [0])
            #expect(metrics.values("model_queue_depth", sentiment) == [0])
            #expect(metrics.values("http_requests_total", ["route": "/predict", "status": "200"]) == [1])
            #expect(metrics.values("http_requests_total", ["route": "/predict", "status": "422"]) == [1])
            #expect((metrics.values("process_resident_memory_bytes").first ?? 0) > 1_000_000)
            // Histogram buckets are cumulative and end at the count.
            for name in ["model_prediction_duration_seconds", "model_batch_size", "http_request_duration_seconds"] {
                let buckets = metrics.samples.filter { $0.name == name + "_bucket" && $0.labels["model"] == nil || $0.name == name + "_bucket" && $0.labels["model"] == "sentiment" }
                #expect(!buckets.isEmpty, "\(name)")
                var groups: [String: [PrometheusText.Sample]] = [:]
                for bucket in buckets {
                    var key = bucket.labels
                    key["le"] = nil
                    groups[key.sorted { $0.key < $1.key }.map { "\($0)=\($1)" }.joined(separator: ","), default: []].append(bucket)
                }
                for (_, group) in groups {
                    let values = group.map(\.value)
                    #expect(values == values.sorted(), "\(name) buckets are cumulative")
                    #expect(group.last?.labels["le"] == "+Inf")
                }
            }
        }
    }

    @Test("the reader rejects malformed exposition lines")
    func readerRejectsMalformed() {
        for bad in ["metric{a=\"1\" 2", "1metric 2", "metric{a=1} 2", "metric two", "# TYPE metric widget", "metric{a=\"x\"}2"] {
            #expect(throws: PrometheusText.Malformed.self, "\(bad)") { try PrometheusText(bad) }
        }
        #expect((try? PrometheusText("m{a=\"x\\\"y\"} 1.5\n# HELP m help text\n"))?.samples.first?.labels["a"] == "x\"y")
    }
}
