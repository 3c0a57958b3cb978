/// Holds back generated text that could be the start of a stop string, so that a stop string spanning
/// several tokens is never emitted, and cuts the text where the first stop string begins.
///
/// Feed each token's text with ``append(_:)``; it returns the text that is safe to emit now. When a stop
/// string appears, ``stopped`` becomes true and the text before it (not yet emitted) is returned.
public struct StopStringMatcher: Sendable {
    public let stops: [String]
    /// Text received but not yet emitted (a possible stop-string prefix).
    public private(set) var pending = ""
    public private(set) var stopped = false

    public init(stops: [String]) {
        self.stops = stops.filter { !$0.isEmpty }
    }

    /// Adds `text` and returns what can be emitted.
    public mutating func append(_ text: String) -> String {
        guard !stopped else { return "" }
        pending += text
        if stops.isEmpty { defer { pending = "" }; return pending }
        // The earliest complete stop string ends generation.
        var earliest: String.Index?
        for stop in stops {
            if let range = pending.range(of: stop), earliest == nil || range.lowerBound < earliest! { earliest = range.lowerBound }
        }
        if let earliest {
            stopped = true
            defer { pending = "" }
            return String(pending[..<earliest])
        }
        // Hold back the longest suffix of pending that is a prefix of some stop string.
        var held = 0
        let scalars = Array(pending.unicodeScalars)
        for stop in stops {
            let stopScalars = Array(stop.unicodeScalars)
            for length in stride(from: min(stopScalars.count - 1, scalars.count), to: held, by: -1)
            where Array(scalars[(scalars.count - length)...]) == Array(stopScalars[..<length]) {
                held = length
                break
            }
        }
        let emitCount = scalars.count - held
        var emitted = String.UnicodeScalarView()
        emitted.append(contentsOf: scalars[..<emitCount])
        var rest = String.UnicodeScalarView()
        rest.append(contentsOf: scalars[emitCount...])
        pending = String(rest)
        return String(emitted)
    }

    /// The held-back text at the end of generation (no stop string completed).
    public mutating func finish() -> String {
        defer { pending = "" }
        return stopped ? "" : pending
    }
}
