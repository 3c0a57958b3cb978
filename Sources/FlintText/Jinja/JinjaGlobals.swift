import Foundation

/// Global functions of transformers' chat-template environment: jinja2's `range` (sandbox-limited), `dict`,
/// `namespace`, `cycler`, `joiner`, plus transformers' `raise_exception(message)` and `strftime_now(format)`.
enum JinjaGlobals {
    static func functions(evaluator: JinjaEvaluator) -> [(String, JinjaValue)] {
        [
            ("range", callable("range") { arguments, _ in try range(arguments) }),
            ("dict", callable("dict") { arguments, _ in
                var dictionary = JinjaDictionary()
                if let first = arguments.positional.first {
                    switch first {
                    case .dictionary(let source): dictionary = source
                    default:
                        for pair in try evaluator.iterate(first) {
                            let parts = try evaluator.iterate(pair)
                            guard parts.count == 2 else {
                                throw JinjaFailure(.invalidValue, "dictionary update sequence element has length \(parts.count); 2 is required")
                            }
                            try dictionary.set(parts[0], parts[1])
                        }
                    }
                }
                for (key, value) in arguments.keyword { dictionary[key] = value }
                return .dictionary(dictionary)
            }),
            ("namespace", callable("namespace") { arguments, _ in
                var attributes = JinjaDictionary()
                if let first = arguments.positional.first {
                    guard case .dictionary(let source) = first else {
                        throw JinjaFailure(.typeMismatch, "namespace() takes a mapping as its positional argument")
                    }
                    attributes = source
                }
                for (key, value) in arguments.keyword { attributes[key] = value }
                return .object(JinjaObject(typeName: "Namespace", attributes: attributes, isNamespace: true))
            }),
            ("cycler", callable("cycler") { arguments, _ in cycler(arguments.positional) }),
            ("joiner", callable("joiner") { arguments, _ in
                let separator = arguments.value(0, "sep")?.pythonString ?? ", "
                final class State { var used = false }
                let state = State()
                return callable("joiner") { _, _ in
                    if state.used { return .string(separator) }
                    state.used = true
                    return .string("")
                }
            }),
            ("raise_exception", callable("raise_exception") { arguments, _ in
                throw JinjaError.raised(message: arguments.value(0, "message")?.pythonString ?? "")
            }),
            ("strftime_now", callable("strftime_now") { arguments, evaluator in
                guard case .string(let format)? = arguments.value(0, "format") else {
                    throw JinjaFailure(.typeMismatch, "strftime_now() argument must be str")
                }
                return .string(try strftime(format, date: evaluator.now()))
            }),
        ]
    }

    private static func callable(_ name: String, _ body: @escaping (JinjaArguments, JinjaEvaluator) throws -> JinjaValue) -> JinjaValue {
        .callable(JinjaCallable(name: name, body: body))
    }

    /// Python's `range(stop)` / `range(start, stop[, step])` as a list, at most `JinjaEvaluator.maximumRange` long.
    static func range(_ arguments: JinjaArguments) throws -> JinjaValue {
        let bounds = try arguments.positional.map { value -> Int in
            guard let integer = value.numeric?.integer else {
                throw JinjaFailure(.typeMismatch, "'\(value.typeName)' object cannot be interpreted as an integer")
            }
            return integer
        }
        let start: Int, stop: Int, step: Int
        switch bounds.count {
        case 1: (start, stop, step) = (0, bounds[0], 1)
        case 2: (start, stop, step) = (bounds[0], bounds[1], 1)
        case 3: (start, stop, step) = (bounds[0], bounds[1], bounds[2])
        default: throw JinjaFailure(.typeMismatch, "range expected 1 to 3 arguments, got \(bounds.count)")
        }
        guard step != 0 else { throw JinjaFailure(.invalidValue, "range() arg 3 must not be zero") }
        let count = step > 0 ? max(0, (stop - start + step - 1) / step) : max(0, (start - stop - step - 1) / -step)
        guard count <= JinjaEvaluator.maximumRange else {
            throw JinjaFailure(.limit, "Range too big. The sandbox blocks ranges larger than MAX_RANGE (\(JinjaEvaluator.maximumRange)).")
        }
        return .list((0..<count).map { .integer(start + $0 * step) })
    }

    private static func cycler(_ items: [JinjaValue]) -> JinjaValue {
        final class State { var position = 0 }
        let state = State()
        var attributes = JinjaDictionary()
        attributes["next"] = callable("next") { _, _ in
            guard !items.isEmpty else { throw JinjaFailure(.invalidValue, "cycler needs at least one item") }
            let value = items[state.position % items.count]
            state.position += 1
            return value
        }
        attributes["reset"] = callable("reset") { _, _ in
            state.position = 0
            return .none
        }
        attributes["current"] = items.first ?? JinjaValue.none
        return .object(JinjaObject(typeName: "Cycler", attributes: attributes))
    }

    /// C `strftime` in the local time zone, as Python's `datetime.now().strftime(format)`.
    static func strftime(_ format: String, date: Date) throws -> String {
        var seconds = time_t(date.timeIntervalSince1970.rounded(.down))
        var parts = tm()
        guard localtime_r(&seconds, &parts) != nil else { throw JinjaFailure(.invalidValue, "time out of range") }
        var capacity = 256
        while capacity <= 65_536 {
            var buffer = [CChar](repeating: 0, count: capacity)
            let written = Foundation.strftime(&buffer, capacity, format, &parts)
            if written > 0 || format.isEmpty {
                return String(decoding: buffer.prefix(written).map { UInt8(bitPattern: $0) }, as: UTF8.self)
            }
            capacity *= 4
        }
        // An empty result for a non-empty format (e.g. "%p" in some locales) is legitimate.
        return ""
    }
}
