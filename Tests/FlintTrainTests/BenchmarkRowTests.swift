import Foundation
import Testing
import FlintTrain
import FlintSupport

@Suite struct BenchmarkRowTests {
    @Test func jsonLineHasTheAgreedFieldsAndRatioOrientation() throws {
        let throughput = BenchmarkRow(name: "CNN eval", unit: "img/s", flint: 2000, peer: 1000, goal: 1.0)
        let object = try #require(JSONSerialization.jsonObject(with: Data(throughput.jsonLine.utf8)) as? [String: Any])
        #expect(Set(object.keys).isSuperset(of: ["name", "unit", "flint", "peer", "ratio", "goal"]))
        #expect(object["ratio"] as? Double == 2)
        // For costs (memory, latency) a smaller Flint value is better: ratio = peer / flint.
        let memory = BenchmarkRow(name: "memory", unit: "MiB", flint: 100, peer: 300, higherIsBetter: false)
        #expect(abs((memory.ratio ?? 0) - 3) < 1e-12)
        let alone = BenchmarkRow(name: "no peer", unit: "x", flint: 1)
        let aloneObject = try #require(JSONSerialization.jsonObject(with: Data(alone.jsonLine.utf8)) as? [String: Any])
        #expect(aloneObject["peer"] is NSNull && aloneObject["ratio"] is NSNull)
    }

    @Test func progressDurationsFormat() {
        #expect(ProgressBar.formatDuration(75) == "1:15")
        #expect(ProgressBar.formatDuration(3725) == "1:02:05")
        #expect(ProgressBar.formatDuration(.infinity) == "--:--")
    }
}

@Suite struct BenchmarkRowUnitTests {
    @Test func unitsAreWrittenPlainly() {
        #expect(BenchmarkRow(name: "sgemm", unit: "GFLOP/s", flint: 1).jsonLine.contains("\"unit\": \"GFLOP/s\""))
    }
}
