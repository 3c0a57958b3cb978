/// Recursive-descent parser from tokens to statement nodes, following jinja2 3.1's grammar and operator
/// precedence (lowest first): conditional `x if c else y`, `or`, `and`, `not`, comparisons and `in` / `not in`,
/// `+ -`, `~`, `* / // %`, `**`, unary `- +`, then postfix `.name`, `[key]`, `(arguments)`, `| filter`, `is test`.
/// Unknown filters, tests and tags are syntax errors, as jinja2 reports them when compiling.
struct JinjaParser {
    private let tokens: [JinjaToken]
    private var index = 0
    private var loopDepth = 0
    /// Nesting of expressions and statements being parsed; deeper sources are refused instead of exhausting the stack.
    private var nesting = 0
    /// jinja2 compiles filters and tests it does not know inside `if` statements and conditional expressions ("soft
    /// frames") into a runtime error; elsewhere they are compile-time errors. Unknown names seen outside a soft
    /// frame wait here until the enclosing expression turns out not to be conditional.
    private var softFrame = false
    private var pendingUnknown: [JinjaError] = []
    static let maximumNesting = 128

    init(tokens: [JinjaToken]) {
        self.tokens = tokens
    }

    static func parse(_ source: String) throws -> [JinjaNode] {
        var parser = JinjaParser(tokens: try JinjaLexer.tokenize(source))
        let (nodes, end) = try parser.parseStatements(until: [])
        if let end {
            throw parser.error("Encountered unknown tag '\(end)'.", at: parser.tokens[parser.index - 1])
        }
        return nodes
    }

    // MARK: - Token helpers

    private var current: JinjaToken { tokens[index] }

    private func peek(_ offset: Int = 1) -> JinjaToken {
        tokens[min(index + offset, tokens.count - 1)]
    }

    private mutating func advance() -> JinjaToken {
        let token = tokens[index]
        if index < tokens.count - 1 { index += 1 }
        return token
    }

    private func error(_ message: String, at token: JinjaToken) -> JinjaError {
        .syntax(message: message, line: token.line, column: token.column)
    }

    private func isName(_ name: String, _ token: JinjaToken? = nil) -> Bool {
        (token ?? current).kind == .name(name)
    }

    private func isSymbol(_ symbol: String) -> Bool {
        current.kind == .symbol(symbol)
    }

    private mutating func skipSymbol(_ symbol: String) -> Bool {
        if isSymbol(symbol) {
            index += 1
            return true
        }
        return false
    }

    private mutating func skipName(_ name: String) -> Bool {
        if isName(name) {
            index += 1
            return true
        }
        return false
    }

    private mutating func expectSymbol(_ symbol: String) throws {
        guard skipSymbol(symbol) else {
            throw error("expected '\(symbol)', got \(current.kind.display)", at: current)
        }
    }

    private mutating func expectName() throws -> String {
        guard case .name(let name) = current.kind else {
            throw error("expected a name, got \(current.kind.display)", at: current)
        }
        index += 1
        return name
    }

    private mutating func expectBlockEnd() throws {
        guard current.kind == .blockEnd else {
            throw error("expected end of statement block, got \(current.kind.display)", at: current)
        }
        index += 1
    }

    // MARK: - Statements

    /// Parses nodes until a block tag whose name is in `endTags` (consumed up to and including the tag name) and
    /// returns that name, or until the end of the template (name nil; an error when `endTags` is not empty).
    private mutating func parseStatements(until endTags: Set<String>) throws -> ([JinjaNode], String?) {
        var nodes: [JinjaNode] = []
        while true {
            let token = current
            switch token.kind {
            case .endOfInput:
                if !endTags.isEmpty {
                    let expected = endTags.sorted().map { "'\($0)'" }.joined(separator: " or ")
                    throw error("Unexpected end of template. Jinja was looking for the following tags: \(expected).", at: token)
                }
                return (nodes, nil)
            case .text(let text):
                index += 1
                nodes.append(JinjaNode(kind: .text(text), line: token.line))
            case .variableBegin:
                index += 1
                let expression = try parseTuple()
                guard current.kind == .variableEnd else {
                    throw error("expected end of print statement, got \(current.kind.display)", at: current)
                }
                index += 1
                if let first = pendingUnknown.first { throw first }
                nodes.append(JinjaNode(kind: .output(expression), line: token.line))
            case .blockBegin:
                index += 1
                let nameToken = current
                guard case .name(let tag) = nameToken.kind else {
                    throw error("tag name expected", at: nameToken)
                }
                if endTags.contains(tag) {
                    index += 1
                    return (nodes, tag)
                }
                index += 1
                nodes.append(try parseTag(tag, at: nameToken))
                if let first = pendingUnknown.first { throw first }
            default:
                throw error("unexpected \(token.kind.display)", at: token)
            }
        }
    }

    private mutating func parseBody(until endTags: Set<String>, opening: JinjaToken) throws -> ([JinjaNode], String) {
        let (body, end) = try parseStatements(until: endTags)
        guard let end else { throw error("missing end tag", at: opening) }
        return (body, end)
    }

    private mutating func parseTag(_ tag: String, at token: JinjaToken) throws -> JinjaNode {
        try enter()
        defer { nesting -= 1 }
        let savedSoftFrame = softFrame
        defer { softFrame = savedSoftFrame }
        switch tag {
        case "if": softFrame = true
        case "set", "break", "continue": break
        default: softFrame = false  // loops, macros, call/filter/with blocks compile in a new (hard) frame
        }
        switch tag {
        case "if":
            var branches: [(condition: JinjaExpression, body: [JinjaNode])] = []
            var condition = try parseTuple(withConditional: false)
            try expectBlockEnd()
            while true {
                let (body, end) = try parseBody(until: ["elif", "else", "endif"], opening: token)
                branches.append((condition, body))
                switch end {
                case "elif":
                    condition = try parseTuple(withConditional: false)
                    try expectBlockEnd()
                case "else":
                    try expectBlockEnd()
                    let (otherwise, _) = try parseBody(until: ["endif"], opening: token)
                    try expectBlockEnd()
                    return JinjaNode(kind: .ifStatement(branches: branches, otherwise: otherwise), line: token.line)
                default:
                    try expectBlockEnd()
                    return JinjaNode(kind: .ifStatement(branches: branches, otherwise: []), line: token.line)
                }
            }
        case "for":
            let target = try parseAssignmentTarget(extraEndNames: ["in"])
            guard skipName("in") else { throw error("expected 'in', got \(current.kind.display)", at: current) }
            let iterable = try parseTuple(withConditional: false, extraEndNames: ["recursive"])
            var condition: JinjaExpression?
            if skipName("if") { condition = try parseExpression() }
            if isName("recursive") { throw error("recursive for loops are not supported", at: current) }
            try expectBlockEnd()
            loopDepth += 1
            let (body, end) = try parseBody(until: ["endfor", "else"], opening: token)
            loopDepth -= 1
            var otherwise: [JinjaNode] = []
            if end == "else" {
                try expectBlockEnd()
                (otherwise, _) = try parseBody(until: ["endfor"], opening: token)
            }
            try expectBlockEnd()
            return JinjaNode(kind: .forLoop(target: target, iterable: iterable, condition: condition, body: body,
                                            otherwise: otherwise), line: token.line)
        case "set":
            let target = try parseAssignmentTarget(withNamespace: true)
            if skipSymbol("=") {
                let value = try parseTuple()
                try expectBlockEnd()
                return JinjaNode(kind: .set(target: target, value: value), line: token.line)
            }
            let filter = try parseFilterChain(on: .blockInput)
            try expectBlockEnd()
            let (body, _) = try parseBody(until: ["endset"], opening: token)
            try expectBlockEnd()
            return JinjaNode(kind: .setBlock(target: target, filter: filter, body: body), line: token.line)
        case "macro":
            let name = try expectName()
            let parameters = try parseParameters()
            try expectBlockEnd()
            let savedDepth = loopDepth
            loopDepth = 0
            let (body, _) = try parseBody(until: ["endmacro"], opening: token)
            loopDepth = savedDepth
            _ = skipName(name)
            try expectBlockEnd()
            return JinjaNode(kind: .macro(name: name, parameters: parameters, body: body,
                                          referencedNames: JinjaReferencedNames.collect(in: body)), line: token.line)
        case "call":
            let parameters = isSymbol("(") ? try parseParameters() : []
            let callToken = current
            let call = try parseExpression()
            guard case .call = call else { throw error("expected call", at: callToken) }
            try expectBlockEnd()
            let savedDepth = loopDepth
            loopDepth = 0
            let (body, _) = try parseBody(until: ["endcall"], opening: token)
            loopDepth = savedDepth
            try expectBlockEnd()
            return JinjaNode(kind: .callBlock(call: call, parameters: parameters, body: body), line: token.line)
        case "filter":
            guard let filter = try parseFilterChain(on: .blockInput, startInline: true) else {
                throw error("expected a filter name", at: current)
            }
            try expectBlockEnd()
            let (body, _) = try parseBody(until: ["endfilter"], opening: token)
            try expectBlockEnd()
            return JinjaNode(kind: .filterBlock(filter: filter, body: body), line: token.line)
        case "with":
            var assignments: [(JinjaTarget, JinjaExpression)] = []
            while current.kind != .blockEnd {
                if !assignments.isEmpty { try expectSymbol(",") }
                let target = try parseAssignmentTarget()
                try expectSymbol("=")
                assignments.append((target, try parseExpression()))
            }
            try expectBlockEnd()
            let (body, _) = try parseBody(until: ["endwith"], opening: token)
            try expectBlockEnd()
            return JinjaNode(kind: .with(assignments: assignments, body: body), line: token.line)
        case "generation":
            try expectBlockEnd()
            let (body, _) = try parseBody(until: ["endgeneration"], opening: token)
            try expectBlockEnd()
            return JinjaNode(kind: .generation(body: body), line: token.line)
        case "block":
            let name = try expectName()
            _ = skipName("scoped")
            _ = skipName("required")
            try expectBlockEnd()
            let (body, _) = try parseBody(until: ["endblock"], opening: token)
            _ = skipName(name)
            try expectBlockEnd()
            return JinjaNode(kind: .block(body: body), line: token.line)
        case "break", "continue":
            guard loopDepth > 0 else { throw error("'\(tag)' outside of a for loop", at: token) }
            try expectBlockEnd()
            return JinjaNode(kind: tag == "break" ? .breakLoop : .continueLoop, line: token.line)
        default:
            throw error("Encountered unknown tag '\(tag)'.", at: token)
        }
    }

    private mutating func parseParameters() throws -> [JinjaParameter] {
        try expectSymbol("(")
        var parameters: [JinjaParameter] = []
        while !skipSymbol(")") {
            if !parameters.isEmpty { try expectSymbol(",") }
            if skipSymbol(")") { break }
            let name = try expectName()
            var defaultValue: JinjaExpression?
            if skipSymbol("=") { defaultValue = try parseExpression() }
            parameters.append(JinjaParameter(name: name, defaultValue: defaultValue))
        }
        return parameters
    }

    /// A `set` / `for` / `with` target: a name, `namespace.attribute` (set only) or a tuple of names.
    private mutating func parseAssignmentTarget(withNamespace: Bool = false, extraEndNames: Set<String> = []) throws -> JinjaTarget {
        func single(_ parser: inout JinjaParser) throws -> JinjaTarget {
            if parser.skipSymbol("(") {
                let inner = try parser.parseAssignmentTarget(extraEndNames: [])
                try parser.expectSymbol(")")
                return inner
            }
            let token = parser.current
            let name = try parser.expectName()
            if withNamespace, parser.skipSymbol(".") {
                return .attribute(name, try parser.expectName())
            }
            if ["true", "false", "none", "True", "False", "None"].contains(name) {
                throw parser.error("can't assign to constant '\(name)'", at: token)
            }
            return .name(name)
        }
        var targets = [try single(&self)]
        var isTuple = false
        while skipSymbol(",") {
            isTuple = true
            if current.kind == .blockEnd || isSymbol("=") || isSymbol(")") { break }
            if case .name(let name) = current.kind, extraEndNames.contains(name) { break }
            targets.append(try single(&self))
        }
        return isTuple ? .tuple(targets) : targets[0]
    }

    // MARK: - Expressions

    private func isTupleEnd(_ extraEndNames: Set<String>) -> Bool {
        switch current.kind {
        case .variableEnd, .blockEnd, .endOfInput: return true
        case .symbol(let symbol): return symbol == ")"
        case .name(let name): return extraEndNames.contains(name)
        default: return false
        }
    }

    /// jinja2's `parse_tuple`: expressions separated by commas form a tuple; one without a comma is itself.
    private mutating func parseTuple(withConditional: Bool = true, extraEndNames: Set<String> = [],
                                     explicitParentheses: Bool = false) throws -> JinjaExpression {
        var items: [JinjaExpression] = []
        var isTuple = false
        while true {
            if !items.isEmpty { try expectSymbol(",") }
            if isTupleEnd(extraEndNames) { break }
            items.append(withConditional ? try parseExpression() : try parseOr())
            if isSymbol(",") { isTuple = true } else { break }
        }
        if !isTuple {
            if let only = items.first { return only }
            if !explicitParentheses {
                throw error("Expected an expression, got \(current.kind.display)", at: current)
            }
        }
        return .tuple(items)
    }

    private mutating func noteUnknown(_ message: String, at token: JinjaToken) {
        if !softFrame { pendingUnknown.append(error(message, at: token)) }
    }

    /// Runs `body` with the soft-frame flag set to `soft`.
    private mutating func withFrame<Result>(soft: Bool, _ body: (inout JinjaParser) throws -> Result) rethrows -> Result {
        let saved = softFrame
        softFrame = soft
        defer { softFrame = saved }
        return try body(&self)
    }

    private mutating func enter() throws {
        nesting += 1
        if nesting > JinjaParser.maximumNesting {
            throw error("template nested too deeply (more than \(JinjaParser.maximumNesting) levels)", at: current)
        }
    }

    mutating func parseExpression() throws -> JinjaExpression {
        try enter()
        defer { nesting -= 1 }
        let pendingMark = pendingUnknown.count
        var expression = try parseOr()
        while isName("if") {
            index += 1
            pendingUnknown.removeSubrange(pendingMark...)
            try withFrame(soft: true) { parser in
                let condition = try parser.parseOr()
                var otherwise: JinjaExpression?
                if parser.skipName("else") { otherwise = try parser.parseExpression() }
                expression = .conditional(condition: condition, then: expression, otherwise: otherwise)
            }
        }
        return expression
    }

    private mutating func parseOr() throws -> JinjaExpression {
        var left = try parseAnd()
        while skipName("or") { left = .binary(.or, left, try parseAnd()) }
        return left
    }

    private mutating func parseAnd() throws -> JinjaExpression {
        var left = try parseNot()
        while skipName("and") { left = .binary(.and, left, try parseNot()) }
        return left
    }

    private mutating func parseNot() throws -> JinjaExpression {
        if skipName("not") {
            try enter()
            defer { nesting -= 1 }
            return .unary(.not, try parseNot())
        }
        return try parseComparison()
    }

    private mutating func parseComparison() throws -> JinjaExpression {
        let first = try parseAdditive()
        var operations: [(JinjaComparisonOperator, JinjaExpression)] = []
        while true {
            if case .symbol(let symbol) = current.kind, let op = JinjaComparisonOperator(rawValue: symbol),
               op != .contains, op != .notContains {
                index += 1
                operations.append((op, try parseAdditive()))
            } else if skipName("in") {
                operations.append((.contains, try parseAdditive()))
            } else if isName("not"), isName("in", peek()) {
                index += 2
                operations.append((.notContains, try parseAdditive()))
            } else {
                break
            }
        }
        return operations.isEmpty ? first : .comparison(first, operations)
    }

    private mutating func parseAdditive() throws -> JinjaExpression {
        var left = try parseConcatenation()
        while true {
            if skipSymbol("+") {
                left = .binary(.add, left, try parseConcatenation())
            } else if skipSymbol("-") {
                left = .binary(.subtract, left, try parseConcatenation())
            } else {
                return left
            }
        }
    }

    private mutating func parseConcatenation() throws -> JinjaExpression {
        var parts = [try parseMultiplicative()]
        while skipSymbol("~") { parts.append(try parseMultiplicative()) }
        return parts.count == 1 ? parts[0] : .concatenation(parts)
    }

    private mutating func parseMultiplicative() throws -> JinjaExpression {
        var left = try parsePower()
        while true {
            guard case .symbol(let symbol) = current.kind, ["*", "/", "//", "%"].contains(symbol) else { return left }
            index += 1
            left = .binary(JinjaBinaryOperator(rawValue: symbol)!, left, try parsePower())
        }
    }

    private mutating func parsePower() throws -> JinjaExpression {
        var left = try parseUnary()
        while skipSymbol("**") { left = .binary(.power, left, try parseUnary()) }
        return left
    }

    private mutating func parseUnary(withFilters: Bool = true) throws -> JinjaExpression {
        try enter()
        defer { nesting -= 1 }
        var expression: JinjaExpression
        if skipSymbol("-") {
            expression = .unary(.negate, try parseUnary(withFilters: false))
        } else if skipSymbol("+") {
            expression = .unary(.plus, try parseUnary(withFilters: false))
        } else {
            expression = try parsePrimary()
        }
        expression = try parsePostfix(expression)
        if withFilters { expression = try parseFilterExpression(expression) }
        return expression
    }

    private mutating func parsePrimary() throws -> JinjaExpression {
        let token = current
        switch token.kind {
        case .name(let name):
            index += 1
            switch name {
            case "true", "True": return .literal(.boolean(true))
            case "false", "False": return .literal(.boolean(false))
            case "none", "None": return .literal(.none)
            default: return .name(name)
            }
        case .string(var text):
            index += 1
            while case .string(let more) = current.kind {
                text += more
                index += 1
            }
            return .literal(.string(text))
        case .integer(let value):
            index += 1
            return .literal(.integer(value))
        case .float(let value):
            index += 1
            return .literal(.float(value))
        case .symbol("("):
            index += 1
            let expression = try parseTuple(explicitParentheses: true)
            try expectSymbol(")")
            return expression
        case .symbol("["):
            index += 1
            var items: [JinjaExpression] = []
            while !skipSymbol("]") {
                if !items.isEmpty { try expectSymbol(",") }
                if skipSymbol("]") { break }
                items.append(try parseExpression())
            }
            return .list(items)
        case .symbol("{"):
            index += 1
            var pairs: [(key: JinjaExpression, value: JinjaExpression)] = []
            while !skipSymbol("}") {
                if !pairs.isEmpty { try expectSymbol(",") }
                if skipSymbol("}") { break }
                let key = try parseExpression()
                try expectSymbol(":")
                pairs.append((key, try parseExpression()))
            }
            return .dictionary(pairs)
        default:
            throw error("unexpected \(token.kind.display)", at: token)
        }
    }

    private mutating func parsePostfix(_ base: JinjaExpression) throws -> JinjaExpression {
        var expression = base
        while true {
            if skipSymbol(".") {
                let token = current
                switch token.kind {
                case .name(let name):
                    index += 1
                    expression = .attribute(expression, name)
                case .integer(let value):
                    index += 1
                    expression = .subscript(expression, .literal(.integer(value)))
                default:
                    throw error("expected name or number after '.'", at: token)
                }
            } else if skipSymbol("[") {
                var subscripts: [JinjaExpression] = []
                while !skipSymbol("]") {
                    if !subscripts.isEmpty { try expectSymbol(",") }
                    subscripts.append(try parseSubscript())
                }
                guard !subscripts.isEmpty else { throw error("expected subscript expression", at: current) }
                expression = .subscript(expression, subscripts.count == 1 ? subscripts[0] : .tuple(subscripts))
            } else if isSymbol("(") {
                expression = .call(expression, try parseCallArguments())
            } else {
                return expression
            }
        }
    }

    private mutating func parseSubscript() throws -> JinjaExpression {
        var start: JinjaExpression?
        if !isSymbol(":") {
            let expression = try parseExpression()
            guard isSymbol(":") else { return expression }
            start = expression
        }
        index += 1  // ':'
        var stop: JinjaExpression?
        var step: JinjaExpression?
        if !isSymbol("]") && !isSymbol(",") && !isSymbol(":") { stop = try parseExpression() }
        if skipSymbol(":") {
            if !isSymbol("]") && !isSymbol(",") { step = try parseExpression() }
        }
        return .slice(start: start, stop: stop, step: step)
    }

    private mutating func parseCallArguments() throws -> [JinjaArgumentExpression] {
        try expectSymbol("(")
        var arguments: [JinjaArgumentExpression] = []
        while !skipSymbol(")") {
            if !arguments.isEmpty { try expectSymbol(",") }
            if skipSymbol(")") { break }
            if skipSymbol("*") {
                arguments.append(JinjaArgumentExpression(kind: .unpackSequence, value: try parseExpression()))
            } else if skipSymbol("**") {
                arguments.append(JinjaArgumentExpression(kind: .unpackMapping, value: try parseExpression()))
            } else if case .name(let name) = current.kind, peek().kind == .symbol("=") {
                index += 2
                arguments.append(JinjaArgumentExpression(kind: .keyword(name), value: try parseExpression()))
            } else {
                arguments.append(JinjaArgumentExpression(kind: .positional, value: try parseExpression()))
            }
        }
        return arguments
    }

    private mutating func parseFilterExpression(_ base: JinjaExpression) throws -> JinjaExpression {
        var expression = base
        while true {
            if isSymbol("|") {
                expression = try parseFilterChain(on: expression) ?? expression
            } else if isName("is") {
                index += 1
                expression = try parseTest(expression)
            } else if isSymbol("(") {
                expression = .call(expression, try parseCallArguments())
            } else {
                return expression
            }
        }
    }

    /// `| name(arguments) | name …` applied to `subject` (with `startInline`, the first filter has no `|`, as in
    /// `{% filter upper %}`); nil when there is no filter at all.
    private mutating func parseFilterChain(on subject: JinjaExpression, startInline: Bool = false) throws -> JinjaExpression? {
        var expression = subject
        var inline = startInline
        while inline || skipSymbol("|") {
            inline = false
            let token = current
            var name = try expectName()
            while skipSymbol(".") { name += "." + (try expectName()) }
            if !JinjaFilters.names.contains(name) { noteUnknown("No filter named '\(name)'.", at: token) }
            let arguments = isSymbol("(") ? try parseCallArguments() : []
            expression = .filter(expression, name: name, arguments: arguments)
        }
        if case .blockInput = expression { return nil }
        return expression
    }

    private mutating func parseTest(_ subject: JinjaExpression) throws -> JinjaExpression {
        let negated = skipName("not")
        let token = current
        var name = try expectName()
        while skipSymbol(".") { name += "." + (try expectName()) }
        if !JinjaTests.names.contains(name) { noteUnknown("No test named '\(name)'.", at: token) }
        var arguments: [JinjaArgumentExpression] = []
        if isSymbol("(") {
            arguments = try parseCallArguments()
        } else {
            switch current.kind {
            case .name(let next) where !["else", "or", "and"].contains(next):
                if next == "is" { throw error("You cannot chain multiple tests with is", at: current) }
                arguments = [JinjaArgumentExpression(kind: .positional, value: try parsePostfix(try parsePrimary()))]
            case .string, .integer, .float, .symbol("["), .symbol("{"):
                arguments = [JinjaArgumentExpression(kind: .positional, value: try parsePostfix(try parsePrimary()))]
            default:
                break
            }
        }
        return .test(subject, name: name, arguments: arguments, negated: negated)
    }
}
