/// The variable names a template body reads (jinja2's `find_undeclared` for macros): a macro accepts extra positional
/// arguments only when its body uses `varargs`, extra keyword arguments only when it uses `kwargs`, and a
/// `{% call %}` body only when it uses `caller`.
enum JinjaReferencedNames {
    static func collect(in nodes: [JinjaNode]) -> Set<String> {
        var names = Set<String>()
        for node in nodes { visit(node, into: &names) }
        return names
    }

    private static func visit(_ node: JinjaNode, into names: inout Set<String>) {
        switch node.kind {
        case .text, .breakLoop, .continueLoop:
            break
        case .output(let expression):
            visit(expression, into: &names)
        case .ifStatement(let branches, let otherwise):
            for branch in branches {
                visit(branch.condition, into: &names)
                for inner in branch.body { visit(inner, into: &names) }
            }
            for inner in otherwise { visit(inner, into: &names) }
        case .forLoop(_, let iterable, let condition, let body, let otherwise):
            visit(iterable, into: &names)
            if let condition { visit(condition, into: &names) }
            for inner in body + otherwise { visit(inner, into: &names) }
        case .set(let target, let value):
            if case .attribute(let namespace, _) = target { names.insert(namespace) }
            visit(value, into: &names)
        case .setBlock(_, let filter, let body):
            if let filter { visit(filter, into: &names) }
            for inner in body { visit(inner, into: &names) }
        case .macro(_, let parameters, let body, _), .callBlock(_, let parameters, let body):
            for parameter in parameters { if let value = parameter.defaultValue { visit(value, into: &names) } }
            for inner in body { visit(inner, into: &names) }
            if case .callBlock(let call, _, _) = node.kind { visit(call, into: &names) }
        case .filterBlock(let filter, let body):
            visit(filter, into: &names)
            for inner in body { visit(inner, into: &names) }
        case .with(let assignments, let body):
            for (_, value) in assignments { visit(value, into: &names) }
            for inner in body { visit(inner, into: &names) }
        case .generation(let body), .block(let body):
            for inner in body { visit(inner, into: &names) }
        }
    }

    private static func visit(_ arguments: [JinjaArgumentExpression], into names: inout Set<String>) {
        for argument in arguments { visit(argument.value, into: &names) }
    }

    private static func visit(_ expression: JinjaExpression, into names: inout Set<String>) {
        switch expression {
        case .literal, .blockInput:
            break
        case .name(let name):
            names.insert(name)
        case .list(let items), .tuple(let items), .concatenation(let items):
            for item in items { visit(item, into: &names) }
        case .dictionary(let pairs):
            for pair in pairs {
                visit(pair.key, into: &names)
                visit(pair.value, into: &names)
            }
        case .attribute(let object, _):
            visit(object, into: &names)
        case .subscript(let object, let key):
            visit(object, into: &names)
            visit(key, into: &names)
        case .slice(let start, let stop, let step):
            for part in [start, stop, step] { if let part { visit(part, into: &names) } }
        case .call(let callee, let arguments):
            visit(callee, into: &names)
            visit(arguments, into: &names)
        case .filter(let subject, _, let arguments), .test(let subject, _, let arguments, _):
            visit(subject, into: &names)
            visit(arguments, into: &names)
        case .unary(_, let operand):
            visit(operand, into: &names)
        case .binary(_, let left, let right):
            visit(left, into: &names)
            visit(right, into: &names)
        case .comparison(let first, let operations):
            visit(first, into: &names)
            for (_, operand) in operations { visit(operand, into: &names) }
        case .conditional(let condition, let then, let otherwise):
            visit(condition, into: &names)
            visit(then, into: &names)
            if let otherwise { visit(otherwise, into: &names) }
        }
    }
}
