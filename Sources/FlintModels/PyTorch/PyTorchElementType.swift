import Flint

/// The element types of tensors in a PyTorch checkpoint, by PyTorch's dtype names, with the Flint
/// dtype each becomes. float64 becomes float32; int8, int16 and uint16 become int32; uint32 and
/// uint64 become int64 (as ``SafeTensorsFile`` converts them).
enum PyTorchElementType: String, CaseIterable, Sendable {
    case float32, float16, bfloat16, int64, int32, int16, int8, uint8, bool, float64, uint16, uint32, uint64

    /// Bytes per element in the file.
    var storedSize: Int {
        switch self {
        case .uint8, .int8, .bool: return 1
        case .float16, .bfloat16, .int16, .uint16: return 2
        case .float32, .int32, .uint32: return 4
        case .float64, .int64, .uint64: return 8
        }
    }

    /// The dtype of the Flint tensor.
    var dtype: DType {
        switch self {
        case .float32, .float64: return .float32
        case .float16: return .float16
        case .bfloat16: return .bfloat16
        case .int64, .uint32, .uint64: return .int64
        case .int32, .int16, .int8, .uint16: return .int32
        case .uint8: return .uint8
        case .bool: return .bool
        }
    }

    /// The legacy storage classes (`torch.FloatStorage`, …) of `_rebuild_tensor_v2` checkpoints.
    static let storageClasses: [String: PyTorchElementType] = [
        "FloatStorage": .float32, "HalfStorage": .float16, "BFloat16Storage": .bfloat16, "LongStorage": .int64,
        "IntStorage": .int32, "ShortStorage": .int16, "CharStorage": .int8, "ByteStorage": .uint8,
        "BoolStorage": .bool, "DoubleStorage": .float64,
    ]

    /// Storage classes of dtypes Flint does not read, with the dtype each holds.
    static let unsupportedStorageClasses: [String: String] = [
        "ComplexFloatStorage": "complex64", "ComplexDoubleStorage": "complex128", "QInt8Storage": "qint8",
        "QUInt8Storage": "quint8", "QInt32Storage": "qint32", "QUInt4x2Storage": "quint4x2", "QUInt2x4Storage": "quint2x4",
    ]

    /// The `torch.<dtype>` globals of `_rebuild_tensor_v3` checkpoints (aliases included).
    static let dtypeNames: [String: PyTorchElementType] = {
        var names = Dictionary(uniqueKeysWithValues: allCases.map { ($0.rawValue, $0) })
        names.merge(["float": .float32, "half": .float16, "double": .float64, "long": .int64, "int": .int32, "short": .int16]) { a, _ in a }
        return names
    }()

    /// `torch.<dtype>` names of dtypes Flint does not read.
    static let unsupportedDtypeNames: Set<String> = [
        "complex32", "complex64", "complex128", "cfloat", "cdouble", "chalf", "float8_e4m3fn", "float8_e5m2",
        "float8_e4m3fnuz", "float8_e5m2fnuz", "float8_e8m0fnu", "float4_e2m1fn_x2", "qint8", "quint8", "qint32",
        "quint4x2", "quint2x4", "bits1x8", "bits2x4", "bits4x2", "bits8", "bits16",
    ]

    /// Every `module.name` global that names a storage class or a dtype: harmless markers the pickle
    /// reader may resolve (the checkpoint reader then accepts or refuses the dtype by name).
    static let globals: Set<String> = Set(
        Array(storageClasses.keys) + Array(unsupportedStorageClasses.keys) + Array(dtypeNames.keys) + Array(unsupportedDtypeNames)
    ).union(["storage.UntypedStorage"]).reduce(into: Set<String>()) { $0.insert("torch.\($1)") }

    /// The names Flint reads, for error messages.
    static var supportedList: String { allCases.map(\.rawValue).joined(separator: ", ") }
}
