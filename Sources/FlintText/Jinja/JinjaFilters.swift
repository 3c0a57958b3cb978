import Foundation

/// jinja2's built-in filters as chat templates use them, with transformers' `tojson` (Python's `json.dumps`, no
/// HTML escaping, `ensure_ascii=False` by default). Filters that take an `attribute=` resolve dotted paths with
/// jinja2's `getitem` rules; `sort`, `unique`, `dictsort`, `min` and `max` compare strings case-insensitively unless
/// `case_sensitive=true`.
enum JinjaFilters {
    static let names: Set<String> = [
        "abs", "attr", "batch", "capitalize", "center", "count", "d", "default", "dictsort", "e", "escape", "first",
        "float", "forceescape", "format", "groupby", "indent", "int", "items", "join", "last", "length", "list",
        "lower", "map", "max", "min", "reject", "rejectattr", "replace", "reverse", "round", "safe", "select",
        "selectattr", "sort", "string", "striptags", "sum", "title", "tojson", "trim", "truncate", "unique", "upper",
        "wordcount",
    ]

    static func apply(_ name: String, to markedValue: JinjaValue, arguments markedArguments: JinjaArguments,
                      evaluator: JinjaEvaluator) throws -> JinjaValue {
        switch name {
        case "safe":
            return .markup(markedValue.pythonString)
        case "escape", "e":
            if case .markup = markedValue { return markedValue }
            return .markup(htmlEscape(markedValue.pythonString))
        case "forceescape":
            return .markup(htmlEscape(markedValue.pythonString))
        default:
            break
        }
        // Other filters see plain strings (markupsafe keeps Markup through some of them; chat templates do not rely on it).
        let value = markedValue.unmarked
        let arguments = JinjaArguments(positional: markedArguments.positional.map(\.unmarked),
                                       keyword: markedArguments.keyword.map { ($0.0, $0.1.unmarked) })
        switch name {
        case "default", "d":
            try arguments.check(name, maximumPositional: 2, keywords: ["default_value", "boolean"])
            let fallback = arguments.value(0, "default_value") ?? .string("")
            let boolean = arguments.value(1, "boolean")?.isTruthy ?? false
            if value.isUndefined || (boolean && !value.isTruthy) { return fallback }
            return value
        case "length", "count":
            switch value {
            case .string(let text): return .integer(text.unicodeScalars.count)
            case .list(let items), .tuple(let items): return .integer(items.count)
            case .dictionary(let dictionary): return .integer(dictionary.count)
            case .undefined: return .integer(0)
            case .object(let object) where object.isNamespace: return .integer(object.attributes.count)
            default: throw JinjaFailure(.typeMismatch, "object of type '\(value.typeName)' has no len()")
            }
        case "trim":
            let characters = try stringArgument(arguments, 0, "chars").map { Set($0.unicodeScalars) }
            return .string(JinjaMethods.strip(value.pythonString, characters: characters))
        case "upper": return .string(value.pythonString.uppercased())
        case "lower": return .string(value.pythonString.lowercased())
        case "capitalize":
            return try JinjaMethods.callStringMethod("capitalize", value.pythonString, JinjaArguments())
        case "title":
            return .string(jinjaTitle(value.pythonString))
        case "replace":
            guard let old = arguments.value(0, "old"), let new = arguments.value(1, "new") else {
                throw JinjaFailure(.typeMismatch, "replace() needs 'old' and 'new'")
            }
            let count = arguments.value(2, "count")?.numeric?.integer ?? -1
            return .string(JinjaMethods.replace(value.pythonString, old.pythonString, new.pythonString, count: count))
        case "string":
            return .string(value.pythonString)
        case "first":
            if case .undefined(let undefined) = value { throw undefined.failure }
            let empty = JinjaValue.undefined(JinjaUndefined(message: "No first item, sequence was empty."))
            if case .iterator(let iterator) = value { return iterator.next() ?? empty }
            return try evaluator.iterate(value).first ?? empty
        case "last":
            switch value {
            case .list, .tuple, .string:
                return try evaluator.iterate(value).last ?? .undefined(JinjaUndefined(message: "No last item, sequence was empty."))
            case .undefined(let undefined): throw undefined.failure
            default: throw JinjaFailure(.typeMismatch, "'\(value.typeName)' object is not reversible")
            }
        case "join":
            let separator = arguments.value(0, "d")?.pythonString ?? ""
            var items = try evaluator.iterate(value)
            if let attribute = arguments.value(1, "attribute") {
                items = try items.map { try path(attribute, of: $0, evaluator: evaluator) }
            }
            return .string(items.map(\.pythonString).joined(separator: separator))
        case "list":
            if case .undefined = value { return .list([]) }
            return .list(try evaluator.iterate(value))
        case "items":
            switch value {
            case .dictionary(let dictionary): return .iterator(JinjaIterator(dictionary.map { .tuple([$0.key, $0.value]) }))
            case .undefined: return .iterator(JinjaIterator([]))
            default: throw JinjaFailure(.typeMismatch, "Can only get item pairs from a mapping.")
            }
        case "dictsort":
            guard case .dictionary(let dictionary) = value else {
                throw JinjaFailure(.typeMismatch, "dictsort needs a mapping")
            }
            let caseSensitive = arguments.value(0, "case_sensitive")?.isTruthy ?? false
            let byValue = arguments.value(1, "by")?.pythonString == "value"
            let reverse = arguments.value(2, "reverse")?.isTruthy ?? false
            var pairs = dictionary.map { (key: $0.key, value: $0.value) }
            try stableSort(&pairs, reverse: reverse) { pair in
                try sortKey(byValue ? pair.value : pair.key, caseSensitive: caseSensitive)
            }
            return .list(pairs.map { .tuple([$0.key, $0.value]) })
        case "tojson":
            try arguments.check(name, maximumPositional: 4, keywords: ["ensure_ascii", "indent", "separators", "sort_keys"])
            var encoder = JinjaJSONEncoder()
            encoder.ensureASCII = arguments.value(0, "ensure_ascii")?.isTruthy ?? false
            if let indent = arguments.value(1, "indent"), !indent.isNone {
                switch indent {
                case .string(let text): encoder.indent = text
                default:
                    guard let count = indent.numeric?.integer else {
                        throw JinjaFailure(.typeMismatch, "indent must be an int or a string")
                    }
                    encoder.indent = String(repeating: " ", count: max(count, 0))
                }
                encoder.itemSeparator = ","
            }
            if let separators = arguments.value(2, "separators"), !separators.isNone {
                let parts = try evaluator.iterate(separators)
                guard parts.count == 2, case .string(let item) = parts[0], case .string(let key) = parts[1] else {
                    throw JinjaFailure(.invalidValue, "separators must be a pair of strings")
                }
                encoder.itemSeparator = item
                encoder.keySeparator = key
            }
            encoder.sortKeys = arguments.value(3, "sort_keys")?.isTruthy ?? false
            return .string(try encoder.encode(value))
        case "int":
            let fallback = arguments.value(0, "default") ?? .integer(0)
            let base = arguments.value(1, "base")?.numeric?.integer ?? 10
            return toInteger(value, base: base) ?? fallback
        case "float":
            let fallback = arguments.value(0, "default") ?? .float(0)
            switch value {
            case .string(let text):
                let trimmed = JinjaMethods.strip(text, characters: nil).replacingOccurrences(of: "_", with: "")
                if let parsed = Double(trimmed), !trimmed.isEmpty { return .float(parsed) }
                switch trimmed.lowercased() {
                case "inf", "+inf", "infinity", "+infinity": return .float(.infinity)
                case "-inf", "-infinity": return .float(-.infinity)
                case "nan", "+nan", "-nan": return .float(.nan)
                default: return fallback
                }
            default:
                if let number = value.numeric { return .float(number.float) }
                return fallback
            }
        case "abs":
            guard let number = value.numeric else { throw JinjaFailure(.typeMismatch, "bad operand type for abs(): '\(value.typeName)'") }
            if let integer = number.integer { return .integer(abs(integer)) }
            return .float(abs(number.float))
        case "round":
            let precision = arguments.value(0, "precision")?.numeric?.integer ?? 0
            let method = arguments.value(1, "method")?.pythonString ?? "common"
            guard let number = value.numeric?.float else { throw JinjaFailure(.typeMismatch, "round needs a number") }
            let scale = pow(10, Double(precision))
            switch method {
            case "common": return .float(pythonRound(number, digits: precision))
            case "ceil": return .float((number * scale).rounded(.up) / scale)
            case "floor": return .float((number * scale).rounded(.down) / scale)
            default: throw JinjaFailure(.invalidValue, "method must be common, ceil or floor")
            }
        case "sum":
            var items = try evaluator.iterate(value)
            if let attribute = arguments.value(0, "attribute"), !attribute.isNone {
                items = try items.map { try path(attribute, of: $0, evaluator: evaluator) }
            }
            var total = arguments.value(1, "start") ?? .integer(0)
            for item in items { total = try JinjaOperators.binary(.add, total, item) }
            return total
        case "min", "max":
            let caseSensitive = arguments.value(0, "case_sensitive")?.isTruthy ?? false
            var items = try evaluator.iterate(value)
            guard !items.isEmpty else {
                return .undefined(JinjaUndefined(message: "No aggregated item, sequence was empty."))
            }
            let attribute = arguments.value(1, "attribute")
            var best = items.removeFirst()
            for item in items {
                let a = try sortKey(attribute.map { try path($0, of: item, evaluator: evaluator) } ?? item, caseSensitive: caseSensitive)
                let b = try sortKey(attribute.map { try path($0, of: best, evaluator: evaluator) } ?? best, caseSensitive: caseSensitive)
                if name == "min" ? try a.pythonLess(b) : try b.pythonLess(a) { best = item }
            }
            return best
        case "reverse":
            switch value {
            case .string(let text): return .string(String(String.UnicodeScalarView(text.unicodeScalars.reversed())))
            case .list(let items): return .iterator(JinjaIterator(items.reversed(), typeName: "list_reverseiterator"))
            case .tuple(let items): return .iterator(JinjaIterator(items.reversed(), typeName: "reversed"))
            case .dictionary(let dictionary):
                return .iterator(JinjaIterator(dictionary.keys.reversed(), typeName: "dict_reversekeyiterator"))
            default:
                // jinja2 falls back to `list(value)` reversed when `reversed()` refuses the value.
                return .list(try evaluator.iterate(value).reversed())
            }
        case "sort":
            let reverse = arguments.value(0, "reverse")?.isTruthy ?? false
            let caseSensitive = arguments.value(1, "case_sensitive")?.isTruthy ?? false
            let attribute = arguments.value(2, "attribute")
            var items = try evaluator.iterate(value)
            try stableSort(&items, reverse: reverse) { item in
                try sortKey(attribute.map { try path($0, of: item, evaluator: evaluator) } ?? item, caseSensitive: caseSensitive)
            }
            return .list(items)
        case "unique":
            let caseSensitive = arguments.value(0, "case_sensitive")?.isTruthy ?? false
            let attribute = arguments.value(1, "attribute")
            var seen: [JinjaValue] = []
            var result: [JinjaValue] = []
            for item in try evaluator.iterate(value) {
                let key = try sortKey(attribute.map { try path($0, of: item, evaluator: evaluator) } ?? item, caseSensitive: caseSensitive)
                if !seen.contains(where: { $0.pythonEquals(key) }) {
                    seen.append(key)
                    result.append(item)
                }
            }
            return .iterator(JinjaIterator(result))
        case "map":
            // jinja2 maps and selects only over a truthy value (`none | map(...)` is empty).
            let items = value.isTruthy ? try evaluator.iterate(value) : []
            if let attribute = arguments.keywordValue("attribute") {
                let fallback = arguments.keywordValue("default")
                return .iterator(JinjaIterator(try items.map { item in
                    let found = try path(attribute, of: item, evaluator: evaluator)
                    if found.isUndefined, let fallback { return fallback }
                    return found
                }))
            }
            guard case .string(let filterName)? = arguments.positional.first else {
                throw JinjaFailure(.typeMismatch, "map requires a filter argument")
            }
            guard names.contains(filterName) else { throw JinjaFailure(.runtime, "No filter named '\(filterName)'.") }
            let rest = JinjaArguments(positional: Array(arguments.positional.dropFirst()), keyword: arguments.keyword)
            return .iterator(JinjaIterator(try items.map { try apply(filterName, to: $0, arguments: rest, evaluator: evaluator) }))
        case "select", "reject":
            let items = value.isTruthy ? try evaluator.iterate(value) : []
            let wanted = name == "select"
            guard case .string(let testName)? = arguments.positional.first else {
                return .iterator(JinjaIterator(items.filter { $0.isTruthy == wanted }))
            }
            guard JinjaTests.names.contains(testName) else { throw JinjaFailure(.runtime, "No test named '\(testName)'.") }
            let rest = JinjaArguments(positional: Array(arguments.positional.dropFirst()), keyword: arguments.keyword)
            return .iterator(JinjaIterator(try items.filter { try JinjaTests.apply(testName, to: $0, arguments: rest, evaluator: evaluator) == wanted }))
        case "selectattr", "rejectattr":
            let items = value.isTruthy ? try evaluator.iterate(value) : []
            let wanted = name == "selectattr"
            guard let attribute = arguments.positional.first else {
                throw JinjaFailure(.typeMismatch, "\(name) requires an attribute name")
            }
            let testName = arguments.positional.count > 1 ? arguments.positional[1].pythonString : nil
            if let testName, !JinjaTests.names.contains(testName) {
                throw JinjaFailure(.runtime, "No test named '\(testName)'.")
            }
            let rest = JinjaArguments(positional: Array(arguments.positional.dropFirst(2)), keyword: arguments.keyword)
            return .iterator(JinjaIterator(try items.filter { item in
                let found = try path(attribute, of: item, evaluator: evaluator)
                let passed = try testName.map { try JinjaTests.apply($0, to: found, arguments: rest, evaluator: evaluator) }
                    ?? found.isTruthy
                return passed == wanted
            }))
        case "attr":
            guard let attributeName = arguments.positional.first?.pythonString else {
                throw JinjaFailure(.typeMismatch, "attr requires a name")
            }
            return try evaluator.attribute(of: value, attributeName)
        case "indent":
            let widthValue = arguments.value(0, "width") ?? .integer(4)
            let first = arguments.value(1, "first")?.isTruthy ?? false
            let blank = arguments.value(2, "blank")?.isTruthy ?? false
            let indentation: String
            if case .string(let text) = widthValue { indentation = text } else {
                indentation = String(repeating: " ", count: max(widthValue.numeric?.integer ?? 4, 0))
            }
            // jinja2 3.1's do_indent: lines of `s + "\n"`, the first left alone, empty lines unless `blank`.
            guard case .list(let lineValues) = try JinjaMethods.callStringMethod(
                "splitlines", value.pythonString + "\n", JinjaArguments()) else { return value }
            let lines = lineValues.map(\.pythonString)
            var result: String
            if blank {
                result = lines.joined(separator: "\n" + indentation)
            } else {
                result = lines.first ?? ""
                let rest = lines.dropFirst().map { $0.isEmpty ? $0 : indentation + $0 }
                if !rest.isEmpty { result += "\n" + rest.joined(separator: "\n") }
            }
            return .string(first ? indentation + result : result)
        case "center":
            let width = arguments.value(0, "width")?.numeric?.integer ?? 80
            return .string(JinjaMethods.pad(value.pythonString, width: width, fill: " ", mode: "center"))
        case "format":
            let values: JinjaValue = arguments.keyword.isEmpty
                ? .tuple(arguments.positional) : .dictionary(JinjaDictionary(arguments.keyword))
            return .string(try JinjaPercentFormat.format(value.pythonString, values))
        case "wordcount":
            return .integer(try JinjaMethods.split(value.pythonString, separator: nil, limit: -1, fromEnd: false).count)
        case "truncate":
            let text = value.pythonString
            let length = arguments.value(0, "length")?.numeric?.integer ?? 255
            let killWords = arguments.value(1, "killwords")?.isTruthy ?? false
            let end = arguments.value(2, "end")?.pythonString ?? "..."
            let leeway = arguments.value(3, "leeway")?.numeric?.integer ?? 5
            let scalars = Array(text.unicodeScalars)
            let endCount = end.unicodeScalars.count
            guard length >= endCount else { throw JinjaFailure(.invalidValue, "expected length >= \(endCount), got \(length)") }
            if scalars.count <= length + leeway { return .string(text) }
            let cut = String(String.UnicodeScalarView(scalars.prefix(length - endCount)))
            if killWords { return .string(cut + end) }
            if let space = cut.range(of: " ", options: .backwards) {
                return .string(String(cut[..<space.lowerBound]) + end)
            }
            return .string(cut + end)
        case "batch":
            guard let size = arguments.value(0, "linecount")?.numeric?.integer, size > 0 else {
                throw JinjaFailure(.invalidValue, "batch needs a positive size")
            }
            let fill = arguments.value(1, "fill_with")
            let items = try evaluator.iterate(value)
            var batches: [JinjaValue] = []
            var index = 0
            while index < items.count {
                var batch = Array(items[index..<min(index + size, items.count)])
                if let fill, !fill.isNone, batch.count < size {
                    batch += Array(repeating: fill, count: size - batch.count)
                }
                batches.append(.list(batch))
                index += size
            }
            return .iterator(JinjaIterator(batches))
        case "groupby":
            guard let attribute = arguments.value(0, "attribute") else { throw JinjaFailure(.typeMismatch, "groupby needs an attribute") }
            let fallback = arguments.value(1, "default")
            let caseSensitive = arguments.value(2, "case_sensitive")?.isTruthy ?? false
            var items = try evaluator.iterate(value)
            func key(_ item: JinjaValue) throws -> JinjaValue {
                let found = try path(attribute, of: item, evaluator: evaluator)
                if found.isUndefined {
                    if let fallback { return fallback }
                    if case .undefined(let undefined) = found { throw undefined.failure }
                }
                return try sortKey(found, caseSensitive: caseSensitive)
            }
            try stableSort(&items, reverse: false, key: key)
            var groups: [JinjaValue] = []
            var currentKey: JinjaValue?
            var currentItems: [JinjaValue] = []
            for item in items {
                let itemKey = try key(item)
                if let existing = currentKey, existing.pythonEquals(itemKey) {
                    currentItems.append(item)
                } else {
                    if let existing = currentKey { groups.append(.tuple([existing, .list(currentItems)])) }
                    currentKey = itemKey
                    currentItems = [item]
                }
            }
            if let existing = currentKey { groups.append(.tuple([existing, .list(currentItems)])) }
            return .list(groups)
        case "striptags":
            var text = value.pythonString
            while let open = text.range(of: "<"), let close = text.range(of: ">", range: open.upperBound..<text.endIndex) {
                text.replaceSubrange(open.lowerBound..<close.upperBound, with: "")
            }
            return .string(try JinjaMethods.split(text, separator: nil, limit: -1, fromEnd: false).joined(separator: " "))
        default:
            throw JinjaFailure(.runtime, "No filter named '\(name)' found.")
        }
    }

    private static func stringArgument(_ arguments: JinjaArguments, _ position: Int, _ name: String) throws -> String? {
        guard let value = arguments.value(position, name), !value.isNone else { return nil }
        return value.pythonString
    }

    /// jinja2's `make_attrgetter`: `"a.b"` walks items/attributes; an integer path indexes.
    static func path(_ attribute: JinjaValue, of item: JinjaValue, evaluator: JinjaEvaluator) throws -> JinjaValue {
        guard case .string(let text) = attribute else { return try evaluator.item(of: item, attribute) }
        var current = item
        for part in text.split(separator: ".", omittingEmptySubsequences: false) {
            if let index = Int(part) {
                current = try evaluator.item(of: current, .integer(index))
            } else {
                current = try evaluator.item(of: current, .string(String(part)))
            }
        }
        return current
    }

    private static func sortKey(_ value: JinjaValue, caseSensitive: Bool) throws -> JinjaValue {
        if !caseSensitive, case .string(let text) = value { return .string(text.lowercased()) }
        return value
    }

    private static func stableSort<Element>(_ items: inout [Element], reverse: Bool,
                                            key: (Element) throws -> JinjaValue) throws {
        let keyed = try items.enumerated().map { (offset: $0.offset, key: try key($0.element), element: $0.element) }
        var failure: Error?
        let sorted = keyed.sorted { a, b in
            do {
                if reverse {
                    if try b.key.pythonLess(a.key) { return true }
                    if try a.key.pythonLess(b.key) { return false }
                } else {
                    if try a.key.pythonLess(b.key) { return true }
                    if try b.key.pythonLess(a.key) { return false }
                }
            } catch {
                failure = error
            }
            return a.offset < b.offset
        }
        if let failure { throw failure }
        items = sorted.map(\.element)
    }

    private static func toInteger(_ value: JinjaValue, base: Int) -> JinjaValue? {
        switch value {
        case .string(var text):
            text = JinjaMethods.strip(text, characters: nil).replacingOccurrences(of: "_", with: "")
            var negative = false
            if text.hasPrefix("-") || text.hasPrefix("+") {
                negative = text.hasPrefix("-")
                text.removeFirst()
            }
            var radix = base
            let lower = text.lowercased()
            for (prefix, prefixRadix) in [("0x", 16), ("0o", 8), ("0b", 2)] where lower.hasPrefix(prefix) && (base == prefixRadix || base == 0) {
                text = String(text.dropFirst(2))
                radix = prefixRadix
            }
            if radix == 0 { radix = 10 }
            if let integer = Int(text, radix: radix) { return .integer(negative ? -integer : integer) }
            if base == 10, let float = Double(JinjaMethods.strip(value.pythonString, characters: nil)), float.isFinite {
                return .integer(Int(float.rounded(.towardZero)))
            }
            return nil
        case .float(let float):
            guard float.isFinite, abs(float) < 9.2e18 else { return nil }
            return .integer(Int(float.rounded(.towardZero)))
        default:
            if let integer = value.numeric?.integer { return .integer(integer) }
            return nil
        }
    }

    /// Python's `round(x, n)`: round-half-even on the exact decimal value of the double.
    private static func pythonRound(_ value: Double, digits: Int) -> Double {
        guard value.isFinite else { return value }
        if digits == 0 { return value.rounded(.toNearestOrEven) }
        // Format with enough digits, then round-half-even at the requested position on the decimal string.
        let scale = pow(10, Double(digits))
        let scaled = value * scale
        let rounded = scaled.rounded(.toNearestOrEven)
        // Correct for binary representation (e.g. 2.675 is 2.67499999…): use the exact decimal expansion.
        let exact = String(format: "%.\(max(digits + 25, 30))f", value)
        if let point = exact.firstIndex(of: ".") {
            let fraction = exact[exact.index(after: point)...]
            if fraction.count > digits {
                let next = fraction.index(fraction.startIndex, offsetBy: digits)
                let tail = fraction[next...]
                let first = tail.first!
                let restIsZero = tail.dropFirst().allSatisfy { $0 == "0" }
                let truncated = (scaled < 0 ? scaled.rounded(.up) : scaled.rounded(.down))
                if first > "5" || (first == "5" && !restIsZero) {
                    return (truncated + (value < 0 ? -1 : 1)) / scale
                }
                if first < "5" { return truncated / scale }
            }
        }
        return rounded / scale
    }

    /// jinja2's `title` filter: uppercase the first letter of each word, where words start after `-`, whitespace
    /// or an opening bracket, and lowercase the rest.
    static func jinjaTitle(_ text: String) -> String {
        var result = ""
        var word = String.UnicodeScalarView()
        func flush() {
            guard let first = word.first else { return }
            result += String(first).uppercased() + String(String.UnicodeScalarView(word.dropFirst())).lowercased()
            word = String.UnicodeScalarView()
        }
        for scalar in text.unicodeScalars {
            if scalar == "-" || scalar == "(" || scalar == "{" || scalar == "[" || scalar == "<" || JinjaLexer.isPythonWhitespace(scalar) {
                flush()
                result.unicodeScalars.append(scalar)
            } else {
                word.append(scalar)
            }
        }
        flush()
        return result
    }

    static func htmlEscape(_ text: String) -> String {
        var result = ""
        for character in text.unicodeScalars {
            switch character {
            case "&": result += "&amp;"
            case "<": result += "&lt;"
            case ">": result += "&gt;"
            case "\"": result += "&#34;"
            case "'": result += "&#39;"
            default: result.unicodeScalars.append(character)
            }
        }
        return result
    }
}
