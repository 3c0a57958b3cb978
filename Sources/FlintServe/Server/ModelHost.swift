import Foundation
import Logging
import ServiceLifecycle
import Synchronization
import UnixSignals

/// Loads the configured models, keeps the router's table, and reloads on `SIGHUP` or
/// `POST /admin/reload`.
///
/// Loading runs in the background after the server starts listening, so `/health` answers at once and
/// `/ready` answers 503 until every model is loaded and warmed (one forward pass each). A reload
/// re-resolves every source (so moved registry aliases take effect), loads only what changed, warms it,
/// swaps the router's table in one step, and then drains the batchers that fell out of use: requests
/// already queued on them finish, new ones go to the new table — no request is dropped.
public final class ModelHost: Service, Sendable {
    /// What a load or reload did.
    public struct Report: Sendable, Equatable, Codable {
        /// Served name → versions now served.
        public var models: [String: [String]]
        /// `name@version` loaded by this call.
        public var loaded: [String]
        /// `name@version` no longer served.
        public var unloaded: [String]
    }

    let configuration: ServeConfiguration
    let resolver: ModelSourceResolver
    let router: ModelRouter
    let metrics: ServeMetrics
    let logger: Logger
    private let readyFlag = Atomic<Bool>(false)
    private let reloading = Mutex<Bool>(false)

    /// A host for `configuration.models`.
    public init(configuration: ServeConfiguration, resolver: ModelSourceResolver, router: ModelRouter,
                metrics: ServeMetrics, logger: Logger) {
        self.configuration = configuration
        self.resolver = resolver
        self.router = router
        self.metrics = metrics
        self.logger = logger
    }

    /// True once every configured model is loaded and warmed.
    public var isReady: Bool { readyFlag.load(ordering: .acquiring) }

    /// Loads everything, then serves reloads on SIGHUP until shutdown; drains every batcher at the end.
    public func run() async throws {
        _ = try await reload()
        readyFlag.store(true, ordering: .releasing)
        logger.info("models ready", metadata: ["models": "\(router.names.map { "\($0.name)@\($0.variants.map(\.model.version))" })"])
        let hangups = await UnixSignalsSequence(trapping: .sighup)
        await withGracefulShutdownHandler {
            for await _ in hangups.cancelOnGracefulShutdown() {
                do {
                    let report = try await self.reload()
                    self.logger.info("reloaded on SIGHUP", metadata: ["loaded": "\(report.loaded)", "unloaded": "\(report.unloaded)"])
                } catch {
                    self.logger.error("reload on SIGHUP failed; still serving the previous models", metadata: ["error": "\(error)"])
                }
            }
        } onGracefulShutdown: {
            self.logger.info("shutting down: finishing queued requests")
        }
        readyFlag.store(false, ordering: .releasing)
        for served in router.replace(with: []) {
            for batcher in served.variants { await batcher.drain() }
        }
    }

    /// Loads every model and marks the host ready, without serving (offline jobs such as `flint batch --openai-batch`).
    public func loadWithoutServing() async throws {
        _ = try await reload()
        readyFlag.store(true, ordering: .releasing)
    }

    /// Resolves every source, loads what changed, swaps the table, drains what fell out of use.
    /// Throws (keeping the current table) when a source cannot be resolved or loaded, or when another
    /// reload is running.
    public func reload() async throws -> Report {
        let started = reloading.withLock { busy -> Bool in
            if busy { return false }
            busy = true
            return true
        }
        guard started else {
            throw APIError(.conflict, "a reload is already running", type: "invalid_request_error", code: "reload_in_progress")
        }
        defer { reloading.withLock { $0 = false } }

        let current = router.names
        var existing: [String: DynamicBatcher] = [:]
        for served in current {
            for batcher in served.variants {
                existing[Self.key(served.name, batcher.model.folder, batcher.model.version)] = batcher
            }
        }
        var table: [ServedName] = []
        var loaded: [String] = []
        var created: [DynamicBatcher] = []
        do {
            for specification in configuration.models {
                var batchers: [DynamicBatcher] = []
                var versions = Set<String>()
                var skipped = false
                for variant in specification.variants {
                    let resolved: ResolvedSource
                    do {
                        resolved = try resolver.resolve(variant.source)
                    } catch let error as RegistryError where specification.optional && error.isNotFound {
                        logger.warning("optional model not in the registry yet: serving without it until a reload finds it",
                                       metadata: ["model": "\(specification.name)", "source": "\(variant.source)"])
                        skipped = true
                        break
                    }
                    guard versions.insert(resolved.version).inserted else {
                        throw ServeConfigurationError(path: variant.source,
                            message: "models '\(specification.name)': two variants resolve to version '\(resolved.version)'")
                    }
                    let key = Self.key(specification.name, resolved.folder, resolved.version)
                    if let batcher = existing[key], specification.task == nil || batcher.model.task == specification.task {
                        batchers.append(batcher)
                        continue
                    }
                    let model = try await Self.load(specification: specification, resolved: resolved,
                                                    batchSize: configuration.batching.maxBatchSize)
                    let batcher = DynamicBatcher(model: model, limits: .init(configuration.batching), metrics: metrics,
                                                 logger: logger)
                    created.append(batcher)
                    batchers.append(batcher)
                    loaded.append("\(specification.name)@\(resolved.version)")
                    logger.info("loaded model", metadata: ["model": "\(specification.name)", "version": "\(resolved.version)",
                                                           "task": "\(model.task.rawValue)", "folder": "\(resolved.folder.path)"])
                }
                if skipped {
                    for batcher in created where batchers.contains(where: { $0 === batcher }) { await batcher.drain() }
                    created.removeAll { batcher in batchers.contains { $0 === batcher } }
                    loaded.removeAll { $0.hasPrefix("\(specification.name)@") }
                    continue
                }
                let tasks = Set(batchers.map(\.model.task))
                guard tasks.count == 1 else {
                    throw ServeConfigurationError(path: specification.name,
                        message: "models '\(specification.name)': variants have different tasks \(tasks.map(\.rawValue).sorted())")
                }
                table.append(ServedName(name: specification.name, task: tasks.first!, variants: batchers,
                                        weights: specification.variants.map(\.weight)))
            }
        } catch {
            for batcher in created { await batcher.drain() }
            throw error
        }
        router.replace(with: table)
        let kept = Set(table.flatMap { $0.variants.map { ObjectIdentifier($0) } })
        var unloaded: [String] = []
        for served in current {
            for batcher in served.variants where !kept.contains(ObjectIdentifier(batcher)) {
                unloaded.append("\(served.name)@\(batcher.model.version)")
                await batcher.drain()
            }
        }
        var models: [String: [String]] = [:]
        for served in table { models[served.name] = served.variants.map(\.model.version) }
        return Report(models: models, loaded: loaded, unloaded: unloaded)
    }

    static func key(_ name: String, _ folder: URL, _ version: String) -> String {
        name + "\u{0}" + folder.path + "\u{0}" + version
    }

    /// Loads and warms a model on a thread of its own (loading blocks: file mapping, tokenizer parsing).
    static func load(specification: ModelSpecification, resolved: ResolvedSource, batchSize: Int) async throws -> ServedModel {
        try await withCheckedThrowingContinuation { continuation in
            let thread = Thread {
                do {
                    let model = try ServedModel(name: specification.name, version: resolved.version, source: resolved.source,
                                                folder: resolved.folder, task: specification.task, batchSize: batchSize)
                    try model.warmUp()
                    continuation.resume(returning: model)
                } catch {
                    continuation.resume(throwing: error)
                }
            }
            thread.stackSize = 8 << 20
            thread.start()
        }
    }
}
