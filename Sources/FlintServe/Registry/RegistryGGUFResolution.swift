import Foundation
import FlintModels

extension GGUFModelResolver {
    /// Resolves registry references (`smollm2`, `smollm2@3`, `smollm2@production`) to the `.gguf` file of
    /// the version they point at, in the registry at `root` (nil: ``ModelRegistry/defaultRoot(environment:)``),
    /// opened on the first reference. Unknown names, versions and aliases throw ``RegistryError`` (with
    /// ``RegistryError/isNotFound``); a version that is a model folder, not a GGUF file, throws
    /// ``RegistryError/unsupportedModel(reference:reason:)``. Nothing is created where no registry exists.
    ///
    /// ```swift
    /// let model = try LanguageModel.load("smollm2@production", resolver: .registry(root: nil))
    /// ```
    public static func registry(root: URL?) -> GGUFModelResolver {
        let registry = LazyModelRegistry(root: root)
        let registryRoot = (root ?? ModelRegistry.defaultRoot()).standardizedFileURL
        return GGUFModelResolver { reference in
            let parsed = try RegistryReference(parsing: reference)
            // No index: nothing was ever pushed there; say so rather than create an empty registry.
            guard FileManager.default.fileExists(atPath: registryRoot.appendingPathComponent("index.sqlite").path) else {
                throw RegistryError.unknownModel(name: parsed.name, root: registryRoot.path)
            }
            let model = try registry.open().resolve(parsed)
            guard let file = model.modelFile else {
                throw RegistryError.unsupportedModel(reference: "\(reference) (\(model.reference))",
                    reason: "a model folder (\(model.task)), not a GGUF language model")
            }
            return file
        }
    }
}
