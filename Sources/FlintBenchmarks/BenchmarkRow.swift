import Foundation

/// One line of `flint bench`: Flint's number, the peer's number on the same work, and their ratio.
///
/// `ratio` is oriented so that a value above 1 means Flint is better: for throughputs it is
/// flint / peer, for times and memory peer / flint.
public struct BenchmarkRow: Codable, Sendable {
    /// What was measured, e.g. `sgemm n=1024`.
    public var name: String
    /// The unit of `flint` and `peer`, e.g. `GFLOP/s`, `img/s`, `MiB`.
    public var unit: String
    /// Flint's value.
    public var flint: Double
    /// The peer's value on the same work, when the peer ran.
    public var peer: Double?
    /// flint/peer for throughputs, peer/flint for costs; > 1 means Flint is better.
    public var ratio: Double?
    /// The target ratio from the issue, e.g. 0.95 or 1.0.
    public var goal: Double?
    /// Who the peer was, e.g. `OpenBLAS cblas_sgemm` or `PyTorch 2.13`.
    public var peerName: String?
    /// The threads Flint ran with, as the Flint process reported them.
    public var flintThreads: Int?
    /// The threads the peer ran with, as the peer process reported them.
    public var peerThreads: Int?

    public init(name: String, unit: String, flint: Double, peer: Double? = nil, higherIsBetter: Bool = true,
                goal: Double? = nil, peerName: String? = nil, flintThreads: Int? = nil, peerThreads: Int? = nil) {
        self.name = name
        self.unit = unit
        self.flint = flint
        self.peer = peer
        if let peer, peer > 0, flint > 0 {
            ratio = higherIsBetter ? flint / peer : peer / flint
        }
        self.goal = goal
        self.peerName = peerName
        self.flintThreads = flintThreads
        self.peerThreads = peerThreads
    }

    /// The JSON line `{"name", "unit", "flint", "peer", "ratio", "goal", "flint_threads", "peer_threads"}`
    /// (nulls where absent), plus `peer_name` when known.
    public var jsonLine: String {
        func number(_ v: Double?) -> String {
            guard let v, v.isFinite else { return "null" }
            return String(format: "%.4g", v)
        }
        func string(_ s: String) -> String {
            let encoder = JSONEncoder()
            encoder.outputFormatting = .withoutEscapingSlashes
            let data = try? encoder.encode(s)
            return data.flatMap { String(data: $0, encoding: .utf8) } ?? "\"\""
        }
        var fields = ["\"name\": \(string(name))", "\"unit\": \(string(unit))", "\"flint\": \(number(flint))",
                      "\"peer\": \(number(peer))", "\"ratio\": \(number(ratio))", "\"goal\": \(number(goal))",
                      "\"flint_threads\": \(flintThreads.map(String.init) ?? "null")",
                      "\"peer_threads\": \(peerThreads.map(String.init) ?? "null")"]
        if let peerName { fields.append("\"peer_name\": \(string(peerName))") }
        return "{" + fields.joined(separator: ", ") + "}"
    }

    /// Renders rows as an aligned text table.
    public static func table(_ rows: [BenchmarkRow]) -> String {
        func fmt(_ v: Double?) -> String {
            guard let v, v.isFinite else { return "—" }
            return v >= 100 ? String(format: "%.0f", v) : String(format: "%.2f", v)
        }
        let header = ["benchmark", "unit", "flint", "peer", "ratio", "goal", "threads flint/peer", "peer is"]
        let cells = rows.map { r in
            [r.name, r.unit, fmt(r.flint), fmt(r.peer), r.ratio.map { String(format: "%.2f×", $0) } ?? "—",
             r.goal.map { String(format: "≥ %.2f×", $0) } ?? "—", threadCell(r), r.peerName ?? "—"]
        }
        var widths = header.map(\.count)
        for row in cells { for (i, c) in row.enumerated() { widths[i] = max(widths[i], c.count) } }
        func line(_ row: [String]) -> String {
            row.enumerated().map { i, c in
                i == 0 || i == 7 ? c.padding(toLength: widths[i], withPad: " ", startingAt: 0)
                    : String(repeating: " ", count: widths[i] - c.count) + c
            }.joined(separator: "  ")
        }
        return ([line(header), line(widths.map { String(repeating: "-", count: $0) })] + cells.map(line))
            .joined(separator: "\n")
    }

    /// The table's thread cell: `2/2` (Flint's and the peer's), `2/—` when no peer ran.
    static func threadCell(_ row: BenchmarkRow) -> String {
        "\(row.flintThreads.map(String.init) ?? "—")/\(row.peer == nil ? "—" : row.peerThreads.map(String.init) ?? "?")"
    }
}
