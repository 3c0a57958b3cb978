import Foundation
import Testing
import FlintBenchmarks

@Suite struct BenchmarkRowTests {
    @Test func jsonLineHasTheAgreedFieldsAndRatioOrientation() throws {
        let throughput = BenchmarkRow(name: "CNN eval", unit: "img/s", flint: 2000, peer: 1000, goal: 1.0,
                                      flintThreads: 2, peerThreads: 2)
        let object = try #require(JSONSerialization.jsonObject(with: Data(throughput.jsonLine.utf8)) as? [String: Any])
        #expect(Set(object.keys).isSuperset(of: ["name", "unit", "flint", "peer", "ratio", "goal", "flint_threads", "peer_threads"]))
        #expect(object["ratio"] as? Double == 2)
        #expect(object["flint_threads"] as? Int == 2 && object["peer_threads"] as? Int == 2)
        // For costs (memory, latency) a smaller Flint value is better: ratio = peer / flint.
        let memory = BenchmarkRow(name: "memory", unit: "MiB", flint: 100, peer: 300, higherIsBetter: false)
        #expect(abs((memory.ratio ?? 0) - 3) < 1e-12)
        let alone = BenchmarkRow(name: "no peer", unit: "x", flint: 1)
        let aloneObject = try #require(JSONSerialization.jsonObject(with: Data(alone.jsonLine.utf8)) as? [String: Any])
        #expect(aloneObject["peer"] is NSNull && aloneObject["ratio"] is NSNull)
        #expect(aloneObject["flint_threads"] is NSNull && aloneObject["peer_threads"] is NSNull)
    }

    @Test func tablePrintsBothThreadCountsOnEveryRow() {
        let rows = [
            BenchmarkRow(name: "sgemm n=256", unit: "GFLOP/s", flint: 190, peer: 180, goal: 0.95, peerName: "OpenBLAS",
                         flintThreads: 2, peerThreads: 2),
            BenchmarkRow(name: "tokenize", unit: "sentences/s", flint: 9000, peer: 3000, peerName: "tokenizers",
                         flintThreads: 1, peerThreads: 1),
            BenchmarkRow(name: "resident", unit: "MiB", flint: 100, flintThreads: 2),
        ]
        let lines = BenchmarkRow.table(rows).split(separator: "\n").map(String.init)
        #expect(lines[0].contains("threads flint/peer"))
        #expect(lines[2].contains(" 2/2 "))
        #expect(lines[3].contains(" 1/1 "))
        #expect(lines[4].contains(" 2/— "))
    }
}

@Suite struct BenchmarkRowUnitTests {
    @Test func unitsAreWrittenPlainly() {
        #expect(BenchmarkRow(name: "sgemm", unit: "GFLOP/s", flint: 1).jsonLine.contains("\"unit\": \"GFLOP/s\""))
    }
}
