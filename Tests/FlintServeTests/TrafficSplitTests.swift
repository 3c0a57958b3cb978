import Foundation
import Testing
import HummingbirdTesting
@testable import FlintServe

/// A/B routing: weights hold within ±5% over 2,000 requests; a user id pins one version.
@Suite struct TrafficSplitTests {
    @Test("90/10 over 2,000 requests without a user id: each version's share is within ±5% of its weight; responses name the version")
    func weightsHoldOverHTTP() async throws {
        let directory = ServeFixtures.scratch("ab")
        defer { try? FileManager.default.removeItem(at: directory) }
        let a = try ServeFixtures.classifier(in: directory, name: "v-a", seed: 1)
        let b = try ServeFixtures.classifier(in: directory, name: "v-b", seed: 2)
        let server = try ServeFixtures.server(directory, models: [
            ModelSpecification(name: "sentiment", variants: [.init(source: a.path, weight: 90), .init(source: b.path, weight: 10)]),
        ])
        try await withServer(server) { client in
            var counts: [String: Int] = [:]
            for _ in 0..<2000 {
                let response = try await client.post("/predict", #"{"text": "good"}"#)
                counts[response.json["model_version"] as? String ?? "?", default: 0] += 1
            }
            #expect(counts.keys.sorted() == ["v-a", "v-b"])
            let share = Double(counts["v-a"] ?? 0) / 2000
            #expect(abs(share - 0.9) <= 0.05, "v-a share \(share)")

            // Sticky: the same user always gets the same version.
            for user in 0..<40 {
                var seen = Set<String>()
                for _ in 0..<5 {
                    let response = try await client.post("/predict", #"{"text": "good"}"#, headers: [.init("X-User-Id")!: "user-\(user)"])
                    seen.insert(response.json["model_version"] as? String ?? "?")
                }
                #expect(seen.count == 1, "user-\(user) saw \(seen)")
            }
            // A pinned version bypasses the split.
            let pinned = try await client.post("/v1/models/sentiment/versions/v-b:predict", #"{"instances": ["good"]}"#)
            #expect(pinned.json["model_version"] as? String == "v-b")
        }
    }

    @Test("sticky assignment spreads 2,000 users within ±5% of 70/20/10 and is stable")
    func stickyShares() {
        let split = TrafficSplit(weights: [70, 20, 10])
        var counts = [0, 0, 0]
        for user in 0..<2000 { counts[split.choose(name: "m", userKey: "u\(user)")] += 1 }
        for (count, weight) in zip(counts, [0.7, 0.2, 0.1]) {
            #expect(abs(Double(count) / 2000 - weight) <= 0.05, "\(counts)")
        }
        #expect(split.choose(name: "m", userKey: "u17") == split.choose(name: "m", userKey: "u17"))
        #expect(split.index(at: 0) == 0 && split.index(at: 0.6999) == 0 && split.index(at: 0.7) == 1 && split.index(at: 0.95) == 2)
        #expect(TrafficSplit(weights: [1]).choose(name: "m", userKey: nil) == 0)
    }
}
