import Foundation

/// Python methods of `str`, `list` and `dict` that templates call (`content.strip()`, `text.split('</think>')`,
/// `message.get('tool_calls')`, `d.items()`…), as bound callables. Mutating methods (`list.append`, `dict.update`…)
/// are refused as jinja2's ImmutableSandboxedEnvironment refuses them: the attribute is an undefined value that
/// fails with a security error when called.
enum JinjaMethods {
    static let unsafeListMethods: Set<String> = ["append", "extend", "insert", "pop", "remove", "reverse", "sort", "clear"]
    static let unsafeDictionaryMethods: Set<String> = ["pop", "popitem", "setdefault", "update", "clear"]

    static func method(named name: String, on object: JinjaValue) throws -> JinjaValue? {
        switch object {
        case .string(let text):
            guard stringMethods.contains(name) else { return nil }
            return bound(name) { arguments in try callStringMethod(name, text, arguments) }
        case .list(let items), .tuple(let items):
            if case .list = object, unsafeListMethods.contains(name) {
                return unsafe(name, typeName: "list")
            }
            guard ["index", "count", "copy"].contains(name), !(name == "copy" && object.typeName == "tuple") else { return nil }
            return bound(name) { arguments in
                switch name {
                case "copy": return .list(items)
                case "count":
                    guard let needle = arguments.positional.first else { throw missing("count", "value") }
                    return .integer(items.filter { $0.pythonEquals(needle) }.count)
                default:
                    guard let needle = arguments.positional.first else { throw missing("index", "value") }
                    guard let position = items.firstIndex(where: { $0.pythonEquals(needle) }) else {
                        throw JinjaFailure(.invalidValue, "\(needle.pythonRepresentation) is not in list")
                    }
                    return .integer(position)
                }
            }
        case .dictionary(let dictionary):
            if unsafeDictionaryMethods.contains(name) { return unsafe(name, typeName: "dict") }
            switch name {
            case "keys": return bound(name) { _ in .list(dictionary.keys) }
            case "values": return bound(name) { _ in .list(dictionary.values) }
            case "items": return bound(name) { _ in .list(dictionary.map { .tuple([$0.key, $0.value]) }) }
            case "copy": return bound(name) { _ in .dictionary(dictionary) }
            case "get":
                return bound(name) { arguments in
                    guard let key = arguments.value(0, "key") else { throw missing("get", "key") }
                    if let value = dictionary[key: key] { return value }
                    return arguments.value(1, "default") ?? .none
                }
            default: return nil
            }
        default:
            return nil
        }
    }

    private static func bound(_ name: String, _ body: @escaping (JinjaArguments) throws -> JinjaValue) -> JinjaValue {
        .callable(JinjaCallable(name: name) { arguments, _ in try body(arguments) })
    }

    private static func unsafe(_ name: String, typeName: String) -> JinjaValue {
        .undefined(JinjaUndefined(message: "access to attribute '\(name)' of '\(typeName)' object is unsafe.",
                                  kind: .security))
    }

    private static func missing(_ method: String, _ parameter: String) -> JinjaFailure {
        JinjaFailure(.typeMismatch, "\(method)() missing required argument '\(parameter)'")
    }

    static let stringMethods: Set<String> = [
        "strip", "lstrip", "rstrip", "split", "rsplit", "splitlines", "startswith", "endswith", "replace", "upper",
        "lower", "title", "capitalize", "swapcase", "find", "rfind", "index", "rindex", "count", "join", "format",
        "isdigit", "isalpha", "isalnum", "isspace", "isupper", "islower", "isnumeric", "isdecimal", "istitle",
        "zfill", "center", "ljust", "rjust", "partition", "rpartition", "removeprefix", "removesuffix", "casefold",
    ]

    private static func stringArgument(_ arguments: JinjaArguments, _ position: Int, _ name: String,
                                       method: String) throws -> String? {
        guard let value = arguments.value(position, name), !value.isNone else { return nil }
        guard case .string(let text) = value else {
            throw JinjaFailure(.typeMismatch, "\(method)() argument must be str or None, not \(value.typeName)")
        }
        return text
    }

    private static func integerArgument(_ arguments: JinjaArguments, _ position: Int, _ name: String) throws -> Int? {
        guard let value = arguments.value(position, name), !value.isNone else { return nil }
        guard let integer = value.numeric?.integer else {
            throw JinjaFailure(.typeMismatch, "'\(value.typeName)' object cannot be interpreted as an integer")
        }
        return integer
    }

    static func callStringMethod(_ name: String, _ text: String, _ arguments: JinjaArguments) throws -> JinjaValue {
        let scalars = Array(text.unicodeScalars)
        switch name {
        case "strip", "lstrip", "rstrip":
            let characters = try stringArgument(arguments, 0, "chars", method: name).map { Set($0.unicodeScalars) }
            return .string(strip(text, characters: characters, leading: name != "rstrip", trailing: name != "lstrip"))
        case "split", "rsplit":
            let separator = try stringArgument(arguments, 0, "sep", method: name)
            let limit = try integerArgument(arguments, 1, "maxsplit") ?? -1
            return .list(try split(text, separator: separator, limit: limit, fromEnd: name == "rsplit").map { .string($0) })
        case "splitlines":
            var lines: [String] = []
            var current = String.UnicodeScalarView()
            var index = 0
            let keepEnds = arguments.value(0, "keepends")?.isTruthy ?? false
            while index < scalars.count {
                let scalar = scalars[index]
                if ["\n", "\r", "\u{0B}", "\u{0C}", "\u{1C}", "\u{1D}", "\u{1E}", "\u{85}", "\u{2028}", "\u{2029}"].contains(scalar) {
                    if keepEnds { current.append(scalar) }
                    if scalar == "\r", index + 1 < scalars.count, scalars[index + 1] == "\n" {
                        if keepEnds { current.append("\n") }
                        index += 1
                    }
                    lines.append(String(current))
                    current = String.UnicodeScalarView()
                } else {
                    current.append(scalar)
                }
                index += 1
            }
            if !current.isEmpty { lines.append(String(current)) }
            return .list(lines.map { .string($0) })
        case "startswith", "endswith":
            guard let value = arguments.value(0, "prefix") else { throw missing(name, "prefix") }
            var candidates: [String] = []
            switch value {
            case .string(let candidate): candidates = [candidate]
            case .tuple(let items):
                for item in items {
                    guard case .string(let candidate) = item else {
                        throw JinjaFailure(.typeMismatch, "tuple for \(name) must only contain str, not \(item.typeName)")
                    }
                    candidates.append(candidate)
                }
            default:
                throw JinjaFailure(.typeMismatch, "\(name) first arg must be str or a tuple of str, not \(value.typeName)")
            }
            let start = try integerArgument(arguments, 1, "start")
            let end = try integerArgument(arguments, 2, "end")
            let window = sliceScalars(scalars, start: start, end: end)
            return .boolean(candidates.contains { candidate in
                let needle = Array(candidate.unicodeScalars)
                return name == "startswith" ? window.starts(with: needle) : window.reversed().starts(with: needle.reversed())
            })
        case "replace":
            guard let old = try stringArgument(arguments, 0, "old", method: name),
                  let new = try stringArgument(arguments, 1, "new", method: name) else {
                throw missing(name, "old and new")
            }
            let count = try integerArgument(arguments, 2, "count") ?? -1
            return .string(replace(text, old, new, count: count))
        case "upper": return .string(text.uppercased())
        case "lower", "casefold": return .string(text.lowercased())
        case "title": return .string(pythonTitle(text))
        case "capitalize":
            guard let first = scalars.first else { return .string("") }
            return .string(first.properties.titlecaseMapping + String(String.UnicodeScalarView(scalars.dropFirst())).lowercased())
        case "swapcase":
            return .string(scalars.map { $0.properties.isUppercase ? $0.properties.lowercaseMapping
                : $0.properties.isLowercase ? $0.properties.uppercaseMapping : String($0) }.joined())
        case "find", "rfind", "index", "rindex", "count":
            guard let needleText = try stringArgument(arguments, 0, "sub", method: name) else { throw missing(name, "sub") }
            let needle = Array(needleText.unicodeScalars)
            let start = try integerArgument(arguments, 1, "start")
            let end = try integerArgument(arguments, 2, "end")
            let offset = normalizedStart(start, count: scalars.count)
            let window = Array(sliceScalars(scalars, start: start, end: end))
            var positions: [Int] = []
            if needle.isEmpty {
                positions = Array(0...window.count)
            } else if window.count >= needle.count {
                var index = 0
                while index <= window.count - needle.count {
                    if Array(window[index..<(index + needle.count)]) == needle {
                        positions.append(index)
                        if name == "count" { index += needle.count; continue }
                    }
                    index += 1
                }
            }
            if name == "count" { return .integer(positions.count) }
            let found = name.hasPrefix("r") ? positions.last : positions.first
            guard let found else {
                if name.hasSuffix("index") { throw JinjaFailure(.invalidValue, "substring not found") }
                return .integer(-1)
            }
            return .integer(found + offset)
        case "join":
            guard let value = arguments.value(0, "iterable") else { throw missing(name, "iterable") }
            let items: [JinjaValue]
            switch value {
            case .list(let values), .tuple(let values): items = values
            case .dictionary(let dictionary): items = dictionary.keys
            case .string(let string): items = string.unicodeScalars.map { .string(String($0)) }
            case .iterator(let iterator): items = iterator.consumeAll()
            default: throw JinjaFailure(.typeMismatch, "can only join an iterable")
            }
            var parts: [String] = []
            for (position, item) in items.enumerated() {
                guard case .string(let part) = item else {
                    throw JinjaFailure(.typeMismatch, "sequence item \(position): expected str instance, \(item.typeName) found")
                }
                parts.append(part)
            }
            return .string(parts.joined(separator: text))
        case "format":
            return .string(try braceFormat(text, arguments))
        case "isdigit", "isdecimal", "isnumeric":
            return .boolean(!scalars.isEmpty && scalars.allSatisfy { $0.properties.numericType != nil })
        case "isalpha":
            return .boolean(!scalars.isEmpty && scalars.allSatisfy { $0.properties.isAlphabetic })
        case "isalnum":
            return .boolean(!scalars.isEmpty && scalars.allSatisfy { $0.properties.isAlphabetic || $0.properties.numericType != nil })
        case "isspace":
            return .boolean(!scalars.isEmpty && scalars.allSatisfy(JinjaLexer.isPythonWhitespace))
        case "isupper", "islower":
            let cased = scalars.filter { $0.properties.isCased }
            let upper = name == "isupper"
            return .boolean(!cased.isEmpty && cased.allSatisfy { upper ? !$0.properties.isLowercase : !$0.properties.isUppercase })
        case "istitle":
            return .boolean(!scalars.isEmpty && pythonTitle(text) == text && scalars.contains { $0.properties.isCased })
        case "zfill":
            let width = try integerArgument(arguments, 0, "width") ?? 0
            guard scalars.count < width else { return .string(text) }
            let padding = String(repeating: "0", count: width - scalars.count)
            if let first = scalars.first, first == "-" || first == "+" {
                return .string(String(first) + padding + String(String.UnicodeScalarView(scalars.dropFirst())))
            }
            return .string(padding + text)
        case "center", "ljust", "rjust":
            let width = try integerArgument(arguments, 0, "width") ?? 0
            let fill = try stringArgument(arguments, 1, "fillchar", method: name) ?? " "
            return .string(pad(text, width: width, fill: fill, mode: name))
        case "partition", "rpartition":
            guard let separator = try stringArgument(arguments, 0, "sep", method: name), !separator.isEmpty else {
                throw JinjaFailure(.invalidValue, "empty separator")
            }
            let range = name == "partition" ? text.range(of: separator) : text.range(of: separator, options: .backwards)
            guard let range else {
                return name == "partition" ? .tuple([.string(text), "", ""]) : .tuple(["", "", .string(text)])
            }
            return .tuple([.string(String(text[..<range.lowerBound])), .string(separator),
                           .string(String(text[range.upperBound...]))])
        case "removeprefix":
            let prefix = try stringArgument(arguments, 0, "prefix", method: name) ?? ""
            return .string(scalars.starts(with: prefix.unicodeScalars)
                ? String(String.UnicodeScalarView(scalars.dropFirst(prefix.unicodeScalars.count))) : text)
        case "removesuffix":
            let suffix = try stringArgument(arguments, 0, "suffix", method: name) ?? ""
            let needle = Array(suffix.unicodeScalars)
            return .string(!needle.isEmpty && scalars.reversed().starts(with: needle.reversed())
                ? String(String.UnicodeScalarView(scalars.dropLast(needle.count))) : text)
        default:
            throw JinjaFailure(.runtime, "unknown str method \(name)")
        }
    }

    private static func normalizedStart(_ start: Int?, count: Int) -> Int {
        guard var start else { return 0 }
        if start < 0 { start += count }
        return min(max(start, 0), count)
    }

    private static func sliceScalars(_ scalars: [Unicode.Scalar], start: Int?, end: Int?) -> ArraySlice<Unicode.Scalar> {
        let from = normalizedStart(start, count: scalars.count)
        var to = end ?? scalars.count
        if to < 0 { to += scalars.count }
        to = min(max(to, 0), scalars.count)
        return from <= to ? scalars[from..<to] : []
    }

    /// Python `str.strip([chars])` (whitespace by Python's definition when `characters` is nil).
    static func strip(_ text: String, characters: Set<Unicode.Scalar>?, leading: Bool = true, trailing: Bool = true) -> String {
        let shouldStrip: (Unicode.Scalar) -> Bool = { scalar in
            characters.map { $0.contains(scalar) } ?? JinjaLexer.isPythonWhitespace(scalar)
        }
        var scalars = Array(text.unicodeScalars)[...]
        if leading { while let first = scalars.first, shouldStrip(first) { scalars.removeFirst() } }
        if trailing { while let last = scalars.last, shouldStrip(last) { scalars.removeLast() } }
        return String(String.UnicodeScalarView(scalars))
    }

    /// Python `str.split(sep, maxsplit)` / `str.rsplit(sep, maxsplit)`.
    static func split(_ text: String, separator: String?, limit: Int, fromEnd: Bool) throws -> [String] {
        var scalars = Array(text.unicodeScalars)
        if fromEnd { scalars.reverse() }
        var parts: [[Unicode.Scalar]] = []
        if let separator {
            var needle = Array(separator.unicodeScalars)
            guard !needle.isEmpty else { throw JinjaFailure(.invalidValue, "empty separator") }
            if fromEnd { needle.reverse() }
            var current: [Unicode.Scalar] = []
            var index = 0
            while index < scalars.count {
                if (limit < 0 || parts.count < limit), index + needle.count <= scalars.count,
                   Array(scalars[index..<(index + needle.count)]) == needle {
                    parts.append(current)
                    current = []
                    index += needle.count
                } else {
                    current.append(scalars[index])
                    index += 1
                }
            }
            parts.append(current)
        } else {
            var index = 0
            while index < scalars.count {
                while index < scalars.count, JinjaLexer.isPythonWhitespace(scalars[index]) { index += 1 }
                guard index < scalars.count else { break }
                if limit >= 0 && parts.count == limit {
                    var rest = Array(scalars[index...])
                    while let last = rest.last, JinjaLexer.isPythonWhitespace(last) { rest.removeLast() }
                    parts.append(rest)
                    break
                }
                var current: [Unicode.Scalar] = []
                while index < scalars.count, !JinjaLexer.isPythonWhitespace(scalars[index]) {
                    current.append(scalars[index])
                    index += 1
                }
                parts.append(current)
            }
        }
        if fromEnd { parts = parts.reversed().map { $0.reversed() } }
        return parts.map { String(String.UnicodeScalarView($0)) }
    }

    /// Python `str.replace(old, new, count)`.
    static func replace(_ text: String, _ old: String, _ new: String, count: Int) -> String {
        let scalars = Array(text.unicodeScalars)
        let needle = Array(old.unicodeScalars)
        let replacement = Array(new.unicodeScalars)
        var result: [Unicode.Scalar] = []
        var replaced = 0
        if needle.isEmpty {
            for scalar in scalars {
                if count < 0 || replaced < count {
                    result += replacement
                    replaced += 1
                }
                result.append(scalar)
            }
            if count < 0 || replaced < count { result += replacement }
            return String(String.UnicodeScalarView(result))
        }
        var index = 0
        while index < scalars.count {
            if (count < 0 || replaced < count), index + needle.count <= scalars.count,
               Array(scalars[index..<(index + needle.count)]) == needle {
                result += replacement
                index += needle.count
                replaced += 1
            } else {
                result.append(scalars[index])
                index += 1
            }
        }
        return String(String.UnicodeScalarView(result))
    }

    /// Python `str.title()`: a cased character after an uncased one is titlecased, others lowercased.
    static func pythonTitle(_ text: String) -> String {
        var result = ""
        var previousCased = false
        for scalar in text.unicodeScalars {
            if scalar.properties.isCased {
                result += previousCased ? scalar.properties.lowercaseMapping : scalar.properties.titlecaseMapping
                previousCased = true
            } else {
                result.unicodeScalars.append(scalar)
                previousCased = false
            }
        }
        return result
    }

    static func pad(_ text: String, width: Int, fill: String, mode: String) -> String {
        let length = text.unicodeScalars.count
        guard width > length else { return text }
        let total = width - length
        switch mode {
        case "ljust": return text + String(repeating: fill, count: total)
        case "rjust": return String(repeating: fill, count: total) + text
        default:
            // CPython's centering: left = total / 2 + (total & width & 1).
            let left = total / 2 + (total & width & 1)
            return String(repeating: fill, count: left) + text + String(repeating: fill, count: total - left)
        }
    }

    /// `str.format` with `{}`, `{0}`, `{name}`, `{name.attribute}` / `{0[key]}` fields and `{{` / `}}` escapes
    /// (conversion `!r` / `!s` supported; format specs other than empty are refused).
    static func braceFormat(_ format: String, _ arguments: JinjaArguments) throws -> String {
        var output = ""
        var scalars = Array(format.unicodeScalars)[...]
        var automatic = 0
        while let scalar = scalars.popFirst() {
            if scalar == "{" {
                if scalars.first == "{" {
                    scalars.removeFirst()
                    output += "{"
                    continue
                }
                var field = ""
                while let next = scalars.popFirst(), next != "}" { field.unicodeScalars.append(next) }
                var conversion: Character?
                if let bang = field.firstIndex(of: "!") {
                    conversion = field[field.index(after: bang)...].first
                    field = String(field[..<bang])
                }
                if field.contains(":") {
                    throw JinjaFailure(.invalidValue, "format specifications are not supported in str.format")
                }
                let nameEnd = field.firstIndex { $0 == "." || $0 == "[" } ?? field.endIndex
                let head = String(field[..<nameEnd])
                var value: JinjaValue
                if head.isEmpty {
                    guard automatic < arguments.positional.count else {
                        throw JinjaFailure(.invalidValue, "Replacement index \(automatic) out of range for positional args tuple")
                    }
                    value = arguments.positional[automatic]
                    automatic += 1
                } else if let position = Int(head) {
                    guard position < arguments.positional.count else {
                        throw JinjaFailure(.invalidValue, "Replacement index \(position) out of range for positional args tuple")
                    }
                    value = arguments.positional[position]
                } else {
                    guard let found = arguments.keywordValue(head) else { throw JinjaFailure(.invalidValue, "KeyError: '\(head)'") }
                    value = found
                }
                var rest = field[nameEnd...]
                while let first = rest.first {
                    if first == "." {
                        rest = rest.dropFirst()
                        let end = rest.firstIndex { $0 == "." || $0 == "[" } ?? rest.endIndex
                        let name = String(rest[..<end])
                        if case .dictionary(let dictionary) = value, let found = dictionary[name] { value = found } else {
                            throw JinjaFailure(.invalidValue, "'\(value.typeName)' object has no attribute '\(name)'")
                        }
                        rest = rest[end...]
                    } else {
                        guard let close = rest.firstIndex(of: "]") else { throw JinjaFailure(.invalidValue, "Missing ']' in format string") }
                        let key = String(rest[rest.index(after: rest.startIndex)..<close])
                        switch value {
                        case .dictionary(let dictionary):
                            guard let found = dictionary[key] else { throw JinjaFailure(.invalidValue, "KeyError: '\(key)'") }
                            value = found
                        case .list(let items), .tuple(let items):
                            guard let position = Int(key), position >= 0, position < items.count else {
                                throw JinjaFailure(.invalidValue, "list index out of range")
                            }
                            value = items[position]
                        default:
                            throw JinjaFailure(.typeMismatch, "'\(value.typeName)' object is not subscriptable")
                        }
                        rest = rest[rest.index(after: close)...]
                    }
                }
                output += conversion == "r" ? value.pythonRepresentation : value.pythonString
            } else if scalar == "}" {
                guard scalars.first == "}" else { throw JinjaFailure(.invalidValue, "Single '}' encountered in format string") }
                scalars.removeFirst()
                output += "}"
            } else {
                output.unicodeScalars.append(scalar)
            }
        }
        return output
    }
}
