import Foundation
import FlintSupport

/// Locates the pretrained models the tests use. `make test` fetches them first
/// (`scripts/fetch-models.sh`, into `$FLINT_CACHE/models`, default `~/.cache/flint/models`);
/// without them, each test that needs one fails with a ``TestResourceError`` that says how to fetch it
/// (the rest of the run goes on).
public enum TestModels {
    /// The sentence-transformers all-MiniLM-L6-v2 folder (config.json, model.safetensors, tokenizer.json, …).
    ///
    /// - Throws: ``TestResourceError/missing(_:fetch:)`` naming the folder and `bash scripts/fetch-models.sh`
    ///   when the model is not there.
    public static var miniLM: URL {
        get throws {
            let folder = FlintCache.model(named: "all-MiniLM-L6-v2")
            guard FileManager.default.fileExists(atPath: folder.appendingPathComponent("model.safetensors").path) else {
                throw TestResourceError.missing("all-MiniLM-L6-v2 (\(folder.path)/model.safetensors)", fetch: "bash scripts/fetch-models.sh")
            }
            return folder
        }
    }
}
