import Flint

/// The activation of a BERT feed-forward block, chosen by `hidden_act` in `config.json`
/// (the names of Hugging Face's `ACT2FN` that BERT-family checkpoints use).
public enum BertActivation: Sendable, Equatable {
    /// x·Φ(x) with the exact erf form: "gelu", "gelu_python".
    case gelu
    /// The tanh approximation ½x(1 + tanh(√(2/π)(x + 0.044715x³))): "gelu_new",
    /// "gelu_pytorch_tanh", "gelu_fast".
    case geluTanh
    /// max(x, 0): "relu".
    case relu
    /// x·σ(x): "silu", "swish".
    case silu
    /// tanh(x): "tanh".
    case tanh
    /// x·σ(1.702x): "quick_gelu".
    case quickGELU

    /// The activation named `name` in a configuration.
    ///
    /// - Throws: ``FlintError/invalidArgument(operation:message:)`` naming the unknown activation
    ///   and the supported names.
    public init(configurationName name: String) throws {
        switch name {
        case "gelu", "gelu_python": self = .gelu
        case "gelu_new", "gelu_pytorch_tanh", "gelu_fast": self = .geluTanh
        case "relu": self = .relu
        case "silu", "swish": self = .silu
        case "tanh": self = .tanh
        case "quick_gelu": self = .quickGELU
        default:
            throw FlintError.invalidArgument(operation: "config.json hidden_act",
                message: "expected one of gelu, gelu_python, gelu_new, gelu_pytorch_tanh, gelu_fast, relu, silu, swish, tanh, quick_gelu; found \"\(name)\"")
        }
    }

    /// Applies the activation elementwise (differentiable).
    public func callAsFunction(_ x: Tensor) -> Tensor {
        switch self {
        case .gelu: return x.gelu()
        case .geluTanh: return x.gelu(approximation: .tanh)
        case .relu: return x.relu()
        case .silu: return x.silu()
        case .tanh: return x.tanh()
        case .quickGELU: return x * (x * 1.702).sigmoid()
        }
    }
}
