import Foundation
import Testing
import HummingbirdTesting
@testable import FlintServe

/// Concurrent requests share forward passes; answers go back to the right requests; a full queue is a
/// 503 with Retry-After.
@Suite struct DynamicBatchingTests {
    @Test("24 concurrent /predict calls form batches larger than 1, and each gets its own text's answer")
    func concurrentRequestsShareBatches() async throws {
        let directory = ServeFixtures.scratch("batching")
        defer { try? FileManager.default.removeItem(at: directory) }
        let server = try ServeFixtures.server(directory) { configuration in
            configuration.batching.maxQueueDelayUs = 20_000
            configuration.batching.maxBatchSize = 8
        }
        let texts = (0..<24).map { ServeFixtures.words[$0 % ServeFixtures.words.count] + " " + ServeFixtures.words[($0 * 7) % ServeFixtures.words.count] }
        let folder = directory.appendingPathComponent("classifier")
        let expected = try ServedModel(name: "x", version: "x", source: "", folder: folder, task: nil)
            .run(texts.map { try ServedModel(name: "x", version: "x", source: "", folder: folder, task: nil).tokenize($0) })
        try await withServer(server) { client in
            let answers = try await withThrowingTaskGroup(of: (Int, String?).self) { group in
                for (index, text) in texts.enumerated() {
                    group.addTask {
                        let response = try await client.post("/predict", #"{"text": "\#(text)"}"#)
                        return (index, response.json["label"] as? String)
                    }
                }
                var labels = [String?](repeating: nil, count: texts.count)
                for try await (index, label) in group { labels[index] = label }
                return labels
            }
            for (answer, want) in zip(answers, expected) {
                guard case .classification(let result) = want else { Issue.record("not a classification"); continue }
                #expect(answer == result.label)
            }
            let metrics = try PrometheusText(try await client.get("/metrics").text)
            let batches = metrics.values("model_batch_size_count", ["model": "sentiment"]).first ?? 0
            let texts = metrics.values("model_batch_size_sum", ["model": "sentiment"]).first ?? 0
            #expect(texts == 24)
            #expect(batches < 24, "batches of more than one request formed (\(batches) batches for 24 texts)")
            // Texts that shared a forward pass = all texts − batches of one; with 24 requests in flight and a
            // 20 ms window most of them must have (the old `singles < batches || batches < 24` was implied by
            // the line above and could not fail).
            let singles = metrics.values("model_batch_size_bucket", ["model": "sentiment", "le": "1.0"]).first ?? 0
            #expect(texts - singles >= 12, "at least half of the 24 texts shared a batch (\(singles) ran alone in \(batches) batches)")
            #expect(metrics.values("model_batch_size_bucket", ["model": "sentiment", "le": "8.0"]).first == batches,
                    "no batch exceeds max_batch_size")
        }
    }

    @Test("a full queue answers 503 with Retry-After, and the waiting request still completes")
    func fullQueueIs503() async throws {
        let directory = ServeFixtures.scratch("queue")
        defer { try? FileManager.default.removeItem(at: directory) }
        let server = try ServeFixtures.server(directory) { configuration in
            configuration.batching.maxQueueLength = 1
            configuration.batching.maxQueueDelayUs = 400_000
            configuration.batching.maxBatchSize = 64
        }
        try await withServer(server) { client in
            async let first = client.post("/predict", #"{"text": "good"}"#)
            try await Task.sleep(for: .milliseconds(100))
            let second = try await client.post("/predict", #"{"text": "bad"}"#)
            #expect(second.status == .serviceUnavailable)
            #expect(second.errorCode == "queue_full")
            #expect(second.headers[.retryAfter] == "1")
            #expect(try await first.status == .ok)
            let metrics = try PrometheusText(try await client.get("/metrics").text)
            #expect(metrics.values("model_predictions_total", ["model": "sentiment", "status": "rejected"]) == [1])
        }
    }

    @Test("the batcher respects the token budget: a request over it runs alone, others pack up to it")
    func tokenBudget() async throws {
        let directory = ServeFixtures.scratch("tokens")
        defer { try? FileManager.default.removeItem(at: directory) }
        let folder = try ServeFixtures.classifier(in: directory)
        let model = try ServedModel(name: "m", version: "1", source: folder.path, folder: folder, task: nil)
        let metrics = ServeMetrics()
        let batcher = DynamicBatcher(model: model, limits: .init(maxBatchSize: 64, maxBatchTokens: 10,
                                                                 maxQueueDelay: .milliseconds(50), maxQueueLength: 64),
                                     metrics: metrics, logger: .init(label: "test"))
        let short = model.tokenize("good")            // [CLS] good [SEP] = 3 tokens
        let long = model.tokenize("the product is good and i love it the delivery was fast")
        #expect(short.count == 3 && long.count > 10)
        let outputs = try await withThrowingTaskGroup(of: Int.self) { group in
            for sequences in [[short], [short], [short], [long], [short]] {
                group.addTask { try await batcher.submit(sequences).count }
            }
            return try await group.reduce(0, +)
        }
        #expect(outputs == 5)
        await batcher.drain()
        let text = try PrometheusText(metrics.render())
        let sum = text.values("model_batch_size_sum").first ?? 0
        let count = text.values("model_batch_size_count").first ?? 0
        #expect(sum == 5)
        #expect(count >= 2 && count <= 4, "3 shorts fit in 10 tokens together; the long one runs alone (\(count) batches)")
        let waiting = try? await batcher.submit([short])
        #expect(waiting == nil, "a drained batcher refuses work")
    }
}
