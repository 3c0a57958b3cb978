import Foundation

/// A variable frame. jinja2's scoping: each `for` iteration, macro call, call-block body, `with` and
/// `generation` block gets its own frame; `if` and `filter` blocks do not; `set` writes the innermost frame.
final class JinjaScope {
    private var variables: [String: JinjaValue] = [:]
    let parent: JinjaScope?

    init(parent: JinjaScope?) {
        self.parent = parent
    }

    func lookup(_ name: String) -> JinjaValue? {
        var scope: JinjaScope? = self
        while let current = scope {
            if let value = current.variables[name] { return value }
            scope = current.parent
        }
        return nil
    }

    func set(_ name: String, _ value: JinjaValue) {
        variables[name] = value
    }
}

/// Interprets parsed templates. One evaluator renders one template once; it is not shared between threads.
final class JinjaEvaluator {
    enum Flow { case normal, breakLoop, continueLoop }

    /// Maximum nesting of macro calls (Python raises RecursionError around a few hundred jinja2 frames).
    static let maximumCallDepth = 100
    /// Largest `range()` the sandbox allows (jinja2's MAX_RANGE).
    static let maximumRange = 100_000
    /// Largest string or list a template may build (a guard against `'x' * 10**12`), in elements.
    static let maximumSize = 100_000_000

    let now: () -> Date
    var line = 1
    private var callDepth = 0
    private var blockInputs: [JinjaValue] = []

    init(now: @escaping () -> Date) {
        self.now = now
    }

    /// Renders `nodes` with `context` as the template's top-level variables; failures carry the template line.
    func render(_ nodes: [JinjaNode], context: [String: JinjaValue]) throws -> String {
        let globals = JinjaScope(parent: nil)
        for (name, value) in JinjaGlobals.functions(evaluator: self) { globals.set(name, value) }
        let scope = JinjaScope(parent: globals)
        for (name, value) in context { scope.set(name, value) }
        var output = ""
        do {
            _ = try execute(nodes, scope: scope, into: &output)
        } catch let failure as JinjaFailure {
            throw JinjaError.render(kind: failure.kind, message: failure.message, line: line)
        }
        return output
    }

    // MARK: - Statements

    func execute(_ nodes: [JinjaNode], scope: JinjaScope, into output: inout String) throws -> Flow {
        for node in nodes {
            line = node.line
            switch node.kind {
            case .text(let text):
                output += text
            case .output(let expression):
                output += try evaluate(expression, scope: scope).pythonString
            case .ifStatement(let branches, let otherwise):
                var matched: [JinjaNode]? = nil
                for branch in branches where try evaluate(branch.condition, scope: scope).isTruthy {
                    matched = branch.body
                    break
                }
                let flow = try execute(matched ?? otherwise, scope: scope, into: &output)
                if flow != .normal { return flow }
            case .forLoop(let target, let iterable, let condition, let body, let otherwise):
                try executeLoop(target: target, iterable: iterable, condition: condition, body: body,
                                otherwise: otherwise, scope: scope, into: &output)
            case .set(let target, let value):
                try assign(target, try evaluate(value, scope: scope), scope: scope)
            case .setBlock(let target, let filter, let body):
                var captured = ""
                _ = try execute(body, scope: JinjaScope(parent: scope), into: &captured)
                var value = JinjaValue.string(captured)
                if let filter { value = try applyBlockFilter(filter, to: value, scope: scope) }
                try assign(target, value, scope: scope)
            case .macro(let name, let parameters, let body, let referencedNames):
                scope.set(name, .callable(makeMacro(name: name, parameters: parameters, body: body, closure: scope,
                                                    referencedNames: referencedNames)))
            case .callBlock(let call, let parameters, let body):
                guard case .call(let callee, var arguments) = call else { break }
                let caller = makeMacro(name: "caller", parameters: parameters, body: body, closure: scope,
                                       referencedNames: JinjaReferencedNames.collect(in: body))
                arguments.append(JinjaArgumentExpression(kind: .keyword("caller"), value: .literal(.callable(caller))))
                output += try evaluate(.call(callee, arguments), scope: scope).pythonString
            case .filterBlock(let filter, let body):
                var captured = ""
                let flow = try execute(body, scope: scope, into: &captured)
                output += try applyBlockFilter(filter, to: .string(captured), scope: scope).pythonString
                if flow != .normal { return flow }
            case .with(let assignments, let body):
                let inner = JinjaScope(parent: scope)
                for (target, expression) in assignments {
                    try assign(target, try evaluate(expression, scope: scope), scope: inner)
                }
                let flow = try execute(body, scope: inner, into: &output)
                if flow != .normal { return flow }
            case .generation(let body), .block(let body):
                let flow = try execute(body, scope: JinjaScope(parent: scope), into: &output)
                if flow != .normal { return flow }
            case .breakLoop:
                return .breakLoop
            case .continueLoop:
                return .continueLoop
            }
        }
        return .normal
    }

    private func applyBlockFilter(_ filter: JinjaExpression, to value: JinjaValue, scope: JinjaScope) throws -> JinjaValue {
        blockInputs.append(value)
        defer { blockInputs.removeLast() }
        return try evaluate(filter, scope: scope)
    }

    private func executeLoop(target: JinjaTarget, iterable: JinjaExpression, condition: JinjaExpression?,
                             body: [JinjaNode], otherwise: [JinjaNode], scope: JinjaScope,
                             into output: inout String) throws {
        var items = try iterate(try evaluate(iterable, scope: scope))
        if let condition {
            items = try items.filter { item in
                let filterScope = JinjaScope(parent: scope)
                try assign(target, item, scope: filterScope)
                return try evaluate(condition, scope: filterScope).isTruthy
            }
        }
        if items.isEmpty {
            _ = try execute(otherwise, scope: scope, into: &output)
            return
        }
        let loopLine = line
        for (position, item) in items.enumerated() {
            let iterationScope = JinjaScope(parent: scope)
            try assign(target, item, scope: iterationScope)
            iterationScope.set("loop", .object(loopObject(position: position, items: items, total: items.count)))
            let flow = try execute(body, scope: iterationScope, into: &output)
            line = loopLine
            if flow == .breakLoop { break }
        }
    }

    private func loopObject(position: Int, items: [JinjaValue], total: Int) -> JinjaObject {
        var attributes = JinjaDictionary()
        attributes["index"] = .integer(position + 1)
        attributes["index0"] = .integer(position)
        attributes["revindex"] = .integer(total - position)
        attributes["revindex0"] = .integer(total - position - 1)
        attributes["first"] = .boolean(position == 0)
        attributes["last"] = .boolean(position == total - 1)
        attributes["length"] = .integer(total)
        attributes["depth"] = .integer(1)
        attributes["depth0"] = .integer(0)
        attributes["previtem"] = position > 0 ? items[position - 1]
            : .undefined(JinjaUndefined(message: "there is no previous item"))
        attributes["nextitem"] = position + 1 < total ? items[position + 1]
            : .undefined(JinjaUndefined(message: "there is no next item"))
        attributes["cycle"] = .callable(JinjaCallable(name: "cycle") { arguments, _ in
            guard !arguments.positional.isEmpty else { throw JinjaFailure(.typeMismatch, "no items for cycling given") }
            return arguments.positional[position % arguments.positional.count]
        })
        return JinjaObject(typeName: "LoopContext", attributes: attributes)
    }

    /// Binds `value` to a `set` / `for` / `with` target in `scope`.
    func assign(_ target: JinjaTarget, _ value: JinjaValue, scope: JinjaScope) throws {
        switch target {
        case .name(let name):
            scope.set(name, value)
        case .tuple(let targets):
            let items = try iterate(value)
            guard items.count == targets.count else {
                throw JinjaFailure(.invalidValue, items.count > targets.count
                    ? "too many values to unpack (expected \(targets.count))"
                    : "not enough values to unpack (expected \(targets.count), got \(items.count))")
            }
            for (inner, item) in zip(targets, items) { try assign(inner, item, scope: scope) }
        case .attribute(let name, let attribute):
            guard case .object(let object)? = scope.lookup(name), object.isNamespace else {
                throw JinjaFailure(.runtime, "cannot assign attribute on non-namespace object")
            }
            object.attributes[attribute] = value
        }
    }

    /// A macro (or a call block's `caller`): called with positional / keyword arguments, it renders its body in a
    /// frame over the scope it was defined in; extra arguments land in `varargs` / `kwargs` (a TypeError when the body
    /// uses neither, as in jinja2), and a `caller` keyword (from `{% call %}`) becomes the `caller` variable.
    private func makeMacro(name: String, parameters: [JinjaParameter], body: [JinjaNode], closure: JinjaScope,
                           referencedNames: Set<String>) -> JinjaCallable {
        let takesVarargs = referencedNames.contains("varargs")
        let takesKeywords = referencedNames.contains("kwargs")
        let takesCaller = referencedNames.contains("caller")
        return JinjaCallable(name: name) { arguments, evaluator in
            guard evaluator.callDepth < JinjaEvaluator.maximumCallDepth else {
                throw JinjaFailure(.limit, "maximum recursion depth exceeded")
            }
            evaluator.callDepth += 1
            defer { evaluator.callDepth -= 1 }
            let frame = JinjaScope(parent: closure)
            var extraKeywords = JinjaDictionary()
            var bound = Set<String>()
            for (position, value) in arguments.positional.enumerated() where position < parameters.count {
                frame.set(parameters[position].name, value)
                bound.insert(parameters[position].name)
            }
            for (key, value) in arguments.keyword {
                if key == "caller" && takesCaller && !parameters.contains(where: { $0.name == "caller" }) {
                    frame.set("caller", value)
                } else if let parameter = parameters.first(where: { $0.name == key }) {
                    if bound.contains(parameter.name) {
                        throw JinjaFailure(.typeMismatch, "macro '\(name)' got multiple values for argument '\(key)'")
                    }
                    frame.set(key, value)
                    bound.insert(key)
                } else {
                    extraKeywords[key] = value
                }
            }
            // jinja2's Macro._invoke: extra arguments only when the body uses varargs / kwargs.
            if !takesKeywords, let key = extraKeywords.keys.first {
                if extraKeywords["caller"] != nil {
                    throw JinjaFailure(.typeMismatch, "macro '\(name)' was invoked with two values for the special caller argument. This is most likely a bug.")
                }
                throw JinjaFailure(.typeMismatch, "macro '\(name)' takes no keyword argument \(key.pythonRepresentation)")
            }
            if !takesVarargs && arguments.positional.count > parameters.count {
                throw JinjaFailure(.typeMismatch, "macro '\(name)' takes not more than \(parameters.count) argument(s)")
            }
            let savedLine = evaluator.line
            for parameter in parameters where !bound.contains(parameter.name) {
                if let defaultValue = parameter.defaultValue {
                    frame.set(parameter.name, try evaluator.evaluate(defaultValue, scope: frame))
                } else {
                    frame.set(parameter.name, .undefined(JinjaUndefined(
                        message: "parameter '\(parameter.name)' was not provided")))
                }
            }
            frame.set("varargs", .tuple(Array(arguments.positional.dropFirst(parameters.count))))
            frame.set("kwargs", .dictionary(extraKeywords))
            var output = ""
            _ = try evaluator.execute(body, scope: frame, into: &output)
            evaluator.line = savedLine
            return .string(output)
        }
    }

    // MARK: - Expressions

    func evaluate(_ expression: JinjaExpression, scope: JinjaScope) throws -> JinjaValue {
        switch expression {
        case .literal(let value):
            return value
        case .name(let name):
            return scope.lookup(name) ?? .undefined(named: name)
        case .list(let items):
            return .list(try items.map { try evaluate($0, scope: scope) })
        case .tuple(let items):
            return .tuple(try items.map { try evaluate($0, scope: scope) })
        case .dictionary(let pairs):
            var dictionary = JinjaDictionary()
            for pair in pairs {
                let key = try evaluate(pair.key, scope: scope)
                try dictionary.set(key, try evaluate(pair.value, scope: scope))
            }
            return .dictionary(dictionary)
        case .attribute(let object, let name):
            return try attribute(of: try evaluate(object, scope: scope), name)
        case .subscript(let object, let key):
            let container = try evaluate(object, scope: scope)
            if case .slice(let start, let stop, let step) = key {
                if case .undefined(let undefined) = container { throw undefined.failure }
                return try JinjaOperators.slice(container,
                                                start: try start.map { try evaluate($0, scope: scope) },
                                                stop: try stop.map { try evaluate($0, scope: scope) },
                                                step: try step.map { try evaluate($0, scope: scope) })
            }
            return try item(of: container, try evaluate(key, scope: scope))
        case .slice:
            throw JinjaFailure(.typeMismatch, "a slice is only valid inside []")
        case .call(let calleeExpression, let argumentExpressions):
            let callee = try evaluate(calleeExpression, scope: scope)
            let arguments = try evaluateArguments(argumentExpressions, scope: scope)
            return try call(callee, arguments)
        case .filter(let subject, let name, let argumentExpressions):
            let value = try evaluate(subject, scope: scope)
            let arguments = try evaluateArguments(argumentExpressions, scope: scope)
            return try JinjaFilters.apply(name, to: value, arguments: arguments, evaluator: self)
        case .test(let subject, let name, let argumentExpressions, let negated):
            let value = try evaluate(subject, scope: scope)
            let arguments = try evaluateArguments(argumentExpressions, scope: scope)
            let result = try JinjaTests.apply(name, to: value, arguments: arguments, evaluator: self)
            return .boolean(negated ? !result : result)
        case .unary(let op, let operand):
            let value = try evaluate(operand, scope: scope)
            switch op {
            case .not: return .boolean(!value.isTruthy)
            case .negate: return try JinjaOperators.negate(value)
            case .plus: return try JinjaOperators.plus(value)
            }
        case .binary(.and, let left, let right):
            let value = try evaluate(left, scope: scope)
            return value.isTruthy ? try evaluate(right, scope: scope) : value
        case .binary(.or, let left, let right):
            let value = try evaluate(left, scope: scope)
            return value.isTruthy ? value : try evaluate(right, scope: scope)
        case .binary(let op, let left, let right):
            return try JinjaOperators.binary(op, try evaluate(left, scope: scope), try evaluate(right, scope: scope))
        case .comparison(let first, let operations):
            var left = try evaluate(first, scope: scope)
            for (op, rightExpression) in operations {
                let right = try evaluate(rightExpression, scope: scope)
                guard try JinjaOperators.compare(op, left, right) else { return .boolean(false) }
                left = right
            }
            return .boolean(true)
        case .concatenation(let parts):
            var text = ""
            for part in parts { text += try evaluate(part, scope: scope).pythonString }
            return .string(text)
        case .conditional(let condition, let then, let otherwise):
            if try evaluate(condition, scope: scope).isTruthy { return try evaluate(then, scope: scope) }
            guard let otherwise else {
                return .undefined(JinjaUndefined(message: "the inline if-expression on line \(line) evaluated to false and no else section was defined."))
            }
            return try evaluate(otherwise, scope: scope)
        case .blockInput:
            return blockInputs.last ?? .undefined(named: "caller")
        }
    }

    private func evaluateArguments(_ expressions: [JinjaArgumentExpression], scope: JinjaScope) throws -> JinjaArguments {
        var arguments = JinjaArguments()
        for expression in expressions {
            let value = try evaluate(expression.value, scope: scope)
            switch expression.kind {
            case .positional:
                arguments.positional.append(value)
            case .keyword(let name):
                arguments.keyword.append((name, value))
            case .unpackSequence:
                arguments.positional.append(contentsOf: try iterate(value))
            case .unpackMapping:
                guard case .dictionary(let dictionary) = value else {
                    throw JinjaFailure(.typeMismatch, "argument after ** must be a mapping, not \(value.typeName)")
                }
                for (key, item) in dictionary {
                    guard case .string(let name) = key else { throw JinjaFailure(.typeMismatch, "keywords must be strings") }
                    arguments.keyword.append((name, item))
                }
            }
        }
        return arguments
    }

    func call(_ callee: JinjaValue, _ arguments: JinjaArguments) throws -> JinjaValue {
        switch callee {
        case .callable(let callable):
            return try callable.body(arguments, self)
        case .undefined(let undefined):
            throw undefined.failure
        default:
            throw JinjaFailure(.typeMismatch, "'\(callee.typeName)' object is not callable")
        }
    }

    // MARK: - Attribute and item access

    /// jinja2's sandboxed `getattr(object, name)` for `object.name`: a Python attribute (method) first, then
    /// `object[name]`; missing → undefined. Attribute access on an undefined value fails.
    func attribute(of markedObject: JinjaValue, _ name: String) throws -> JinjaValue {
        let object = markedObject.unmarked
        if case .undefined(let undefined) = object { throw undefined.failure }
        if let method = try JinjaMethods.method(named: name, on: object) { return method }
        switch object {
        case .dictionary(let dictionary):
            if let value = dictionary[name] { return value }
        case .object(let instance):
            if let value = instance.attributes[name] { return value }
        default:
            break
        }
        return .undefined(JinjaUndefined(message: "'\(object.objectTypeDescription)' has no attribute '\(name)'"))
    }

    /// jinja2's sandboxed `getitem(object, key)` for `object[key]`: the item first, then (for string keys) the
    /// attribute; missing → undefined.
    func item(of markedObject: JinjaValue, _ markedKey: JinjaValue) throws -> JinjaValue {
        let object = markedObject.unmarked
        let key = markedKey.unmarked
        switch (object, key) {
        case (.undefined(let undefined), _):
            throw undefined.failure
        case (.dictionary(let dictionary), _):
            if let value = dictionary[key: key] { return value }
        case (.list(let items), _), (.tuple(let items), _):
            if let position = key.numeric?.integer {
                let index = position < 0 ? position + items.count : position
                if index >= 0 && index < items.count { return items[index] }
                return .undefined(JinjaUndefined(message: "\(object.objectTypeDescription) has no element \(key.pythonRepresentation)"))
            }
        case (.string(let text), _):
            if let position = key.numeric?.integer {
                let scalars = Array(text.unicodeScalars)
                let index = position < 0 ? position + scalars.count : position
                if index >= 0 && index < scalars.count { return .string(String(scalars[index])) }
                return .undefined(JinjaUndefined(message: "str object has no element \(key.pythonRepresentation)"))
            }
        case (.object(let instance), .string(let name)) where instance.isNamespace:
            if let value = instance.attributes[name] { return value }
        default:
            break
        }
        if case .string(let name) = key { return try attribute(of: object, name) }
        if case .undefined = key {
            return .undefined(JinjaUndefined(message: "\(object.objectTypeDescription) has no element Undefined"))
        }
        return .undefined(JinjaUndefined(message: "\(object.objectTypeDescription) has no element \(key.pythonRepresentation)"))
    }

    /// Python iteration: list/tuple items, dict keys, string characters (code points), undefined as empty.
    func iterate(_ value: JinjaValue) throws -> [JinjaValue] {
        switch value {
        case .list(let items), .tuple(let items): return items
        case .dictionary(let dictionary): return dictionary.keys
        case .string(let text), .markup(let text): return text.unicodeScalars.map { .string(String($0)) }
        case .undefined: return []
        case .iterator(let iterator): return iterator.consumeAll()
        default: throw JinjaFailure(.typeMismatch, "'\(value.typeName)' object is not iterable")
        }
    }
}
