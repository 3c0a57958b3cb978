import Foundation
import Synchronization

/// A served name: its variants (one per model version) and how traffic splits among them.
public struct ServedName: Sendable {
    /// The name clients use.
    public let name: String
    /// What it computes.
    public let task: ServedTask
    /// One batcher per version, in configuration order.
    public let variants: [DynamicBatcher]
    /// Their traffic weights.
    public let weights: [Double]
    /// The split built from the weights.
    public let split: TrafficSplit

    /// A served name; `variants` and `weights` have the same length.
    public init(name: String, task: ServedTask, variants: [DynamicBatcher], weights: [Double]) {
        precondition(variants.count == weights.count && !variants.isEmpty, "ServedName: \(variants.count) variants, \(weights.count) weights")
        self.name = name
        self.task = task
        self.variants = variants
        self.weights = weights
        self.split = TrafficSplit(weights: weights)
    }
}

/// Maps request model names (and versions) to batchers. The whole table is swapped at once on reload,
/// so a request sees either the old or the new table, never half of each.
public final class ModelRouter: Sendable {
    private let table = Mutex<[ServedName]>([])

    /// An empty router (nothing ready).
    public init() {}

    /// Every served name, in configuration order.
    public var names: [ServedName] { table.withLock { $0 } }

    /// Replaces the table; returns the previous one (to drain its batchers that are no longer used).
    @discardableResult
    public func replace(with names: [ServedName]) -> [ServedName] {
        table.withLock { current in
            let old = current
            current = names
            return old
        }
    }

    /// The batcher for a request.
    /// - Parameters:
    ///   - name: the requested model; nil picks the first served name with `task`.
    ///   - version: a specific version of that name (`/versions/{v}`), bypassing the split.
    ///   - task: what the endpoint computes (a name with another task is a 404 `wrong_model_task`); nil accepts any.
    ///   - userKey: the sticky-routing key.
    public func route(name: String?, version: String? = nil, task: ServedTask?, userKey: String?) throws -> DynamicBatcher {
        let names = self.names
        let served: ServedName
        if let name {
            guard let found = names.first(where: { $0.name == name }) else {
                throw APIError.modelNotFound("model '\(name)' is not served here; GET /v1/models lists the models")
            }
            served = found
        } else {
            guard let found = names.first(where: { task == nil || $0.task == task }) else {
                throw APIError.modelNotFound("no \(task?.rawValue ?? "") model is served here")
            }
            served = found
        }
        if let task, served.task != task {
            // 404, not 422: the body is valid; this route has no model of that name (the name serves another task).
            throw APIError(.notFound, "model '\(served.name)' is a \(served.task.rawValue) model, not \(task.rawValue); GET /v1/models lists the models",
                           type: "not_found_error", code: "wrong_model_task")
        }
        if let version {
            guard let batcher = served.variants.first(where: { $0.model.version == version }) else {
                let known = served.variants.map(\.model.version).joined(separator: ", ")
                throw APIError.modelNotFound("model '\(served.name)' has no served version '\(version)' (served: \(known))")
            }
            return batcher
        }
        return served.variants[served.split.choose(name: served.name, userKey: userKey)]
    }
}
