import Foundation
import Testing
import Logging
@testable import FlintServe

/// serve.yaml: every section optional with the documented defaults; errors name the file and the field.
@Suite struct ServeConfigurationTests {
    @Test("a full serve.yaml decodes every section; an empty one gives the defaults")
    func decodesSections() throws {
        let yaml = """
            server: { host: 0.0.0.0, port: 9000, max_body_bytes: 2048, shutdown_grace_seconds: 10 }
            limits: { max_texts: 8, max_text_bytes: 100 }
            batching: { max_batch_size: 16, max_queue_delay_us: 500, max_batch_tokens: 4096, max_queue_length: 32 }
            auth: { api_keys_env: KEYS, public_routes: [/health] }
            logging: { format: json, level: warning }
            routing: { sticky_header: X-Customer, feedback_window: 50 }
            registry: /var/lib/flint/registry
            models:
              - name: sentiment
                task: text-classification
                source: sentiment-zh@production
              - name: ab
                variants:
                  - { source: ./a, weight: 90 }
                  - { source: ./b, weight: 10 }
            """
        let configuration = try ServeConfiguration.parse(yaml)
        #expect(configuration.server.host == "0.0.0.0" && configuration.server.port == 9000)
        #expect(configuration.server.maxBodyBytes == 2048 && configuration.server.shutdownGraceSeconds == 10)
        #expect(configuration.limits.maxTexts == 8 && configuration.limits.maxTextBytes == 100)
        #expect(configuration.batching.maxBatchSize == 16 && configuration.batching.maxQueueDelayUs == 500)
        #expect(configuration.batching.maxBatchTokens == 4096 && configuration.batching.maxQueueLength == 32)
        #expect(configuration.auth.apiKeysEnv == "KEYS" && configuration.auth.publicRoutes == ["/health"])
        #expect(configuration.logging.format == "json" && configuration.logging.level == "warning")
        #expect(configuration.routing.stickyHeader == "X-Customer" && configuration.routing.feedbackWindow == 50)
        #expect(configuration.registry == "/var/lib/flint/registry")
        #expect(configuration.models[0] == ModelSpecification(name: "sentiment", task: .textClassification, source: "sentiment-zh@production"))
        #expect(configuration.models[1].variants.map(\.weight) == [90, 10])
        #expect(ModelSpecification.isFolderPath("./a") && !ModelSpecification.isFolderPath("sentiment-zh@production"))

        let defaults = try ServeConfiguration.parse("{}")
        #expect(defaults == ServeConfiguration())
        #expect(defaults.server.host == "127.0.0.1" && defaults.server.port == 8080)
        #expect(defaults.server.maxBodyBytes == 1 << 20 && defaults.limits.maxTexts == 64)
        #expect(defaults.auth.publicRoutes == ["/health", "/ready", "/metrics", "/openapi.json"])
        #expect(defaults.auth.allowUnauthenticated == false)
        #expect(ServeRoutes.sensitive.isDisjoint(with: defaults.auth.publicRoutes), "the default public set never includes /admin/reload or /feedback")
    }

    @Test("bad values are errors naming the file and the field")
    func errorsNameTheField() {
        let cases: [(String, String)] = [
            ("server: { port: 70000 }", "server.port"),
            ("server: { port: eighty }", "server.port"),
            ("batching: { max_batch_size: 0 }", "batching.max_batch_size"),
            ("logging: { format: xml }", "logging.format"),
            ("logging: { level: loud }", "logging.level"),
            ("models: [ { name: 'a b', source: ./x } ]", "models[0].name"),
            ("models: [ { name: a, source: ./x }, { name: a, source: ./y } ]", "models[1].name"),
            ("models: [ { name: a } ]", "models[0]"),
            ("models: [ { name: a, variants: [ { source: ./x, weight: 0 } ] } ]", "models[0].variants[0].weight"),
            ("models: [ { name: a, source: ./x, task: translation } ]", "models[0].task"),
            ("models: [ { source: ./x } ]", "models[0].name"),
            ("server: [1, 2]", "server"),
            ("auth: { public_routes: [/health, /admin] }", "auth.public_routes[1]"),
            ("auth: { public_routes: [/admin/reload/] }", "auth.public_routes[0]"),
            ("auth: { api_keys_env: '' }", "auth.api_keys_env"),
            ("auth: { allow_unauthenticated: maybe }", "auth.allow_unauthenticated"),
            ("routing: { sticky_header: 'X User' }", "routing.sticky_header"),
        ]
        for (yaml, field) in cases {
            do {
                _ = try ServeConfiguration.parse(yaml, path: "conf/serve.yaml")
                Issue.record("accepted: \(yaml)")
            } catch let error as ServeConfigurationError {
                #expect(error.path == "conf/serve.yaml")
                #expect(error.message.hasPrefix(field), "\(yaml) → \(error.message)")
            } catch {
                Issue.record("\(yaml): \(error)")
            }
        }
    }

    /// Every number of serve.yaml: each too-small, too-large and non-finite value is refused naming the field.
    static let numericCases: [(field: String, section: String, key: String, bad: [String], good: [String])] = [
        ("server.port", "server", "port", ["-1", "65536", "1e30", ".nan", "99999999999999999999"], ["0", "1", "65535"]),
        ("server.max_body_bytes", "server", "max_body_bytes", ["0", "-5", "268435457", ".inf"], ["1", "268435456"]),
        ("server.shutdown_grace_seconds", "server", "shutdown_grace_seconds",
         ["0", "-1", ".nan", ".inf", "-.inf", "1e30", "3600.5"], ["0.5", "25", "3600"]),
        ("limits.max_texts", "limits", "max_texts", ["0", "-1", "10001"], ["1", "10000"]),
        ("limits.max_text_bytes", "limits", "max_text_bytes", ["0", "16777217"], ["1", "16777216"]),
        ("batching.max_batch_size", "batching", "max_batch_size", ["0", "4097"], ["1", "4096"]),
        ("batching.max_queue_delay_us", "batching", "max_queue_delay_us", ["-1", "10000001", "1e30"], ["0", "10000000"]),
        ("batching.max_batch_tokens", "batching", "max_batch_tokens", ["0", "1048577"], ["1", "1048576"]),
        ("batching.max_queue_length", "batching", "max_queue_length", ["0", "1000001"], ["1", "1000000"]),
        ("routing.feedback_window", "routing", "feedback_window", ["0", "1000001"], ["1", "1000000"]),
        ("routing.prediction_memory", "routing", "prediction_memory", ["0", "1000001"], ["1", "1000000"]),
    ]

    @Test("every number is finite, in range and bounded: a bad value is an error naming the field", arguments: numericCases.indices)
    func numbersAreBounded(_ index: Int) throws {
        let (field, section, key, bad, good) = Self.numericCases[index]
        for value in bad {
            let yaml = "\(section): { \(key): \(value) }"
            do {
                _ = try ServeConfiguration.parse(yaml, path: "conf/serve.yaml")
                Issue.record("accepted: \(yaml)")
            } catch let error as ServeConfigurationError {
                #expect(error.path == "conf/serve.yaml")
                #expect(error.message.hasPrefix(field), "\(yaml) → \(error.message)")
            }
        }
        for value in good {
            #expect(throws: Never.self, "\(section).\(key): \(value)") { try ServeConfiguration.parse("\(section): { \(key): \(value) }") }
        }
    }

    @Test("variant weights are finite, positive and at most a million")
    func weightsAreBounded() throws {
        for weight in ["0", "-1", ".nan", ".inf", "1e300", "1000001"] {
            let yaml = "models: [ { name: a, variants: [ { source: ./x, weight: \(weight) }, { source: ./y } ] } ]"
            #expect(throws: ServeConfigurationError.self, "\(weight)") { try ServeConfiguration.parse(yaml) }
            do { _ = try ServeConfiguration.parse(yaml) } catch let error as ServeConfigurationError {
                #expect(error.message.hasPrefix("models[0].variants[0].weight"), "\(error.message)")
            }
        }
        #expect(try ServeConfiguration.parse("models: [ { name: a, variants: [ { source: ./x, weight: 1000000 } ] } ]")
                    .models[0].variants[0].weight == 1_000_000)
    }

    @Test("loopback addresses: localhost, 127/8, ::1 and IPv4-mapped loopback; anything else is not")
    func loopback() {
        for host in ["127.0.0.1", "127.1.2.3", "localhost", "LOCALHOST", "::1", "[::1]", "::ffff:127.0.0.1"] {
            #expect(FlintServer.isLoopback(host), "\(host)")
        }
        for host in ["0.0.0.0", "::", "10.0.0.1", "128.0.0.1", "example.com", "localhost.example.com", "::ffff:10.0.0.1", "[::]"] {
            #expect(!FlintServer.isLoopback(host), "\(host)")
        }
    }

    @Test("JSON log lines are valid JSON objects with escaped message and metadata")
    func jsonLogLines() throws {
        let lines = LogLines()
        let handler = JSONLogHandler(label: "flint.serve", level: .info) { lines.append($0) }
        var logger = Logger(label: "flint.serve") { _ in handler }
        logger.logLevel = .info
        logger.warning("low \"confidence\"\nline", metadata: ["request_id": "abc", "confidence": "0.42"])
        logger.debug("not written")
        let written = lines.all
        #expect(written.count == 1)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(written[0].utf8)) as? [String: String])
        #expect(object["level"] == "warning")
        #expect(object["message"] == "low \"confidence\"\nline")
        #expect(object["request_id"] == "abc" && object["confidence"] == "0.42" && object["label"] == "flint.serve")
        #expect(object["ts"]?.hasSuffix("Z") == true)
        #expect(written[0].hasSuffix("}\n") && written[0].filter { $0 == "\n" }.count == 1)
    }
}

/// Lines collected by a test log handler.
final class LogLines: @unchecked Sendable {
    private let lock = NSLock()
    private var lines: [String] = []
    func append(_ line: String) { lock.lock(); lines.append(line); lock.unlock() }
    var all: [String] { lock.lock(); defer { lock.unlock() }; return lines }
}
