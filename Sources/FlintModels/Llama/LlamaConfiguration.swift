import Flint
import Foundation

/// The hyper-parameters of a Llama-family decoder (`llama`, `qwen2`), read from a GGUF file's metadata
/// (`<arch>.block_count`, `.embedding_length`, …) and validated before any buffer is sized from them.
public struct LlamaConfiguration: Sendable, Equatable {
    /// How RoPE pairs the dimensions of a head: ggml's "normal" mode rotates adjacent pairs `(2i, 2i+1)`
    /// (llama — the GGUF converter permutes Q/K rows for it), "NeoX" mode rotates `(i, i + d/2)` (qwen2).
    public enum RotaryStyle: String, Sendable { case adjacentPairs, halves }

    public let architecture: String
    public let layerCount: Int
    public let embeddingLength: Int
    public let feedForwardLength: Int
    public let headCount: Int
    public let keyValueHeadCount: Int
    public let headDimension: Int
    /// Dimensions of each head that RoPE rotates (`rope.dimension_count`, default the head dimension).
    public let rotaryDimensions: Int
    public let ropeBase: Double
    /// `1 / rope.scaling.factor` for linear scaling, else 1.
    public let ropeFrequencyScale: Double
    public let rotaryStyle: RotaryStyle
    public let normEpsilon: Float
    public let contextLength: Int
    public let vocabularySize: Int
    /// Whether Q, K and V projections have biases (qwen2).
    public let hasAttentionBias: Bool

    /// The architectures this engine runs.
    public static let supportedArchitectures = ["llama", "qwen2"]

    /// Reads and validates the configuration of `header`'s model; `vocabularySize` falls back to the
    /// token embedding's row count.
    public init(_ header: GGUFHeader) throws {
        let path = header.path
        guard let architecture = header.architecture else {
            throw FlintError.missingEntry(path: path, name: "metadata \"general.architecture\"")
        }
        guard LlamaConfiguration.supportedArchitectures.contains(architecture) else {
            throw FlintError.invalidFile(path: path, field: "metadata \"general.architecture\"",
                                         expected: "one of \(LlamaConfiguration.supportedArchitectures.joined(separator: ", "))", found: "\"\(architecture)\"")
        }
        self.architecture = architecture
        func positive(_ suffix: String, default value: Int? = nil, maximum: Int = 1 << 20) throws -> Int {
            let key = "\(architecture).\(suffix)"
            guard let found = try header.optionalInteger(key) ?? value else { throw FlintError.missingEntry(path: path, name: "metadata \"\(key)\"") }
            guard found > 0 && found <= maximum else {
                throw FlintError.invalidFile(path: path, field: "metadata \"\(key)\"", expected: "1…\(maximum)", found: "\(found)")
            }
            return found
        }
        layerCount = try positive("block_count", maximum: 1024)
        embeddingLength = try positive("embedding_length", maximum: 65_536)
        feedForwardLength = try positive("feed_forward_length", maximum: 1 << 18)
        headCount = try positive("attention.head_count", maximum: 1024)
        keyValueHeadCount = try positive("attention.head_count_kv", default: headCount, maximum: 1024)
        contextLength = try positive("context_length", maximum: 1 << 24)
        guard embeddingLength % headCount == 0 else {
            throw FlintError.invalidFile(path: path, field: "metadata \"\(architecture).embedding_length\"",
                                         expected: "a multiple of attention.head_count \(headCount)", found: "\(embeddingLength)")
        }
        guard headCount % keyValueHeadCount == 0 else {
            throw FlintError.invalidFile(path: path, field: "metadata \"\(architecture).attention.head_count_kv\"",
                                         expected: "a divisor of attention.head_count \(headCount)", found: "\(keyValueHeadCount)")
        }
        headDimension = embeddingLength / headCount
        rotaryDimensions = try positive("rope.dimension_count", default: headDimension, maximum: headDimension)
        guard rotaryDimensions % 2 == 0 else {
            throw FlintError.invalidFile(path: path, field: "metadata \"\(architecture).rope.dimension_count\"", expected: "an even number", found: "\(rotaryDimensions)")
        }
        ropeBase = try header.optionalFloat("\(architecture).rope.freq_base") ?? 10_000
        guard ropeBase > 1 && ropeBase.isFinite else {
            throw FlintError.invalidFile(path: path, field: "metadata \"\(architecture).rope.freq_base\"", expected: "a finite number above 1", found: "\(ropeBase)")
        }
        let scalingType = try header.optionalString("\(architecture).rope.scaling.type") ?? "none"
        switch scalingType {
        case "none":
            ropeFrequencyScale = 1
        case "linear":
            let factor = try header.optionalFloat("\(architecture).rope.scaling.factor") ?? 1
            guard factor > 0 && factor.isFinite else {
                throw FlintError.invalidFile(path: path, field: "metadata \"\(architecture).rope.scaling.factor\"", expected: "a positive number", found: "\(factor)")
            }
            ropeFrequencyScale = 1 / factor
        default:
            throw FlintError.invalidFile(path: path, field: "metadata \"\(architecture).rope.scaling.type\"", expected: "none or linear", found: "\"\(scalingType)\"")
        }
        let epsilon = try header.optionalFloat("\(architecture).attention.layer_norm_rms_epsilon") ?? 1e-5
        guard epsilon > 0 && epsilon < 1 else {
            throw FlintError.invalidFile(path: path, field: "metadata \"\(architecture).attention.layer_norm_rms_epsilon\"", expected: "a number in (0, 1)", found: "\(epsilon)")
        }
        normEpsilon = Float(epsilon)
        rotaryStyle = architecture == "qwen2" ? .halves : .adjacentPairs
        hasAttentionBias = architecture == "qwen2"
        if let embedding = header.tensor(named: "token_embd.weight"), embedding.dimensions.count == 2 {
            vocabularySize = embedding.dimensions[1]
        } else {
            vocabularySize = try positive("vocab_size", maximum: 1 << 22)
        }
    }

    /// Query width: `headCount · headDimension`.
    public var queryWidth: Int { headCount * headDimension }
    /// Key/value width: `keyValueHeadCount · headDimension`.
    public var keyValueWidth: Int { keyValueHeadCount * headDimension }
}
