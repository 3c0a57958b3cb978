import Foundation
import FlintSupport

extension TestModels {
    /// The SmolLM2-135M-Instruct Q4_1 GGUF file (98 MB, `$FLINT_CACHE/models/smollm2-135m-instruct/`).
    ///
    /// - Throws: ``TestResourceError/missing(_:fetch:)`` naming the file and `bash scripts/fetch-models.sh` when it
    ///   is not there.
    public static var smolLM2GGUF: URL {
        get throws {
            let file = FlintCache.model(named: "smollm2-135m-instruct").appendingPathComponent("SmolLM2-135M-Instruct.Q4_1.gguf")
            guard FileManager.default.fileExists(atPath: file.path) else {
                throw TestResourceError.missing("SmolLM2-135M-Instruct Q4_1 GGUF (\(file.path))", fetch: "bash scripts/fetch-models.sh")
            }
            return file
        }
    }
}
