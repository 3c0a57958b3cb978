/// One line of a sentence-transformers `modules.json`: a stage of the embedding pipeline.
public struct SentenceTransformerModuleEntry: Sendable, Equatable {
    /// What a stage does, from the last component of its Python class name.
    public enum Kind: String, Sendable, Equatable {
        /// The Hugging Face encoder (`sentence_transformers.models.Transformer`).
        case transformer = "Transformer"
        /// Token-to-sentence pooling (`sentence_transformers.models.Pooling`).
        case pooling = "Pooling"
        /// L2 normalisation (`sentence_transformers.models.Normalize`).
        case normalize = "Normalize"
    }

    /// Position in the pipeline (`idx`).
    public let index: Int
    /// The stage's name (`name`).
    public let name: String
    /// Its sub-folder, "" for the folder itself (`path`).
    public let path: String
    /// The Python class (`type`), e.g. "sentence_transformers.models.Pooling".
    public let type: String
    /// The stage kind.
    public let kind: Kind
}
