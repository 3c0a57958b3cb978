import ArgumentParser
import Foundation
import FlintModels
import FlintServe

/// How `flint serve` and `flint batch` turn model sources into folders: paths directly, registry
/// references (`name`, `name@3`, `name@production`) through the registry at `registry` in the
/// configuration, else `$FLINT_HOME/registry` or `~/.flint/registry`.
enum RegistryResolution {
    static func resolver(for configuration: ServeConfiguration) -> ModelSourceResolver {
        .registry(root: configuration.registry.map { URL(fileURLWithPath: ($0 as NSString).expandingTildeInPath, isDirectory: true) })
    }
}

/// The `--registry` option of the commands that take a GGUF model (`generate`, `chat`, `perplexity`,
/// `inspect`, `tokenize`): where registry references (`smollm2`, `smollm2@3`, `smollm2@production`) are
/// looked up. A model that is a file path (it contains '/', starts with '.' or '~', ends in .gguf, or
/// names an existing file) is opened directly.
struct ModelRegistryOption: ParsableArguments {
    @Option(name: .long, help: "The model registry folder for NAME[@VERSION|@ALIAS] models (default $FLINT_HOME/registry or ~/.flint/registry).")
    var registry: String?

    /// The registry root given, else nil (the default root).
    var root: URL? {
        registry.map { URL(fileURLWithPath: ($0 as NSString).expandingTildeInPath, isDirectory: true) }
    }

    /// Resolves references to the `.gguf` file of the version they point at.
    var ggufResolver: GGUFModelResolver { .registry(root: root) }

    /// The file to open for `model`: itself when it is a file path, else the `.gguf` of the registry
    /// version it names.
    func ggufPath(_ model: String) throws -> String {
        try GGUFModelResolver.path(of: model, resolver: ggufResolver)
    }

    /// The version `reference` points at (a GGUF file or a model folder); an error naming the registry
    /// when none exists there (nothing is created).
    func resolve(_ reference: String) throws -> ResolvedModel {
        let parsed = try RegistryReference(parsing: reference)
        let root = (self.root ?? ModelRegistry.defaultRoot()).standardizedFileURL
        guard FileManager.default.fileExists(atPath: root.appendingPathComponent("index.sqlite").path) else {
            throw RegistryError.unknownModel(name: parsed.name, root: root.path)
        }
        let registry = try (try? ModelRegistry(root: root)) ?? ModelRegistry(root: root, readOnly: true)
        return try registry.resolve(parsed)
    }
}
