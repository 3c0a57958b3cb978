/// Which files of a Hub repository `flint download` fetches.
///
/// By default: configuration and tokenizer files (`*.json`, `*.txt`, `*.model`, `*.tiktoken`) and
/// safetensors weights, in any folder (sentence-transformers keeps `1_Pooling/config.json`);
/// `pytorch_model*.bin` only when the repository has no safetensors weights. Weights for other
/// frameworks (`onnx/`, `openvino/`, `tf_model.h5`, `flax_model.msgpack`, `rust_model.ot`, …),
/// code, images and everything else are skipped. `all` takes every file.
public enum HubFileSelection {
    /// Top-level folders of other frameworks' exports.
    static let skippedFolders: Set<String> = ["onnx", "openvino", "coreml", "tflite", "tf", "flax", "jax", "gguf", "ggml", "mlx"]
    /// Extensions of configuration and tokenizer files.
    static let textExtensions: Set<String> = ["json", "txt", "model", "tiktoken"]

    /// The files to fetch out of `files` (repository paths), in the order given.
    public static func select(_ files: [String], all: Bool = false) -> [String] {
        if all { return files }
        let hasSafeTensors = files.contains { $0.hasSuffix(".safetensors") && isWeightName($0) }
        return files.filter { path in
            let components = path.split(separator: "/")
            guard let name = components.last else { return false }
            if components.count > 1, skippedFolders.contains(String(components[0]).lowercased()) { return false }
            if name.hasPrefix(".") { return false }
            if name.hasSuffix(".safetensors") { return true }
            if name.hasSuffix(".bin") {
                return !hasSafeTensors && name.hasPrefix("pytorch_model")
            }
            let parts = name.split(separator: ".")
            guard parts.count > 1, let ext = parts.last else { return false }
            return textExtensions.contains(String(ext).lowercased())
        }
    }

    /// Whether a safetensors path holds model weights (rather than, say, an adapter in a subfolder):
    /// a file at the top level or in a sentence-transformers module folder.
    static func isWeightName(_ path: String) -> Bool {
        !path.split(separator: "/").dropLast().contains { skippedFolders.contains(String($0).lowercased()) }
    }
}
