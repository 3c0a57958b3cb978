import Foundation

/// A strict reader of Prometheus' text exposition format (version 0.0.4), for the tests: every line
/// must be a `# HELP` / `# TYPE` comment or a sample `name{label="value",…} number`; it returns the
/// samples and the declared types, and throws naming the line otherwise.
struct PrometheusText {
    struct Sample: Equatable {
        var name: String
        var labels: [String: String]
        var value: Double
    }

    struct Malformed: Error, CustomStringConvertible {
        var line: String
        var reason: String
        var description: String { "\(reason): \(line)" }
    }

    var samples: [Sample] = []
    var types: [String: String] = [:]

    init(_ text: String) throws {
        for raw in text.split(separator: "\n", omittingEmptySubsequences: true) {
            let line = String(raw)
            if line.hasPrefix("#") {
                let parts = line.split(separator: " ", maxSplits: 3).map(String.init)
                guard parts.count >= 3, parts[0] == "#", ["HELP", "TYPE"].contains(parts[1]), Self.isName(parts[2]) else {
                    throw Malformed(line: line, reason: "bad comment")
                }
                if parts[1] == "TYPE" {
                    guard parts.count == 4, ["counter", "gauge", "histogram", "summary", "untyped"].contains(parts[3]) else {
                        throw Malformed(line: line, reason: "bad TYPE")
                    }
                    types[parts[2]] = parts[3]
                }
                continue
            }
            samples.append(try Self.sample(line))
        }
    }

    static func isName(_ name: String) -> Bool {
        guard let first = name.unicodeScalars.first, first.properties.isAlphabetic || first == "_" || first == ":" else { return false }
        return name.unicodeScalars.allSatisfy { ($0.isASCII && $0.properties.isAlphabetic) || ("0"..."9").contains($0) || $0 == "_" || $0 == ":" }
    }

    static func sample(_ line: String) throws -> Sample {
        var rest = Substring(line)
        let nameEnd = rest.firstIndex { $0 == "{" || $0 == " " } ?? rest.endIndex
        let name = String(rest[..<nameEnd])
        guard isName(name) else { throw Malformed(line: line, reason: "bad metric name") }
        rest = rest[nameEnd...]
        var labels: [String: String] = [:]
        if rest.first == "{" {
            rest = rest.dropFirst()
            while rest.first != "}" {
                guard let equals = rest.firstIndex(of: "=") else { throw Malformed(line: line, reason: "label without =") }
                let key = String(rest[..<equals])
                guard isName(key) else { throw Malformed(line: line, reason: "bad label name") }
                rest = rest[rest.index(after: equals)...]
                guard rest.first == "\"" else { throw Malformed(line: line, reason: "unquoted label value") }
                rest = rest.dropFirst()
                var value = ""
                while let ch = rest.first, ch != "\"" {
                    if ch == "\\" {
                        rest = rest.dropFirst()
                        guard let escaped = rest.first else { throw Malformed(line: line, reason: "dangling escape") }
                        value.append(escaped == "n" ? "\n" : escaped)
                    } else {
                        value.append(ch)
                    }
                    rest = rest.dropFirst()
                }
                guard rest.first == "\"" else { throw Malformed(line: line, reason: "unterminated label value") }
                rest = rest.dropFirst()
                labels[key] = value
                if rest.first == "," { rest = rest.dropFirst() }
                if rest.isEmpty { throw Malformed(line: line, reason: "unterminated labels") }
            }
            rest = rest.dropFirst()
        }
        guard rest.first == " " else { throw Malformed(line: line, reason: "no space before the value") }
        let fields = rest.split(separator: " ")
        guard (1...2).contains(fields.count) else { throw Malformed(line: line, reason: "bad value") }
        let text = String(fields[0])
        let value: Double
        switch text {
        case "+Inf": value = .infinity
        case "-Inf": value = -.infinity
        case "NaN": value = .nan
        default:
            guard let parsed = Double(text) else { throw Malformed(line: line, reason: "value is not a number") }
            value = parsed
        }
        return Sample(name: name, labels: labels, value: value)
    }

    /// The samples named `name` whose labels include `labels`.
    func values(_ name: String, _ labels: [String: String] = [:]) -> [Double] {
        samples.filter { sample in sample.name == name && labels.allSatisfy { key, value in sample.labels[key] == value } }
            .map(\.value)
    }
}
