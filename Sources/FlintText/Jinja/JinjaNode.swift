/// Binary operators of Jinja expressions (Python semantics, see `JinjaOperators`).
enum JinjaBinaryOperator: String {
    case add = "+", subtract = "-", multiply = "*", divide = "/", floorDivide = "//", modulo = "%", power = "**"
    case and, or
}

/// Comparison operators; chained comparisons (`a < b < c`) hold several.
enum JinjaComparisonOperator: String {
    case equal = "==", notEqual = "!=", less = "<", lessOrEqual = "<=", greater = ">", greaterOrEqual = ">="
    case contains = "in", notContains = "not in"
}

enum JinjaUnaryOperator {
    case not, negate, plus
}

/// One argument of a call, filter or test: positional, `name=value`, `*sequence` or `**mapping`.
struct JinjaArgumentExpression {
    enum Kind { case positional, keyword(String), unpackSequence, unpackMapping }
    let kind: Kind
    let value: JinjaExpression
}

/// Expression nodes.
indirect enum JinjaExpression {
    case literal(JinjaValue)
    case name(String)
    case list([JinjaExpression])
    case tuple([JinjaExpression])
    case dictionary([(key: JinjaExpression, value: JinjaExpression)])
    /// `object.name` (jinja2's Getattr: attribute first, then item).
    case attribute(JinjaExpression, String)
    /// `object[key]` (jinja2's Getitem: item first, then attribute).
    case `subscript`(JinjaExpression, JinjaExpression)
    /// `start:stop:step` inside a subscript.
    case slice(start: JinjaExpression?, stop: JinjaExpression?, step: JinjaExpression?)
    case call(JinjaExpression, [JinjaArgumentExpression])
    /// `subject | name(arguments)`.
    case filter(JinjaExpression, name: String, arguments: [JinjaArgumentExpression])
    /// `subject is [not] name(arguments)`.
    case test(JinjaExpression, name: String, arguments: [JinjaArgumentExpression], negated: Bool)
    case unary(JinjaUnaryOperator, JinjaExpression)
    case binary(JinjaBinaryOperator, JinjaExpression, JinjaExpression)
    case comparison(JinjaExpression, [(JinjaComparisonOperator, JinjaExpression)])
    /// `a ~ b ~ c`: the `str()` of each operand, joined.
    case concatenation([JinjaExpression])
    /// `then if condition else otherwise` (`otherwise` nil: undefined).
    case conditional(condition: JinjaExpression, then: JinjaExpression, otherwise: JinjaExpression?)
    /// The value a `{% filter %}` block or a filtered `{% set %}` block feeds into its filter chain.
    case blockInput
}

/// Assignment targets of `set`, `for` and `with`.
indirect enum JinjaTarget {
    case name(String)
    case tuple([JinjaTarget])
    /// `namespace.attribute` (only namespaces accept attribute assignment).
    case attribute(String, String)
}

/// A macro or call-block parameter with its optional default.
struct JinjaParameter {
    let name: String
    let defaultValue: JinjaExpression?
}

/// Statement nodes; `line` is the template line the statement starts on (for render errors).
struct JinjaNode {
    indirect enum Kind {
        case text(String)
        case output(JinjaExpression)
        case ifStatement(branches: [(condition: JinjaExpression, body: [JinjaNode])], otherwise: [JinjaNode])
        case forLoop(target: JinjaTarget, iterable: JinjaExpression, condition: JinjaExpression?, body: [JinjaNode],
                     otherwise: [JinjaNode])
        case set(target: JinjaTarget, value: JinjaExpression)
        /// `{% set name | filters %}body{% endset %}`; `filter` applies to `.blockInput` (nil: no filter).
        case setBlock(target: JinjaTarget, filter: JinjaExpression?, body: [JinjaNode])
        case macro(name: String, parameters: [JinjaParameter], body: [JinjaNode], referencedNames: Set<String>)
        /// `{% call(parameters) callee(arguments) %}body{% endcall %}`.
        case callBlock(call: JinjaExpression, parameters: [JinjaParameter], body: [JinjaNode])
        case filterBlock(filter: JinjaExpression, body: [JinjaNode])
        case with(assignments: [(JinjaTarget, JinjaExpression)], body: [JinjaNode])
        /// transformers' `{% generation %}` (AssistantTracker): renders its body in its own scope.
        case generation(body: [JinjaNode])
        /// `{% block name %}` of a stand-alone template: renders its body in its own scope.
        case block(body: [JinjaNode])
        case breakLoop
        case continueLoop
    }

    let kind: Kind
    let line: Int
}
