/// How a registered version stores its model.
public enum RegistryModelFormat: String, Codable, Sendable, Equatable, CaseIterable {
    /// A Hugging Face model folder (`config.json`, weights, tokenizer files): embeddings and classification.
    case huggingFace = "huggingface"
    /// One GGUF file (llama.cpp's format): a language model for `flint generate` / `flint chat`.
    case gguf
}
