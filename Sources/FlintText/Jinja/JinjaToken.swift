/// One lexical token of a Jinja template, as jinja2's lexer produces them (comments are dropped, raw blocks and
/// template text become `text`).
enum JinjaTokenKind: Equatable {
    case text(String)
    case variableBegin
    case variableEnd
    case blockBegin
    case blockEnd
    case name(String)
    case string(String)
    case integer(Int)
    case float(Double)
    /// Operators and punctuation: `+ - * / // % ** ~ == != < <= > >= = . : | , ( ) [ ] { }`.
    case symbol(String)
    case endOfInput

    /// How a syntax error names the token.
    var display: String {
        switch self {
        case .text: return "template data"
        case .variableBegin: return "begin of print statement"
        case .variableEnd: return "end of print statement"
        case .blockBegin: return "begin of statement block"
        case .blockEnd: return "end of statement block"
        case .name(let name): return "'\(name)'"
        case .string: return "string"
        case .integer(let value): return "'\(value)'"
        case .float(let value): return "'\(value)'"
        case .symbol(let symbol): return "'\(symbol)'"
        case .endOfInput: return "end of template"
        }
    }
}

/// A token with the position of its first character (1-based line and column; columns count Unicode scalars).
struct JinjaToken {
    let kind: JinjaTokenKind
    let line: Int
    let column: Int
}
