/// jinja2's tests (`value is name(arguments)`), with jinja2 3.1's definitions: `number` includes booleans,
/// `integer` excludes them, `iterable` is true for strings, mappings and undefined values, `sequence` for strings,
/// lists, tuples and mappings.
enum JinjaTests {
    static let names: Set<String> = [
        "defined", "undefined", "none", "boolean", "false", "true", "integer", "float", "number", "string", "mapping",
        "iterable", "sequence", "callable", "odd", "even", "divisibleby", "eq", "equalto", "==", "ne", "!=", "lt",
        "lessthan", "<", "le", "<=", "gt", "greaterthan", ">", "ge", ">=", "in", "lower", "upper", "sameas", "escaped",
        "filter", "test",
    ]

    static func apply(_ name: String, to markedValue: JinjaValue, arguments: JinjaArguments,
                      evaluator: JinjaEvaluator) throws -> Bool {
        if name == "escaped" {
            if case .markup = markedValue { return true }
            return false
        }
        let value = markedValue.unmarked
        func argument() throws -> JinjaValue {
            guard let first = arguments.positional.first ?? arguments.keyword.first?.1 else {
                throw JinjaFailure(.typeMismatch, "test '\(name)' needs an argument")
            }
            return first
        }
        switch name {
        case "defined": return !value.isUndefined
        case "undefined": return value.isUndefined
        case "none": return value.isNone
        case "boolean":
            if case .boolean = value { return true }
            return false
        case "true":
            if case .boolean(true) = value { return true }
            return false
        case "false":
            if case .boolean(false) = value { return true }
            return false
        case "integer":
            if case .integer = value { return true }
            return false
        case "float":
            if case .float = value { return true }
            return false
        case "number":
            return value.numeric != nil
        case "string":
            if case .string = value { return true }
            return false
        case "mapping":
            if case .dictionary = value { return true }
            return false
        case "iterable":
            switch value {
            case .list, .tuple, .dictionary, .string, .undefined, .iterator: return true
            default: return false
            }
        case "sequence":
            switch value {
            case .list, .tuple, .dictionary, .string, .undefined: return true
            default: return false
            }
        case "callable":
            switch value {
            case .callable: return true
            default: return false
            }
        case "odd", "even":
            if case .undefined(let undefined) = value { throw undefined.failure }
            guard let integer = value.numeric?.integer else {
                if let float = value.numeric?.float {
                    let remainder = try JinjaOperators.binary(.modulo, .float(float), .integer(2))
                    return name == "odd" ? remainder.pythonEquals(.integer(1)) : remainder.pythonEquals(.integer(0))
                }
                throw JinjaFailure(.typeMismatch, "unsupported operand type(s) for %: '\(value.typeName)' and 'int'")
            }
            let remainder = ((integer % 2) + 2) % 2
            return name == "odd" ? remainder == 1 : remainder == 0
        case "divisibleby":
            let remainder = try JinjaOperators.binary(.modulo, value, try argument())
            return remainder.pythonEquals(.integer(0))
        case "eq", "equalto", "==": return try JinjaOperators.compare(.equal, value, try argument())
        case "ne", "!=": return try JinjaOperators.compare(.notEqual, value, try argument())
        case "lt", "lessthan", "<": return try JinjaOperators.compare(.less, value, try argument())
        case "le", "<=": return try JinjaOperators.compare(.lessOrEqual, value, try argument())
        case "gt", "greaterthan", ">": return try JinjaOperators.compare(.greater, value, try argument())
        case "ge", ">=": return try JinjaOperators.compare(.greaterOrEqual, value, try argument())
        case "in": return try JinjaOperators.contains(try argument(), value)
        case "lower", "upper":
            guard case .string(let text) = value else {
                if case .undefined = value { return false }
                throw JinjaFailure(.typeMismatch, "test '\(name)' needs a string")
            }
            return name == "lower" ? text.lowercased() == text : text.uppercased() == text
        case "sameas":
            let other = try argument()
            switch (value, other) {
            case (.none, .none): return true
            case (.boolean(let a), .boolean(let b)): return a == b
            case (.object(let a), .object(let b)): return a === b
            case (.callable(let a), .callable(let b)): return a === b
            case (.integer(let a), .integer(let b)): return a == b && (-5...256).contains(a)
            default: return false
            }
        case "escaped":
            return false
        case "filter":
            guard case .string(let filterName) = value else { return false }
            return JinjaFilters.names.contains(filterName)
        case "test":
            guard case .string(let testName) = value else { return false }
            return names.contains(testName)
        default:
            throw JinjaFailure(.runtime, "No test named '\(name)' found.")
        }
    }
}
