/// What went wrong while rendering a Jinja template (the jinja2 / Python exception it corresponds to).
public enum JinjaRenderErrorKind: String, Sendable, Equatable {
    /// An undefined value was used where a value is needed (jinja2's `UndefinedError`).
    case undefined
    /// An operation on values of the wrong type (Python's `TypeError`).
    case typeMismatch
    /// A value of the right type but an unusable content (Python's `ValueError`, `IndexError`, `KeyError`).
    case invalidValue
    /// Division or modulo by zero (Python's `ZeroDivisionError`).
    case divisionByZero
    /// The sandbox refused an operation, e.g. a mutating `list.append` (jinja2's `SecurityError`).
    case security
    /// A resource limit was hit: recursion depth, `range` size, output size (Python's `RecursionError` / `OverflowError`).
    case limit
    /// A template-level runtime failure, e.g. assigning an attribute on a non-namespace (jinja2's `TemplateRuntimeError`).
    case runtime
}

/// An error from parsing or rendering a Jinja template. Parsing and rendering never abort: every failure is thrown.
public enum JinjaError: Error, CustomStringConvertible, Equatable, Sendable {
    /// The template source is malformed. `line` and `column` are 1-based; the column counts Unicode scalars.
    case syntax(message: String, line: Int, column: Int)
    /// The template called `raise_exception(message)` (transformers' global; jinja2's `TemplateError`).
    case raised(message: String)
    /// Rendering failed at template line `line` (1-based).
    case render(kind: JinjaRenderErrorKind, message: String, line: Int)

    public var description: String {
        switch self {
        case .syntax(let message, let line, let column):
            return "Jinja syntax error at line \(line), column \(column): \(message)"
        case .raised(let message):
            return message
        case .render(let kind, let message, let line):
            return "Jinja render error (\(kind.rawValue)) at line \(line): \(message)"
        }
    }
}

/// A render failure thrown from value operations that do not know the template line; the evaluator attaches the
/// line of the statement being executed when it reaches the public API.
struct JinjaFailure: Error {
    let kind: JinjaRenderErrorKind
    let message: String

    init(_ kind: JinjaRenderErrorKind, _ message: String) {
        self.kind = kind
        self.message = message
    }
}
