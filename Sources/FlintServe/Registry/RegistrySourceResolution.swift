import Foundation
import Synchronization

/// Opens a registry on first use and keeps it: what a server needs to resolve references without
/// failing at start-up when no reference is configured (or nothing was pushed yet).
final class LazyModelRegistry: Sendable {
    private let root: URL?
    private let registry = Mutex<ModelRegistry?>(nil)

    init(root: URL?) {
        self.root = root
    }

    /// The registry: opened read-write (with recovery) when possible, else read-only (a read-only
    /// mount); a failed open is retried on the next call.
    func open() throws -> ModelRegistry {
        try registry.withLock { cached in
            if let cached { return cached }
            let opened: ModelRegistry
            do {
                opened = try ModelRegistry(root: root)
            } catch {
                opened = try ModelRegistry(root: root, readOnly: true)
            }
            cached = opened
            return opened
        }
    }
}

extension ModelSourceResolver {
    /// A resolver for `flint serve`: folder paths directly, registry references (`name`, `name@3`,
    /// `name@production`) through the registry at `registryRoot` (nil: ``ModelRegistry/defaultRoot(environment:)``),
    /// opened on the first reference. Each call reads the index afresh, so a reload after
    /// `flint registry alias` serves the alias's new version. The version reported is the registry
    /// version number; unknown names, versions and aliases throw ``RegistryError`` with
    /// ``RegistryError/isNotFound``. A GGUF version (a language model) throws
    /// ``RegistryError/unsupportedModel(reference:reason:)`` naming it: language models are served as chat models
    /// (`chat_models`, `--chat-model`), not from `models`.
    public static func registry(root registryRoot: URL?) -> ModelSourceResolver {
        let registry = LazyModelRegistry(root: registryRoot)
        return ModelSourceResolver(registry: { reference in
            let model = try registry.open().resolve(reference)
            guard model.format == .huggingFace else {
                throw RegistryError.unsupportedModel(reference: "\(reference) (\(model.reference))",
                    reason: "a GGUF language model (\(model.task)), which is not served from models / --model: "
                        + "serve it as a chat model (--chat-model NAME=\(reference), or a chat_models entry)")
            }
            return ResolvedSource(folder: model.folder, version: String(model.version), source: reference)
        })
    }
}
