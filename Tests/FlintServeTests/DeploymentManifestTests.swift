import Foundation
import Testing
import Hummingbird
import HummingbirdTesting
import Yams
@testable import FlintServe

/// The deployment files under deploy/ parse and agree with each other and with the server: the
/// ConfigMap carries deploy/serve.yaml, every port is server.port, probe paths answer 200 on a real
/// server run with the production configuration, the grace period covers the drain, the HPA scales the
/// Deployment, every metric an alert uses is in a real /metrics scrape, and the Dockerfile is a
/// two-stage, non-root image with a /health HEALTHCHECK.
@Suite struct DeploymentManifestTests {
    /// The repository root (this file is Tests/FlintServeTests/DeploymentManifestTests.swift).
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    static func text(_ path: String) throws -> String {
        try String(contentsOf: root.appendingPathComponent(path), encoding: .utf8)
    }

    /// A YAML file's single document as a dictionary.
    static func yaml(_ path: String) throws -> [String: Any] {
        let documents = try Yams.load_all(yaml: text(path)).map { $0 }
        #expect(documents.count == 1, "\(path): one YAML document expected")
        return try #require(documents.first as? [String: Any], "\(path): not a YAML mapping")
    }

    static func value(_ object: Any?, _ path: String) -> Any? {
        var current = object
        for key in path.split(separator: ".") {
            if let index = Int(key) {
                guard let array = current as? [Any], array.indices.contains(index) else { return nil }
                current = array[index]
            } else {
                current = (current as? [String: Any])?[String(key)]
            }
        }
        return current
    }

    static func productionConfiguration() throws -> ServeConfiguration {
        try ServeConfiguration.parse(text("deploy/serve.yaml"), path: "deploy/serve.yaml")
    }

    static func container() throws -> [String: Any] {
        let deployment = try yaml("deploy/k8s/deployment.yaml")
        let containers = try #require(value(deployment, "spec.template.spec.containers") as? [[String: Any]])
        #expect(containers.count == 1)
        return try #require(containers.first)
    }

    /// A probe's or Service's port: a number, or the name of a container port.
    static func port(_ value: Any?, in container: [String: Any]) -> Int? {
        if let number = value as? Int { return number }
        guard let name = value as? String else { return nil }
        let ports = container["ports"] as? [[String: Any]] ?? []
        return ports.first { $0["name"] as? String == name }?["containerPort"] as? Int
    }

    @Test("the ConfigMap holds deploy/serve.yaml's text, and it is the production configuration")
    func configMapMatchesServeYAML() throws {
        let configMap = try Self.yaml("deploy/k8s/configmap.yaml")
        #expect(configMap["kind"] as? String == "ConfigMap")
        let embedded = try #require((configMap["data"] as? [String: Any])?["serve.yaml"] as? String)
        #expect(embedded == (try Self.text("deploy/serve.yaml")))
        let configuration = try Self.productionConfiguration()
        #expect(try ServeConfiguration.parse(embedded, path: "configmap serve.yaml") == configuration)

        #expect(configuration.server.host == "0.0.0.0")
        #expect(configuration.server.port == 8080)
        #expect(configuration.logging.format == "json")
        #expect(configuration.auth.apiKeysEnv == "FLINT_API_KEYS")
        #expect(Set(configuration.auth.publicRoutes) == ["/health", "/ready", "/metrics", "/openapi.json"])
        #expect(configuration.auth.allowUnauthenticated == false)
        let models = Dictionary(uniqueKeysWithValues: configuration.models.map { ($0.name, $0) })
        #expect(models["sentiment"]?.variants.map(\.source) == ["sentiment-zh@production"])
        #expect(models["sentiment"]?.task == .textClassification)
        #expect(models["minilm"]?.variants.map(\.source) == ["minilm@production"])
        #expect(models["minilm"]?.task == .sentenceEmbedding)
    }

    @Test("container port = server.port = probe ports = Service targetPort = scrape port = Dockerfile EXPOSE")
    func portsAgree() throws {
        let port = try Self.productionConfiguration().server.port
        let container = try Self.container()
        let ports = try #require(container["ports"] as? [[String: Any]])
        #expect(ports.compactMap { $0["containerPort"] as? Int } == [port])
        for probe in ["startupProbe", "livenessProbe", "readinessProbe"] {
            #expect(Self.port(Self.value(container, "\(probe).httpGet.port"), in: container) == port, "\(probe)")
        }
        let service = try Self.yaml("deploy/k8s/service.yaml")
        let servicePorts = try #require(Self.value(service, "spec.ports") as? [[String: Any]])
        #expect(!servicePorts.isEmpty)
        for servicePort in servicePorts { #expect(Self.port(servicePort["targetPort"], in: container) == port) }
        let deployment = try Self.yaml("deploy/k8s/deployment.yaml")
        let annotations = try #require(Self.value(deployment, "spec.template.metadata.annotations") as? [String: Any])
        #expect(annotations["prometheus.io/scrape"] as? String == "true")
        #expect(annotations["prometheus.io/port"] as? String == String(port))
        #expect(annotations["prometheus.io/path"] as? String == "/metrics")
        let exposed = try Self.dockerInstructions().filter { $0.0 == "EXPOSE" }.map(\.1)
        #expect(exposed == [String(port)])
    }

    @Test("the Deployment: 3 replicas, resources, non-root read-only container, volumes, Secret and Service/HPA wiring")
    func deploymentWiring() throws {
        let deployment = try Self.yaml("deploy/k8s/deployment.yaml")
        let name = try #require(Self.value(deployment, "metadata.name") as? String)
        #expect(deployment["kind"] as? String == "Deployment")
        #expect(Self.value(deployment, "spec.replicas") as? Int == 3)
        let container = try Self.container()
        #expect(Self.value(container, "resources.requests.cpu") as? String == "1")
        #expect(Self.value(container, "resources.limits.cpu") as? String == "2")
        #expect(Self.value(container, "resources.requests.memory") as? String == "1Gi")
        #expect(Self.value(container, "resources.limits.memory") as? String == "2Gi")
        #expect(Self.value(container, "securityContext.readOnlyRootFilesystem") as? Bool == true)
        #expect(Self.value(container, "securityContext.runAsNonRoot") as? Bool == true)
        #expect(Self.value(container, "securityContext.allowPrivilegeEscalation") as? Bool == false)
        #expect(Self.value(deployment, "spec.template.spec.securityContext.runAsUser") as? Int == 10001)

        // Probe paths.
        #expect(Self.value(container, "livenessProbe.httpGet.path") as? String == "/health")
        #expect(Self.value(container, "readinessProbe.httpGet.path") as? String == "/ready")
        #expect(Self.value(container, "startupProbe.httpGet.path") as? String != nil)

        // The API keys come from a Secret, in the variable serve.yaml names; the registry is on the PVC.
        let configuration = try Self.productionConfiguration()
        let environment = try #require(container["env"] as? [[String: Any]])
        let keys = try #require(environment.first { $0["name"] as? String == configuration.auth.apiKeysEnv })
        #expect(Self.value(keys, "valueFrom.secretKeyRef.name") as? String == "flint-api-keys")
        let home = try #require(environment.first { $0["name"] as? String == "FLINT_HOME" }?["value"] as? String)
        #expect(configuration.registry == home + "/registry")
        let mounts = try #require(container["volumeMounts"] as? [[String: Any]])
        let volumes = try #require(Self.value(deployment, "spec.template.spec.volumes") as? [[String: Any]])
        func volume(mountedAt path: String) -> [String: Any]? {
            guard let mount = mounts.first(where: { $0["mountPath"] as? String == path }) else { return nil }
            return volumes.first { $0["name"] as? String == mount["name"] as? String }
        }
        let pvc = try Self.yaml("deploy/k8s/pvc.yaml")
        #expect(pvc["kind"] as? String == "PersistentVolumeClaim")
        #expect(Self.value(volume(mountedAt: home), "persistentVolumeClaim.claimName") as? String
                == Self.value(pvc, "metadata.name") as? String)
        #expect(Self.value(pvc, "metadata.name") as? String == "flint-registry")
        // The ConfigMap is mounted where the image's entrypoint reads serve.yaml.
        let configMap = try Self.yaml("deploy/k8s/configmap.yaml")
        let entrypoint = try #require(Self.dockerInstructions().last { $0.0 == "ENTRYPOINT" }?.1)
        let configPath = try #require(Self.entrypointArguments(entrypoint).drop { $0 != "--config" }.dropFirst().first)
        let configFolder = (configPath as NSString).deletingLastPathComponent
        let configVolume = try #require(volume(mountedAt: configFolder))
        #expect(Self.value(configVolume, "configMap.name") as? String == Self.value(configMap, "metadata.name") as? String)
        #expect(Self.value(configVolume, "configMap.items.0.path") as? String == (configPath as NSString).lastPathComponent)
        #expect(volume(mountedAt: "/tmp")?["emptyDir"] != nil)

        // The Service selects the pods; the HPA scales this Deployment.
        let podLabels = try #require(Self.value(deployment, "spec.template.metadata.labels") as? [String: String])
        let selector = try #require(Self.value(deployment, "spec.selector.matchLabels") as? [String: String])
        #expect(selector.allSatisfy { podLabels[$0.key] == $0.value })
        let service = try Self.yaml("deploy/k8s/service.yaml")
        let serviceSelector = try #require(Self.value(service, "spec.selector") as? [String: String])
        #expect(!serviceSelector.isEmpty && serviceSelector.allSatisfy { podLabels[$0.key] == $0.value })
        let hpa = try Self.yaml("deploy/k8s/hpa.yaml")
        #expect(hpa["apiVersion"] as? String == "autoscaling/v2")
        #expect(Self.value(hpa, "spec.scaleTargetRef.kind") as? String == "Deployment")
        #expect(Self.value(hpa, "spec.scaleTargetRef.apiVersion") as? String == deployment["apiVersion"] as? String)
        #expect(Self.value(hpa, "spec.scaleTargetRef.name") as? String == name)
        #expect(Self.value(hpa, "spec.minReplicas") as? Int == 3)
        #expect(Self.value(hpa, "spec.maxReplicas") as? Int == 10)
        #expect(Self.value(hpa, "spec.metrics.0.resource.name") as? String == "cpu")
        #expect(Self.value(hpa, "spec.metrics.0.resource.target.averageUtilization") as? Int == 70)
    }

    @Test("terminationGracePeriodSeconds covers the preStop sleep, server.shutdown_grace_seconds and the cancellation")
    func gracePeriodCoversDrain() throws {
        let deployment = try Self.yaml("deploy/k8s/deployment.yaml")
        let period = try #require(Self.value(deployment, "spec.template.spec.terminationGracePeriodSeconds") as? Int)
        let container = try Self.container()
        let command = try #require(Self.value(container, "lifecycle.preStop.exec.command") as? [String])
        #expect(command.first?.hasSuffix("sleep") == true)
        let sleep = try #require(command.last.flatMap(Double.init))
        let grace = try Self.productionConfiguration().server.shutdownGraceSeconds
        #expect(Double(period) > grace)
        // After the drain the server cancels what is left within 5 s (FlintServer.run); then 5 s of slack.
        #expect(Double(period) >= sleep + grace + 5 + 5)
    }

    @Test("probe paths answer 200 on a server run with the production configuration (its API keys required elsewhere)")
    func probePathsAreRealRoutes() async throws {
        let directory = ServeFixtures.scratch("deploy-probes")
        defer { try? FileManager.default.removeItem(at: directory) }
        let production = try Self.productionConfiguration()
        let container = try Self.container()
        let paths = ["startupProbe", "livenessProbe", "readinessProbe"].compactMap {
            Self.value(container, "\($0).httpGet.path") as? String
        }
        #expect(paths.count == 3)
        let server = try ServeFixtures.server(directory, configure: { configuration in
            let models = configuration.models  // the fixture models instead of the registry's
            configuration = production
            configuration.models = models
            configuration.registry = nil
        }, environment: ["FLINT_API_KEYS": "key-one,key-two"])
        #expect(server.requiresAPIKeys)
        try await withServer(server) { client in
            for path in paths + ["/metrics"] {
                #expect(try await client.get(path).status == .ok, "\(path)")
            }
            #expect(try await client.post("/predict", #"{"text": "good"}"#).status == .unauthorized)
            let authorized = try await client.post("/predict", #"{"text": "good"}"#,
                                                   headers: [.authorization: "Bearer key-two"])
            #expect(authorized.status == .ok)
        }
    }

    /// The `docker run` commands of a Markdown file: from `docker run` to the end of the code span or of the
    /// backslash-continued shell line.
    static func dockerRunCommands(in path: String) throws -> [String] {
        let text = try Self.text(path).replacingOccurrences(of: "\\\n", with: " ")
        return text.ranges(of: "docker run").map { range in
            String(text[range.lowerBound...].prefix { $0 != "`" && $0 != "\n" })
        }
    }

    @Test("the production configuration is authenticated: it refuses to start without FLINT_API_KEYS, and every documented docker run passes it")
    func productionIsAuthenticated() throws {
        let production = try Self.productionConfiguration()
        let variable = try #require(production.auth.apiKeysEnv)
        #expect(production.auth.apiKeysFile == nil)
        #expect(!FlintServer.isLoopback(production.server.host) && !production.auth.allowUnauthenticated)
        #expect(ServeRoutes.sensitive.isDisjoint(with: production.auth.publicRoutes))
        #expect(throws: ServeConfigurationError.self, "no keys in the environment: no server") {
            _ = try FlintServer(configuration: production, environment: [:])
        }
        let server = try FlintServer(configuration: production, environment: [variable: "key-one"])
        #expect(server.requiresAPIKeys && server.securityWarnings.isEmpty)
        // The Dockerfile bakes no keys in; `docker run` lines pass the variable (its value from the caller's environment).
        #expect(!(try Self.dockerInstructions()).contains { $0.0 == "ENV" && $0.1.contains(variable) })
        for path in ["README.md", "docs/deploy.md"] {
            let commands = try Self.dockerRunCommands(in: path)
            #expect(!commands.isEmpty, "\(path) shows how to run the image")
            for command in commands {
                #expect(command.contains("-e \(variable)") || command.contains("--env \(variable)"), "\(path): \(command)")
            }
        }
    }

    /// Metric names an alert expression reads: identifiers outside label matchers, ranges, grouping
    /// clauses and strings that are neither functions nor PromQL keywords.
    static func metricNames(in expression: String) -> Set<String> {
        var text = expression
        text.replace(/"(?:[^"\\]|\\.)*"/, with: "\"\"")
        text.replace(/\{[^}]*\}/, with: " ")
        text.replace(/\[[^\]]*\]/, with: " ")
        text.replace(/\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/, with: " ")
        let keywords: Set<String> = ["and", "or", "unless", "bool", "offset", "by", "without", "on", "ignoring",
                                     "group_left", "group_right", "inf", "nan"]
        var names = Set<String>()
        for match in text.matches(of: /[A-Za-z_:][A-Za-z0-9_:]*/) {
            let name = String(match.output)
            let rest = text[match.range.upperBound...].drop { $0 == " " || $0 == "\n" || $0 == "\t" }
            if rest.first == "(" || keywords.contains(name.lowercased()) { continue }
            names.insert(name)
        }
        return names
    }

    @Test("PromQL metric-name extraction")
    func metricNameExtraction() {
        #expect(Self.metricNames(in: #"sum by (model) (rate(a_total{status!="ok"}[5m])) / sum(rate(a_total[5m])) > 0.05"#)
                == ["a_total"])
        #expect(Self.metricNames(in: #"histogram_quantile(0.99, sum by (le) (rate(h_bucket[5m]))) > 0.5 and on(x) up == 0"#)
                == ["h_bucket", "up"])
    }

    @Test("every metric an alert reads is exported: seen in /metrics after one /predict and one /feedback, or kube_*/up")
    func alertMetricsAreExported() async throws {
        let rules = try Self.yaml("deploy/prometheus/alerts.yaml")
        let groups = try #require(rules["groups"] as? [[String: Any]])
        var expressions: [String: String] = [:]
        for group in groups {
            #expect(group["name"] as? String != nil)
            for rule in try #require(group["rules"] as? [[String: Any]]) {
                let alert = try #require(rule["alert"] as? String)
                expressions[alert] = try #require(rule["expr"] as? String)
                #expect(rule["for"] as? String != nil, "\(alert): no 'for'")
                #expect(Self.value(rule, "labels.severity") as? String != nil, "\(alert): no severity")
                #expect(Self.value(rule, "annotations.summary") as? String != nil, "\(alert): no summary")
            }
        }
        let all = expressions.values.joined(separator: "\n")
        // The alerts the issue asks for.
        #expect(all.contains(#"model_predictions_total{status!="ok"}"#))
        #expect(all.contains(#"http_requests_total{status=~"5.."}"#))
        #expect(expressions.values.contains { $0.contains("model_prediction_duration_seconds_bucket") && $0.contains("0.99") && $0.contains("> 0.5") })
        #expect(expressions.values.contains { $0.contains("model_accuracy_score < 0.8") })
        #expect(all.contains(#"kube_deployment_status_replicas_available{deployment="flint"} == 0"#))
        let deployment = try Self.yaml("deploy/k8s/deployment.yaml")
        #expect(Self.value(deployment, "metadata.name") as? String == "flint")

        let alertExpressions = expressions
        let directory = ServeFixtures.scratch("deploy-metrics")
        defer { try? FileManager.default.removeItem(at: directory) }
        let server = try ServeFixtures.server(directory)
        try await withServer(server) { client in
            let prediction = try await client.post("/predict", #"{"text": "the product is good"}"#)
            #expect(prediction.status == .ok)
            let requestID = try #require(prediction.json["request_id"] as? String)
            let feedback = try await client.post("/feedback", #"{"request_id": "\#(requestID)", "label": "positive"}"#)
            #expect(feedback.status == .ok)
            let scrape = try await client.get("/metrics")
            #expect(scrape.status == .ok)
            var exported = Set<String>()
            for line in scrape.text.split(separator: "\n") {
                if line.hasPrefix("# TYPE ") {
                    exported.insert(String(line.split(separator: " ")[2]))
                } else if !line.hasPrefix("#") {
                    exported.insert(String(line.prefix { $0 != "{" && $0 != " " }))
                }
            }
            for (alert, expression) in alertExpressions {
                let names = Self.metricNames(in: expression)
                #expect(!names.isEmpty, "\(alert): no metric found in \(expression)")
                for name in names where !name.hasPrefix("kube_") && name != "up" {
                    #expect(exported.contains(name), "\(alert): \(name) is not in the /metrics scrape")
                }
            }
        }
    }

    /// Dockerfile instructions (continuation lines joined, comments dropped) as (KEYWORD, arguments).
    static func dockerInstructions() throws -> [(String, String)] {
        var instructions: [(String, String)] = []
        var pending = ""
        for rawLine in try text("deploy/Dockerfile").split(separator: "\n", omittingEmptySubsequences: false) {
            let line = rawLine.trimmingCharacters(in: .whitespaces)
            if pending.isEmpty && (line.isEmpty || line.hasPrefix("#")) { continue }
            if line.hasPrefix("#") { continue }
            if line.hasSuffix("\\") {
                pending += line.dropLast() + " "
                continue
            }
            let full = pending + line
            pending = ""
            let keyword = String(full.prefix { !$0.isWhitespace })
            instructions.append((keyword.uppercased(), full.dropFirst(keyword.count).trimmingCharacters(in: .whitespaces)))
        }
        return instructions
    }

    /// An exec-form ENTRYPOINT's arguments.
    static func entrypointArguments(_ value: String) throws -> [String] {
        try #require(JSONSerialization.jsonObject(with: Data(value.utf8)) as? [String])
    }

    @Test("Dockerfile: two stages (swift build, debian slim runtime), non-root USER, /health HEALTHCHECK, serve entrypoint")
    func dockerfile() throws {
        let instructions = try Self.dockerInstructions()
        let stages = instructions.filter { $0.0 == "FROM" }.map(\.1)
        #expect(stages.count == 2)
        #expect(stages.first?.hasPrefix("swift:6.3-bookworm") == true)
        #expect(stages.last?.hasPrefix("debian:bookworm-slim") == true)
        let buildStage = try #require(stages.first?.split(separator: " ").last.map(String.init))
        #expect(instructions.contains { $0.0 == "COPY" && $0.1.contains("--from=\(buildStage)") })
        #expect(instructions.contains { $0.0 == "RUN" && $0.1.contains("swift build -c release --product flint --static-swift-stdlib") })
        let runtime = instructions.drop { $0.1 != stages.last }
        let user = try #require(runtime.last { $0.0 == "USER" }?.1)
        let uid = String(user.prefix { $0 != ":" })
        #expect(uid != "root" && uid != "0" && !uid.isEmpty)
        #expect(uid == "10001")
        let healthcheck = try #require(runtime.last { $0.0 == "HEALTHCHECK" }?.1)
        let port = try Self.productionConfiguration().server.port
        #expect(healthcheck.contains("curl -fsS http://127.0.0.1:\(port)/health"))
        #expect(runtime.contains { $0.0 == "ENV" && $0.1 == "FLINT_HOME=/var/lib/flint" })
        let entrypoint = try Self.entrypointArguments(try #require(runtime.last { $0.0 == "ENTRYPOINT" }?.1))
        #expect(entrypoint.suffix(3) == ["serve", "--config", "/etc/flint/serve.yaml"])
        #expect(entrypoint.first?.hasSuffix("flint") == true)
        for package in ["libopenblas0", "libsqlite3-0", "zlib1g", "ca-certificates", "curl"] {
            #expect(runtime.contains { $0.0 == "RUN" && $0.1.contains(package) }, "runtime lacks \(package)")
        }
        let dockerignore = try Self.text(".dockerignore").split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }
        for entry in [".build", ".git", "runs"] { #expect(dockerignore.contains(entry), ".dockerignore lacks \(entry)") }
        // What the Dockerfile copies must stay in the build context.
        for needed in ["Package.swift", "Sources", "Tests", "deploy", "deploy/serve.yaml"] {
            #expect(!dockerignore.contains { $0 == needed || $0 == needed + "/" || $0 == "*" }, ".dockerignore drops \(needed)")
        }
    }
}
