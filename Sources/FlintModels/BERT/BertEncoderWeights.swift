import Foundation
import Flint

/// The weights of one BERT encoder layer, laid out for the inference engine's GEMMs.
///
/// The four matrices are packed once into ``PackedLinearWeight`` panels (the query, key and value
/// projections into one `[3H, H]` weight, so one GEMM computes all three); vectors stay as loaded
/// (mmap'd when the checkpoint is float32).
struct BertEncoderLayerWeights: @unchecked Sendable {
    /// `[3H, H]` packed: outputs 0..<H query, H..<2H key, 2H..<3H value.
    let queryKeyValue: PackedLinearWeight
    /// `[3H]`.
    let queryKeyValueBias: Tensor
    /// `[H, H]` attention output projection, packed.
    let attentionOutput: PackedLinearWeight
    let attentionOutputBias: Tensor
    let attentionNormWeight: Tensor
    let attentionNormBias: Tensor
    /// `[I, H]`, packed.
    let intermediate: PackedLinearWeight
    let intermediateBias: Tensor
    /// `[H, I]`, packed.
    let output: PackedLinearWeight
    let outputBias: Tensor
    let outputNormWeight: Tensor
    let outputNormBias: Tensor
}

extension PackedLinearWeight {
    /// Packs a contiguous float32 `[outputs, inputs]` tensor, then lets the kernel reclaim the pages
    /// the copy read (see ``releaseResidentPages(of:)``).
    convenience init(_ weight: Tensor) {
        self.init(weight: weight.pointer(as: Float.self), outputs: weight.shape[0], inputs: weight.shape[1])
        releaseResidentPages(of: weight)
    }
}

/// Asks the kernel to reclaim the whole pages inside `tensor`'s bytes (`madvise(MADV_PAGEOUT)`).
///
/// After packing, the engine never reads a checkpoint matrix again; for an mmap'd safetensors
/// tensor this drops the file pages the packing touched from the process's resident memory, so the
/// packed copy does not double the model's footprint. Nothing is lost: MADV_PAGEOUT only evicts
/// (file pages are re-read, anonymous pages swapped back in, if anyone touches them again), and it
/// is a no-op where the kernel cannot reclaim.
func releaseResidentPages(of tensor: Tensor) {
    let pageSize = Int(sysconf(Int32(_SC_PAGESIZE)))
    let start = Int(bitPattern: UnsafeRawPointer(tensor.pointer(as: Float.self)))
    let end = start + tensor.count * 4
    let first = (start + pageSize - 1) / pageSize * pageSize, last = end / pageSize * pageSize
    if last > first {
        _ = madvise(UnsafeMutableRawPointer(bitPattern: first), last - first, 21 /* MADV_PAGEOUT */)
    }
}

/// The classifier head of a `BertForSequenceClassification` checkpoint.
struct BertEncoderClassifierWeights: @unchecked Sendable {
    /// `[labels, H]`.
    let weight: Tensor
    /// `[labels]`.
    let bias: Tensor
}

/// Reads and checks checkpoint tensors by name for ``BertEncoder``.
struct BertEncoderWeightReader {
    let tensors: [String: Tensor]
    /// "bert." when the checkpoint's encoder names carry that prefix, else "".
    let prefix: String
    /// Problems found so far (missing or mis-shaped tensors), reported together.
    private(set) var problems: [String] = []

    init(_ tensors: [String: Tensor]) {
        self.tensors = tensors
        let prefixed = tensors.keys.contains { $0.hasPrefix("bert.embeddings.") }
        let plain = tensors.keys.contains { $0.hasPrefix("embeddings.") }
        prefix = prefixed && !plain ? "bert." : ""
    }

    /// The float32 contiguous tensor `name` (prefix added) of `shape`, or a placeholder after
    /// recording what is wrong.
    mutating func tensor(_ name: String, _ shape: [Int], prefixed: Bool = true) -> Tensor {
        let key = prefixed ? prefix + name : name
        guard let found = tensors[key] else {
            problems.append("missing \"\(key)\" (expected shape \(shape))")
            return Tensor.zeros(shape)
        }
        guard found.shape == shape else {
            problems.append("\"\(key)\": expected shape \(shape), found \(found.shape)")
            return Tensor.zeros(shape)
        }
        switch found.dtype {
        case .float32: return found.detached().contiguous()
        case .float16, .bfloat16: return withNoGrad { found.to(.float32).contiguous() }
        default:
            problems.append("\"\(key)\": expected a floating-point tensor, found \(found.dtype)")
            return Tensor.zeros(shape)
        }
    }

    /// Whether the checkpoint holds `name` (no prefix added).
    func contains(_ name: String) -> Bool { tensors[name] != nil }
}

/// Concatenates contiguous float32 tensors along their first dimension (`[rows_i, columns]` or `[count_i]`).
func concatenateRows(_ parts: [Tensor]) -> Tensor {
    let rows = parts.reduce(0) { $0 + $1.shape[0] }
    let out = Tensor(uninitializedShape: [rows] + parts[0].shape.dropFirst())
    var destination = out.pointer(as: Float.self)
    for part in parts {
        destination.update(from: part.pointer(as: Float.self), count: part.count)
        destination += part.count
    }
    return out
}
