import Flint
import Foundation

/// The weights of one decoder layer: matrices stay in the file's quantized form (views into the mapping),
/// norms and biases are small float32 vectors.
public struct LlamaLayerWeights: Sendable {
    public let attentionNorm: [Float]
    public let query: QuantizedMatrix
    public let key: QuantizedMatrix
    public let value: QuantizedMatrix
    public let attentionOutput: QuantizedMatrix
    public let queryBias: [Float]?
    public let keyBias: [Float]?
    public let valueBias: [Float]?
    public let feedForwardNorm: [Float]
    public let gate: QuantizedMatrix
    public let up: QuantizedMatrix
    public let down: QuantizedMatrix
}

/// All weights of a Llama-family model, found by their GGUF names (`token_embd.weight`,
/// `blk.N.attn_q.weight`, …, `output_norm.weight`, `output.weight` — absent when the head is tied to the
/// embedding), each checked for shape and type.
public struct LlamaWeights: Sendable {
    public let tokenEmbedding: QuantizedMatrix
    public let layers: [LlamaLayerWeights]
    public let outputNorm: [Float]
    /// The output head (the token embedding when tied).
    public let output: QuantizedMatrix
    /// Whether the output head is the token embedding.
    public let tiedOutput: Bool
    /// Per-dimension RoPE frequency divisors (`rope_freqs.weight`, Llama 3), when present.
    public let ropeFrequencyFactors: [Float]?

    /// Finds and checks every weight of `configuration`'s model in `file`.
    public init(file: GGUFFile, configuration c: LlamaConfiguration) throws {
        let path = file.path
        func matrix(_ name: String, columns: Int, rows: Int) throws -> QuantizedMatrix {
            let (info, bytes) = try file.data(named: name)
            guard info.dimensions == [columns, rows] else {
                throw FlintError.invalidFile(path: path, field: "tensor \"\(name)\" dims", expected: "[\(columns), \(rows)]",
                                             found: "\(info.dimensions)")
            }
            guard info.type.isSupported else {
                throw FlintError.invalidFile(path: path, field: "tensor \"\(name)\" type",
                                             expected: "F32, F16, BF16, Q8_0, Q4_0, Q4_1, Q5_0, Q5_1, Q2_K, Q3_K, Q4_K, Q5_K or Q6_K", found: info.type.name)
            }
            guard let base = bytes.baseAddress else {
                throw FlintError.invalidFile(path: path, field: "tensor \"\(name)\"", expected: "data", found: "no bytes")
            }
            return QuantizedMatrix(type: info.type, rows: rows, columns: columns, base: base, owner: file)
        }
        func vector(_ name: String, count: Int) throws -> [Float] {
            let (info, bytes) = try file.data(named: name)
            guard info.elementCount == count, info.dimensions.count == 1 else {
                throw FlintError.invalidFile(path: path, field: "tensor \"\(name)\" dims", expected: "[\(count)]", found: "\(info.dimensions)")
            }
            guard info.type.isSupported else {
                throw FlintError.invalidFile(path: path, field: "tensor \"\(name)\" type", expected: "a float or supported quantized type", found: info.type.name)
            }
            return info.type.dequantize(bytes.baseAddress!, count: count)
        }
        tokenEmbedding = try matrix("token_embd.weight", columns: c.embeddingLength, rows: c.vocabularySize)
        var layers = [LlamaLayerWeights]()
        for i in 0..<c.layerCount {
            let p = "blk.\(i)."
            layers.append(LlamaLayerWeights(
                attentionNorm: try vector(p + "attn_norm.weight", count: c.embeddingLength),
                query: try matrix(p + "attn_q.weight", columns: c.embeddingLength, rows: c.queryWidth),
                key: try matrix(p + "attn_k.weight", columns: c.embeddingLength, rows: c.keyValueWidth),
                value: try matrix(p + "attn_v.weight", columns: c.embeddingLength, rows: c.keyValueWidth),
                attentionOutput: try matrix(p + "attn_output.weight", columns: c.queryWidth, rows: c.embeddingLength),
                queryBias: c.hasAttentionBias ? try vector(p + "attn_q.bias", count: c.queryWidth) : nil,
                keyBias: c.hasAttentionBias ? try vector(p + "attn_k.bias", count: c.keyValueWidth) : nil,
                valueBias: c.hasAttentionBias ? try vector(p + "attn_v.bias", count: c.keyValueWidth) : nil,
                feedForwardNorm: try vector(p + "ffn_norm.weight", count: c.embeddingLength),
                gate: try matrix(p + "ffn_gate.weight", columns: c.embeddingLength, rows: c.feedForwardLength),
                up: try matrix(p + "ffn_up.weight", columns: c.embeddingLength, rows: c.feedForwardLength),
                down: try matrix(p + "ffn_down.weight", columns: c.feedForwardLength, rows: c.embeddingLength)))
        }
        self.layers = layers
        outputNorm = try vector("output_norm.weight", count: c.embeddingLength)
        if file.header.tensor(named: "output.weight") != nil {
            output = try matrix("output.weight", columns: c.embeddingLength, rows: c.vocabularySize)
            tiedOutput = false
        } else {
            output = tokenEmbedding
            tiedOutput = true
        }
        ropeFrequencyFactors = file.header.tensor(named: "rope_freqs.weight") != nil
            ? try vector("rope_freqs.weight", count: c.rotaryDimensions / 2) : nil
    }
}
