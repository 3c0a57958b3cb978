import Foundation
import Testing
@testable import FlintText

/// One-line templates for single language features (literals, operators, methods, filters, tests, statements,
/// whitespace control, errors), each rendered by jinja2 3.1.6 in transformers' environment
/// (scripts/fixtures/make_jinja_fixtures.py → Fixtures/jinja/engine_cases.json), plus syntax-error positions and the
/// public value API.
@Suite struct JinjaEngineTests {
    static func render(_ source: String, _ context: [String: JinjaValue] = [:]) throws -> String {
        try JinjaTemplate(source: source).render(context: context, now: { JinjaFixtures.fixedNow })
    }

    static let referenceCount = 96

    @Test(arguments: 0..<referenceCount)
    func matchesJinja2(caseIndex: Int) throws {
        let fixtures = try JinjaFixtures.load("engine_cases")
        let cases = JinjaFixtures.list(JinjaFixtures.field(fixtures, "cases"))
        #expect(cases.count == Self.referenceCount)
        guard caseIndex < cases.count else { return }
        let reference = cases[caseIndex]
        var context: [String: JinjaValue] = [:]
        if case .dictionary(let values)? = JinjaFixtures.field(fixtures, "context") {
            for (key, value) in values { context[key.pythonString] = value }
        }
        let source = try #require(JinjaFixtures.string(reference, "source"))
        if case .integer(let line)? = JinjaFixtures.field(reference, "syntax_error_line") {
            do {
                _ = try JinjaTemplate(source: source)
                Issue.record("\(source.debugDescription) parsed but jinja2 reports a syntax error on line \(line)")
            } catch JinjaError.syntax(_, let errorLine, let column) {
                #expect(errorLine == line, "\(source.debugDescription)")
                #expect(column >= 1)
            }
            return
        }
        if let expected = JinjaFixtures.string(reference, "expected") {
            #expect(try Self.render(source, context) == expected, "\(source.debugDescription)")
        } else {
            JinjaFixtures.expectReferenceError(reference, label: source.debugDescription) { try Self.render(source, context) }
        }
    }

    // MARK: - Syntax errors name line and column

    @Test(arguments: [
        ("line1\n{{ 1 + }}", 2, 8),
        ("{% if x %}\n  {% endfor %}", 2, 6),
        ("ok\n  {% bogus %}", 2, 6),
        ("{{ 'abc' | nosuchfilter }}", 1, 12),
        ("{% for x in y %}{{ x is nosuchtest }}{% endfor %}", 1, 25),
        ("a\nb {{ x ) }}", 2, 8),
        ("{# never closed", 1, 1),
        ("\n\n   {{ 'unterminated }}", 3, 7),
        ("{% for x in y %}{% break %}{% endfor %}{% continue %}", 1, 43),
        ("{{ x", 1, 1),
        ("{% set 1 = 2 %}", 1, 8),
        ("x{{ y $ }}", 1, 7),
    ])
    func syntaxErrorPosition(source: String, line: Int, column: Int) {
        do {
            _ = try JinjaTemplate(source: source)
            Issue.record("\(source.debugDescription) parsed")
        } catch JinjaError.syntax(let message, let errorLine, let errorColumn) {
            #expect(errorLine == line && errorColumn == column, "\(source.debugDescription): \(message) at \(errorLine):\(errorColumn)")
            #expect(!message.isEmpty)
        } catch {
            Issue.record("\(source.debugDescription): \(error)")
        }
    }

    @Test func deepNestingIsASyntaxErrorNotACrash() throws {
        let deep = "{{ " + String(repeating: "(", count: 5000) + "1" + String(repeating: ")", count: 5000) + " }}"
        #expect(throws: JinjaError.self) { try JinjaTemplate(source: deep) }
        let blocks = String(repeating: "{% if true %}", count: 3000) + String(repeating: "{% endif %}", count: 3000)
        #expect(throws: JinjaError.self) { try JinjaTemplate(source: blocks) }
        let reasonable = "{{ " + String(repeating: "(", count: 20) + "1" + String(repeating: ")", count: 20) + " }}"
        #expect(try Self.render(reasonable) == "1")
    }

    @Test func unclosedBlockNamesTheExpectedTags() {
        #expect(throws: JinjaError.syntax(
            message: "Unexpected end of template. Jinja was looking for the following tags: 'elif' or 'else' or 'endif'.",
            line: 1, column: 22)) {
            try JinjaTemplate(source: "{% if true %}unclosed")
        }
    }

    // MARK: - Runtime errors

    @Test func raiseExceptionCarriesTheMessage() {
        #expect(throws: JinjaError.raised(message: "Conversation roles must alternate")) {
            try Self.render("{% if true %}\n{{ raise_exception('Conversation roles must alternate') }}{% endif %}")
        }
    }

    @Test func renderErrorsNameTheLine() {
        #expect(throws: JinjaError.render(kind: .undefined, message: "'nothing' is undefined", line: 3)) {
            try Self.render("a\nb\n{{ nothing.attribute }}")
        }
        #expect(throws: JinjaError.render(kind: .typeMismatch, message: "'NoneType' object is not iterable", line: 2)) {
            try Self.render("{% set tools = none %}\n{% for t in tools %}{% endfor %}")
        }
        #expect(throws: JinjaError.render(kind: .security,
                                          message: "access to attribute 'append' of 'list' object is unsafe.", line: 1)) {
            try Self.render("{% set l = [] %}{{ l.append(1) }}")
        }
    }

    @Test func runawayRecursionIsAnErrorNotACrash() {
        #expect(throws: JinjaError.render(kind: .limit, message: "maximum recursion depth exceeded", line: 1)) {
            try Self.render("{% macro f(n) %}{{ f(n + 1) }}{% endmacro %}{{ f(0) }}")
        }
        #expect(throws: JinjaError.self) { try Self.render("{{ range(1000000) | length }}") }
    }

    // MARK: - Values

    @Test func jsonInputKeepsKeyOrderAndNumberKinds() throws {
        let value = try JinjaValue(json: #"{"z": 1, "a": [1.0, 2, -3e2, "\u00e9\ud83d\ude00"], "m": null, "t": true}"#)
        #expect(value.pythonString == "{'z': 1, 'a': [1.0, 2, -300.0, 'é😀'], 'm': None, 't': True}")
        #expect(try Self.render("{{ v | tojson }}", ["v": value]) == #"{"z": 1, "a": [1.0, 2, -300.0, "é😀"], "m": null, "t": true}"#)
        #expect(throws: JinjaJSONError(message: "expected ',' or ']'", offset: 6)) { try JinjaValue(json: "[1, 2 3]") }
    }

    @Test(arguments: [
        (1.0, "1.0"), (0.1, "0.1"), (1e-5, "1e-05"), (1e16, "1e+16"), (1e15, "1000000000000000.0"), (123.456, "123.456"),
        (-2.5e-10, "-2.5e-10"), (0.0001, "0.0001"), (1.7976931348623157e308, "1.7976931348623157e+308"), (-0.0, "-0.0"),
    ])
    func floatsPrintLikePythonRepr(value: Double, expected: String) {
        #expect(JinjaValue.float(value).pythonString == expected)
    }

    @Test func literalsBuildValues() throws {
        let message: JinjaValue = ["role": "user", "content": "Hi", "n": 2, "x": 0.5, "ok": true, "none": nil]
        #expect(try Self.render("{{ m.role }} {{ m['content'] }} {{ m.n + m.x }} {{ m.ok }} {{ m.none }}", ["m": message])
                == "user Hi 2.5 True None")
    }

    @Test func strftimeUsesTheInjectedClock() throws {
        let template = try ChatTemplate(source: "{{ strftime_now('%d %b %Y') }}", clock: { JinjaFixtures.fixedNow })
        #expect(try template.render(messages: [], addGenerationPrompt: false, bosToken: "", eosToken: "") == "15 Mar 2026")
    }

    @Test func chatTemplateDefinesTransformersVariables() throws {
        let template = try ChatTemplate(source: "{{ tools is none }}|{{ documents is defined }}|{{ bos_token }}|{{ eos_token }}|{{ add_generation_prompt }}|{{ messages | length }}|{{ enable_thinking }}")
        let output = try template.render(messages: [["role": "user", "content": "x"]], addGenerationPrompt: true,
                                         bosToken: "<s>", eosToken: "</s>", extra: ["enable_thinking": false])
        #expect(output == "True|True|<s>|</s>|True|1|False")
    }
}
