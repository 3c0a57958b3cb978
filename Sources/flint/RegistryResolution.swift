import FlintServe

/// How `flint serve` and `flint batch` turn registry references into folders.
enum RegistryResolution {
    /// Folder paths only, until the registry is configured.
    static func resolver(for configuration: ServeConfiguration) -> ModelSourceResolver {
        ModelSourceResolver()
    }
}
