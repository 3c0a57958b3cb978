import Foundation
import FlintSupport

/// Locates the pretrained models the tests use. `make test` fetches them first
/// (`scripts/fetch-models.sh`, into `$FLINT_CACHE/models`, default `~/.cache/flint/models`);
/// a test run without them stops with a message that says how to fetch them.
public enum TestModels {
    /// The sentence-transformers all-MiniLM-L6-v2 folder (config.json, model.safetensors, tokenizer.json, …).
    public static var miniLM: URL {
        let folder = FlintCache.model(named: "all-MiniLM-L6-v2")
        guard FileManager.default.fileExists(atPath: folder.appendingPathComponent("model.safetensors").path) else {
            fatalError("all-MiniLM-L6-v2 is not in \(folder.path): run `bash scripts/fetch-models.sh` (make test does)")
        }
        return folder
    }
}
