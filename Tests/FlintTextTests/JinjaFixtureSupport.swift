import Foundation
import Testing
@testable import FlintText

/// Loads the jinja2 reference fixtures made by scripts/fixtures/make_jinja_fixtures.py (Fixtures/jinja/).
enum JinjaFixtures {
    /// The fixed local time the script's `strftime_now` formats (2026-03-15 10:30:00).
    static let fixedNow: Date = {
        var components = DateComponents()
        (components.year, components.month, components.day, components.hour, components.minute) = (2026, 3, 15, 10, 30)
        return Calendar.current.date(from: components)!
    }()

    static func load(_ name: String) throws -> JinjaValue {
        let url = try #require(Bundle.module.url(forResource: "Fixtures/jinja/\(name)", withExtension: "json"))
        return try JinjaValue(json: String(contentsOf: url, encoding: .utf8))
    }

    static func templateSource(_ name: String) throws -> String {
        let url = try #require(Bundle.module.url(forResource: "Fixtures/jinja/templates/\(name)", withExtension: "jinja"))
        return try String(contentsOf: url, encoding: .utf8)
    }

    static func field(_ value: JinjaValue, _ key: String) -> JinjaValue? {
        if case .dictionary(let dictionary) = value { return dictionary[key] }
        return nil
    }

    static func string(_ value: JinjaValue, _ key: String) -> String? {
        if case .string(let text)? = field(value, key) { return text }
        return nil
    }

    static func list(_ value: JinjaValue?) -> [JinjaValue] {
        if case .list(let items)? = value { return items }
        return []
    }

    /// The render-error kind Flint reports for a Python exception class the script recorded.
    static func kind(forPythonError name: String) -> JinjaRenderErrorKind? {
        switch name {
        case "TypeError": return .typeMismatch
        case "ZeroDivisionError": return .divisionByZero
        case "RecursionError", "OverflowError": return .limit
        case "ValueError", "KeyError", "IndexError": return .invalidValue
        default: return nil
        }
    }

    /// Checks that `body` throws what jinja2 raised in `reference` (`error`: raise_exception's message;
    /// `runtime_error`: jinja2's TemplateRuntimeError message; `undefined_error` / `security_error` /
    /// `python_error`: the matching render-error kind).
    static func expectReferenceError(_ reference: JinjaValue, label: String, _ body: () throws -> String) {
        do {
            let output = try body()
            Issue.record("\(label): rendered \(output.debugDescription) but jinja2 raised \(reference.pythonRepresentation)")
        } catch let error as JinjaError {
            if let message = string(reference, "error") {
                #expect(error == .raised(message: message), "\(label)")
            } else if case .render(let kind, _, let line) = error {
                #expect(line >= 1, "\(label)")
                if string(reference, "undefined_error") != nil {
                    #expect(kind == .undefined, "\(label): \(error)")
                } else if let message = string(reference, "runtime_error") {
                    #expect(kind == .runtime, "\(label): \(error)")
                    if case .render(_, let flintMessage, _) = error { #expect(flintMessage == message, "\(label)") }
                } else if string(reference, "security_error") != nil {
                    #expect(kind == .security, "\(label): \(error)")
                } else if let python = string(reference, "python_error") {
                    #expect(kind == JinjaFixtures.kind(forPythonError: python), "\(label): \(python) vs \(error)")
                } else {
                    Issue.record("\(label): unexpected error \(error)")
                }
            } else {
                Issue.record("\(label): unexpected error \(error)")
            }
        } catch {
            Issue.record("\(label): non-Jinja error \(error)")
        }
    }
}
