import Foundation

/// Python's operator semantics on Jinja values: `int` op `int` stays `int` (`/` is always float, `//` and `%` floor
/// toward −∞), `bool` counts as `int`, `str + str`, `list + list`, `str * int`, `in` on strings, lists and dict keys;
/// an undefined operand fails as jinja2's `Undefined` does.
enum JinjaOperators {
    static func binary(_ op: JinjaBinaryOperator, _ markedLeft: JinjaValue, _ markedRight: JinjaValue) throws -> JinjaValue {
        // markupsafe: Markup + str escapes the str (either side); Markup + Markup stays Markup.
        if op == .add {
            switch (markedLeft, markedRight) {
            case (.markup(let a), .markup(let b)): return .markup(a + b)
            case (.markup(let a), .string(let b)): return .markup(a + JinjaFilters.htmlEscape(b))
            case (.string(let a), .markup(let b)): return .markup(JinjaFilters.htmlEscape(a) + b)
            default: break
            }
        }
        let left = markedLeft.unmarked
        let right = markedRight.unmarked
        if case .undefined(let undefined) = left { throw undefined.failure }
        if case .undefined(let undefined) = right { throw undefined.failure }
        if let a = left.numeric, let b = right.numeric {
            return try numeric(op, a, b)
        }
        switch (op, left, right) {
        case (.add, .string(let a), .string(let b)):
            return .string(a + b)
        case (.add, .list(let a), .list(let b)):
            return .list(a + b)
        case (.add, .tuple(let a), .tuple(let b)):
            return .tuple(a + b)
        case (.multiply, .string(let text), _), (.multiply, _, .string(let text)):
            guard let count = (left.numeric?.integer ?? right.numeric?.integer) else { break }
            guard count <= 0 || text.unicodeScalars.count * count <= JinjaEvaluator.maximumSize else {
                throw JinjaFailure(.limit, "string repetition too large")
            }
            return .string(count > 0 ? String(repeating: text, count: count) : "")
        case (.multiply, .list(let items), _), (.multiply, _, .list(let items)):
            guard let count = (left.numeric?.integer ?? right.numeric?.integer) else { break }
            guard count <= 0 || items.count * count <= JinjaEvaluator.maximumSize else {
                throw JinjaFailure(.limit, "list repetition too large")
            }
            return .list(count > 0 ? Array(repeating: items, count: count).flatMap { $0 } : [])
        case (.modulo, .string(let format), _):
            return .string(try JinjaPercentFormat.format(format, right))
        default:
            break
        }
        throw JinjaFailure(.typeMismatch,
                           "unsupported operand type(s) for \(op.rawValue): '\(left.typeName)' and '\(right.typeName)'")
    }

    private static func numeric(_ op: JinjaBinaryOperator, _ a: (integer: Int?, float: Double),
                                _ b: (integer: Int?, float: Double)) throws -> JinjaValue {
        if let x = a.integer, let y = b.integer {
            switch op {
            case .add:
                let (value, overflow) = x.addingReportingOverflow(y)
                return overflow ? .float(Double(x) + Double(y)) : .integer(value)
            case .subtract:
                let (value, overflow) = x.subtractingReportingOverflow(y)
                return overflow ? .float(Double(x) - Double(y)) : .integer(value)
            case .multiply:
                let (value, overflow) = x.multipliedReportingOverflow(by: y)
                return overflow ? .float(Double(x) * Double(y)) : .integer(value)
            case .divide:
                guard y != 0 else { throw JinjaFailure(.divisionByZero, "division by zero") }
                return .float(Double(x) / Double(y))
            case .floorDivide:
                guard y != 0 else { throw JinjaFailure(.divisionByZero, "integer division or modulo by zero") }
                var quotient = x / y
                if (x % y != 0) && ((x < 0) != (y < 0)) { quotient -= 1 }
                return .integer(quotient)
            case .modulo:
                guard y != 0 else { throw JinjaFailure(.divisionByZero, "integer modulo by zero") }
                var remainder = x % y
                if remainder != 0 && ((remainder < 0) != (y < 0)) { remainder += y }
                return .integer(remainder)
            case .power:
                if y < 0 { return .float(pow(Double(x), Double(y))) }
                var result = 1
                var base = x
                var exponent = y
                while exponent > 0 {
                    if exponent & 1 == 1 {
                        let (value, overflow) = result.multipliedReportingOverflow(by: base)
                        if overflow { return .float(pow(Double(x), Double(y))) }
                        result = value
                    }
                    exponent >>= 1
                    if exponent > 0 {
                        let (square, overflow) = base.multipliedReportingOverflow(by: base)
                        if overflow { return .float(pow(Double(x), Double(y))) }
                        base = square
                    }
                }
                return .integer(result)
            case .and, .or:
                break
            }
        }
        let x = a.float
        let y = b.float
        switch op {
        case .add: return .float(x + y)
        case .subtract: return .float(x - y)
        case .multiply: return .float(x * y)
        case .divide:
            guard y != 0 else { throw JinjaFailure(.divisionByZero, "float division by zero") }
            return .float(x / y)
        case .floorDivide, .modulo:
            guard y != 0 else { throw JinjaFailure(.divisionByZero, "float floor division by zero") }
            // CPython's float_divmod.
            var mod = fmod(x, y)
            var div = (x - mod) / y
            if mod != 0 {
                if (y < 0) != (mod < 0) {
                    mod += y
                    div -= 1
                }
            } else {
                mod = copysign(0, y)
            }
            var floorDiv: Double
            if div != 0 {
                floorDiv = div.rounded(.down)
                if div - floorDiv > 0.5 { floorDiv += 1 }
            } else {
                floorDiv = copysign(0, x / y)
            }
            return .float(op == .modulo ? mod : floorDiv)
        case .power:
            if x == 0 && y < 0 { throw JinjaFailure(.divisionByZero, "0.0 cannot be raised to a negative power") }
            return .float(pow(x, y))
        case .and, .or:
            throw JinjaFailure(.runtime, "logical operator evaluated as arithmetic")
        }
    }

    static func negate(_ value: JinjaValue) throws -> JinjaValue {
        if case .undefined(let undefined) = value { throw undefined.failure }
        guard let number = value.numeric else {
            throw JinjaFailure(.typeMismatch, "bad operand type for unary -: '\(value.typeName)'")
        }
        if let integer = number.integer { return .integer(-integer) }
        return .float(-number.float)
    }

    static func plus(_ value: JinjaValue) throws -> JinjaValue {
        if case .undefined(let undefined) = value { throw undefined.failure }
        guard let number = value.numeric else {
            throw JinjaFailure(.typeMismatch, "bad operand type for unary +: '\(value.typeName)'")
        }
        if let integer = number.integer { return .integer(integer) }
        return .float(number.float)
    }

    static func compare(_ op: JinjaComparisonOperator, _ left: JinjaValue, _ right: JinjaValue) throws -> Bool {
        switch op {
        case .equal: return left.pythonEquals(right)
        case .notEqual: return !left.pythonEquals(right)
        case .contains: return try contains(right, left)
        case .notContains: return try !contains(right, left)
        default:
            if case .undefined(let undefined) = left { throw undefined.failure }
            if case .undefined(let undefined) = right { throw undefined.failure }
            switch op {
            case .less: return try left.pythonLess(right)
            case .greater: return try right.pythonLess(left)
            case .lessOrEqual: return try left.pythonLess(right) || left.pythonEquals(right)
            default: return try right.pythonLess(left) || left.pythonEquals(right)
            }
        }
    }

    /// Python `needle in container`.
    static func contains(_ markedContainer: JinjaValue, _ markedNeedle: JinjaValue) throws -> Bool {
        let container = markedContainer.unmarked
        let needle = markedNeedle.unmarked
        switch container {
        case .string(let text):
            guard case .string(let part) = needle else {
                if case .undefined(let undefined) = needle { throw undefined.failure }
                throw JinjaFailure(.typeMismatch, "'in <string>' requires string as left operand, not \(needle.typeName)")
            }
            return part.isEmpty || text.unicodeScalars.firstRange(of: part.unicodeScalars) != nil
        case .list(let items), .tuple(let items):
            return items.contains { $0.pythonEquals(needle) }
        case .iterator(let iterator):
            // Python consumes the iterator up to and including the match.
            while let item = iterator.next() {
                if item.pythonEquals(needle) { return true }
            }
            return false
        case .dictionary(let dictionary):
            if case .undefined = needle { return false }
            guard JinjaDictionaryKey(needle) != nil else {
                throw JinjaFailure(.typeMismatch, "unhashable type: '\(needle.typeName)'")
            }
            return dictionary[key: needle] != nil
        case .undefined:
            return false
        case .object(let object) where object.isNamespace:
            throw JinjaFailure(.typeMismatch, "argument of type 'Namespace' is not iterable")
        default:
            throw JinjaFailure(.typeMismatch, "argument of type '\(container.typeName)' is not iterable")
        }
    }

    /// Python slicing `value[start:stop:step]` of strings, lists and tuples.
    static func slice(_ markedValue: JinjaValue, start: JinjaValue?, stop: JinjaValue?, step: JinjaValue?) throws -> JinjaValue {
        let value = markedValue.unmarked
        func bound(_ value: JinjaValue?) throws -> Int? {
            guard let value, !(value.isNone) else { return nil }
            guard let integer = value.numeric?.integer else {
                throw JinjaFailure(.typeMismatch, "slice indices must be integers or None")
            }
            return integer
        }
        let stepValue = try bound(step) ?? 1
        guard stepValue != 0 else { throw JinjaFailure(.invalidValue, "slice step cannot be zero") }
        func indices(count: Int) throws -> [Int] {
            func clamp(_ index: Int?, defaultValue: Int, lower: Int, upper: Int) -> Int {
                guard var index else { return defaultValue }
                if index < 0 { index += count }
                return Swift.min(Swift.max(index, lower), upper)
            }
            var result: [Int] = []
            if stepValue > 0 {
                let from = clamp(try bound(start), defaultValue: 0, lower: 0, upper: count)
                let to = clamp(try bound(stop), defaultValue: count, lower: 0, upper: count)
                var index = from
                while index < to {
                    result.append(index)
                    index += stepValue
                }
            } else {
                let from = clamp(try bound(start), defaultValue: count - 1, lower: -1, upper: count - 1)
                let to = clamp(try bound(stop), defaultValue: -1, lower: -1, upper: count - 1)
                var index = from
                while index > to {
                    result.append(index)
                    index += stepValue
                }
            }
            return result
        }
        switch value {
        case .string(let text):
            let scalars = Array(text.unicodeScalars)
            var view = String.UnicodeScalarView()
            for index in try indices(count: scalars.count) { view.append(scalars[index]) }
            return .string(String(view))
        case .list(let items):
            return .list(try indices(count: items.count).map { items[$0] })
        case .tuple(let items):
            return .tuple(try indices(count: items.count).map { items[$0] })
        default:
            throw JinjaFailure(.typeMismatch, "'\(value.typeName)' object is not subscriptable")
        }
    }
}

extension JinjaValue {
    var isNone: Bool {
        if case .none = self { return true }
        return false
    }
}

/// Python's printf-style `str % values` (`%s`, `%r`, `%d` / `%i`, `%f` / `%.Nf`, `%x`, `%%`), used by the `%`
/// operator on strings and by the `format` filter.
enum JinjaPercentFormat {
    static func format(_ format: String, _ values: JinjaValue) throws -> String {
        var arguments: [JinjaValue]
        var mapping: JinjaDictionary?
        switch values {
        case .tuple(let items): arguments = items
        case .dictionary(let dictionary):
            arguments = [values]
            mapping = dictionary
        default: arguments = [values]
        }
        var output = ""
        var scalars = Array(format.unicodeScalars)[...]
        var next = 0
        while let scalar = scalars.popFirst() {
            guard scalar == "%" else {
                output.unicodeScalars.append(scalar)
                continue
            }
            var key: String?
            if scalars.first == "(" {
                guard let close = scalars.firstIndex(of: ")") else {
                    throw JinjaFailure(.invalidValue, "incomplete format key")
                }
                key = String(String.UnicodeScalarView(scalars[scalars.index(after: scalars.startIndex)..<close]))
                scalars = scalars[scalars.index(after: close)...]
            }
            var specification = ""
            while let character = scalars.first, "-+ #0123456789.".unicodeScalars.contains(character) {
                specification.unicodeScalars.append(character)
                scalars.removeFirst()
            }
            guard let conversion = scalars.popFirst() else { throw JinjaFailure(.invalidValue, "incomplete format") }
            if conversion == "%" {
                output += "%"
                continue
            }
            let value: JinjaValue
            if let key {
                guard let mapping, let found = mapping[key] else { throw JinjaFailure(.invalidValue, "format requires a mapping with key '\(key)'") }
                value = found
            } else {
                guard next < arguments.count else {
                    throw JinjaFailure(.typeMismatch, "not enough arguments for format string")
                }
                value = arguments[next]
                next += 1
            }
            let precision = specification.split(separator: ".", omittingEmptySubsequences: false).dropFirst().first.flatMap { Int($0) }
            let widthText = specification.split(separator: ".", omittingEmptySubsequences: false).first
                .map { String($0).trimmingCharacters(in: CharacterSet(charactersIn: "-+ #0")) } ?? ""
            var text: String
            switch conversion {
            case "s": text = value.pythonString
            case "r": text = value.pythonRepresentation
            case "d", "i":
                guard let number = value.numeric else {
                    throw JinjaFailure(.typeMismatch, "%d format: a real number is required, not \(value.typeName)")
                }
                text = String(number.integer ?? Int(number.float.rounded(.towardZero)))
            case "f", "F":
                guard let number = value.numeric else {
                    throw JinjaFailure(.typeMismatch, "must be real number, not \(value.typeName)")
                }
                text = String(format: "%.\(precision ?? 6)f", number.float)
            case "x", "X":
                guard let integer = value.numeric?.integer else {
                    throw JinjaFailure(.typeMismatch, "%x format: an integer is required, not \(value.typeName)")
                }
                text = String(integer, radix: 16, uppercase: conversion == "X")
            default:
                throw JinjaFailure(.invalidValue, "unsupported format character '\(conversion)'")
            }
            if let width = Int(widthText), text.unicodeScalars.count < width {
                let padding = String(repeating: specification.hasPrefix("0") && conversion != "s" ? "0" : " ",
                                     count: width - text.unicodeScalars.count)
                text = specification.hasPrefix("-") ? text + padding : padding + text
            }
            output += text
        }
        if mapping == nil && next < arguments.count {
            throw JinjaFailure(.typeMismatch, "not all arguments converted during string formatting")
        }
        return output
    }
}
