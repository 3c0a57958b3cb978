/// The tensor element types of ggml (llama.cpp's tensor library), as numbered in GGUF files.
///
/// Quantized types store values in blocks: `blockSize` consecutive values of a row share one block of
/// `typeSize` bytes (scales, minimums and packed integers; the layouts are in `ggml-common.h`). A row of
/// `n` values therefore takes `n / blockSize · typeSize` bytes, and `n` must be a multiple of the block
/// size. Float types are blocks of one value.
///
/// Every type ggml defines is listed so that a file's layout can be checked and described whatever its
/// types; ``isSupported`` says which ones Flint computes with (``dequantize(_:count:into:)``).
public enum GGMLType: UInt32, CaseIterable, Sendable, CustomStringConvertible {
    case f32 = 0, f16 = 1, q4_0 = 2, q4_1 = 3, q5_0 = 6, q5_1 = 7, q8_0 = 8, q8_1 = 9
    case q2_K = 10, q3_K = 11, q4_K = 12, q5_K = 13, q6_K = 14, q8_K = 15
    case iq2_XXS = 16, iq2_XS = 17, iq3_XXS = 18, iq1_S = 19, iq4_NL = 20, iq3_S = 21, iq2_S = 22, iq4_XS = 23
    case i8 = 24, i16 = 25, i32 = 26, i64 = 27, f64 = 28, iq1_M = 29, bf16 = 30
    case tq1_0 = 34, tq2_0 = 35, mxfp4 = 39

    /// Values per super-block of the k-quants (`QK_K`).
    public static let kBlockSize = 256

    /// Values per block.
    public var blockSize: Int {
        switch self {
        case .f32, .f16, .bf16, .f64, .i8, .i16, .i32, .i64: return 1
        case .q4_0, .q4_1, .q5_0, .q5_1, .q8_0, .q8_1, .iq4_NL, .mxfp4: return 32
        case .q2_K, .q3_K, .q4_K, .q5_K, .q6_K, .q8_K, .iq2_XXS, .iq2_XS, .iq3_XXS, .iq1_S, .iq3_S, .iq2_S,
             .iq4_XS, .iq1_M, .tq1_0, .tq2_0:
            return GGMLType.kBlockSize
        }
    }

    /// Bytes per block (`ggml_type_size`).
    public var typeSize: Int {
        let k = GGMLType.kBlockSize
        switch self {
        case .f32, .i32: return 4
        case .f16, .bf16, .i16: return 2
        case .f64, .i64: return 8
        case .i8: return 1
        case .q4_0: return 2 + 16                       // f16 d; u8 qs[16]
        case .q4_1: return 2 + 2 + 16                   // f16 d, m; u8 qs[16]
        case .q5_0: return 2 + 4 + 16                   // f16 d; u8 qh[4]; u8 qs[16]
        case .q5_1: return 2 + 2 + 4 + 16               // f16 d, m; u8 qh[4]; u8 qs[16]
        case .q8_0: return 2 + 32                       // f16 d; i8 qs[32]
        case .q8_1: return 4 + 32                       // f16 d, s; i8 qs[32]
        case .q2_K: return k / 16 + k / 4 + 2 + 2       // u8 scales[16]; u8 qs[64]; f16 d, dmin
        case .q3_K: return k / 8 + k / 4 + 12 + 2       // u8 hmask[32]; u8 qs[64]; u8 scales[12]; f16 d
        case .q4_K: return 2 + 2 + 12 + k / 2           // f16 d, dmin; u8 scales[12]; u8 qs[128]
        case .q5_K: return 2 + 2 + 12 + k / 8 + k / 2   // f16 d, dmin; u8 scales[12]; u8 qh[32]; u8 qs[128]
        case .q6_K: return k / 2 + k / 4 + k / 16 + 2   // u8 ql[128]; u8 qh[64]; i8 scales[16]; f16 d
        case .q8_K: return 4 + k + k / 8                // f32 d; i8 qs[256]; i16 bsums[16]
        case .iq2_XXS: return 2 + k / 4
        case .iq2_XS: return 2 + k / 4 + k / 32
        case .iq3_XXS: return 2 + k / 4 + k / 8
        case .iq1_S: return 2 + k / 8 + k / 16
        case .iq4_NL: return 2 + 16
        case .iq3_S: return 2 + k / 4 + k / 8 + k / 32 + 4
        case .iq2_S: return 2 + k / 4 + k / 16
        case .iq4_XS: return 2 + 2 + k / 2 + k / 64
        case .iq1_M: return k / 8 + k / 16 + k / 32
        case .tq1_0: return 2 + 4 * 13
        case .tq2_0: return 2 + 64
        case .mxfp4: return 1 + 16
        }
    }

    /// ggml's name of the type (`F32`, `Q4_K`, …), as gguf-py and llama.cpp print it.
    public var name: String {
        switch self {
        case .f32: return "F32"
        case .f16: return "F16"
        case .bf16: return "BF16"
        case .f64: return "F64"
        case .i8: return "I8"
        case .i16: return "I16"
        case .i32: return "I32"
        case .i64: return "I64"
        case .q4_0: return "Q4_0"
        case .q4_1: return "Q4_1"
        case .q5_0: return "Q5_0"
        case .q5_1: return "Q5_1"
        case .q8_0: return "Q8_0"
        case .q8_1: return "Q8_1"
        case .q2_K: return "Q2_K"
        case .q3_K: return "Q3_K"
        case .q4_K: return "Q4_K"
        case .q5_K: return "Q5_K"
        case .q6_K: return "Q6_K"
        case .q8_K: return "Q8_K"
        case .iq2_XXS: return "IQ2_XXS"
        case .iq2_XS: return "IQ2_XS"
        case .iq3_XXS: return "IQ3_XXS"
        case .iq1_S: return "IQ1_S"
        case .iq4_NL: return "IQ4_NL"
        case .iq3_S: return "IQ3_S"
        case .iq2_S: return "IQ2_S"
        case .iq4_XS: return "IQ4_XS"
        case .iq1_M: return "IQ1_M"
        case .tq1_0: return "TQ1_0"
        case .tq2_0: return "TQ2_0"
        case .mxfp4: return "MXFP4"
        }
    }

    public var description: String { name }

    /// The type named `name` (`"Q4_K"`, case-insensitive), or nil.
    public init?(name: String) {
        let upper = name.uppercased()
        guard let match = GGMLType.allCases.first(where: { $0.name == upper }) else { return nil }
        self = match
    }

    /// The types Flint can dequantize and multiply with: the float types and the block quantizations
    /// that GGUF model files use (`F32 F16 BF16 Q8_0 Q4_0 Q4_1 Q5_0 Q5_1 Q2_K Q3_K Q4_K Q5_K Q6_K`).
    public var isSupported: Bool {
        switch self {
        case .f32, .f16, .bf16, .q8_0, .q4_0, .q4_1, .q5_0, .q5_1, .q2_K, .q3_K, .q4_K, .q5_K, .q6_K: return true
        default: return false
        }
    }

    /// Bytes of a row of `count` values, or nil when `count` is not a multiple of the block size or the
    /// size overflows.
    public func rowByteCount(_ count: Int) -> Int? {
        guard count >= 0, count % blockSize == 0 else { return nil }
        let (bytes, overflow) = (count / blockSize).multipliedReportingOverflow(by: typeSize)
        return overflow ? nil : bytes
    }
}
