import Foundation
import FlintServe

/// How `flint serve` and `flint batch` turn model sources into folders: paths directly, registry
/// references (`name`, `name@3`, `name@production`) through the registry at `registry` in the
/// configuration, else `$FLINT_HOME/registry` or `~/.flint/registry`.
enum RegistryResolution {
    static func resolver(for configuration: ServeConfiguration) -> ModelSourceResolver {
        .registry(root: configuration.registry.map { URL(fileURLWithPath: ($0 as NSString).expandingTildeInPath, isDirectory: true) })
    }
}
