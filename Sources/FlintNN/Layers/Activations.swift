import Flint

/// max(x, 0) elementwise (`torch.nn.ReLU`).
open class ReLU: Module, UnaryLayer {
    /// A ReLU layer.
    public override init() { super.init() }

    /// max(input, 0).
    open func forward(_ input: Tensor) -> Tensor { input.relu() }
}

/// The Gaussian error linear unit x·Φ(x) (`torch.nn.GELU`), exact or with the tanh approximation.
open class GELU: Module, UnaryLayer {
    /// Which formula is used.
    public let approximation: GELUApproximation

    /// A GELU layer (`approximation: .tanh` is PyTorch's `approximate="tanh"`).
    public init(approximation: GELUApproximation = .none) {
        self.approximation = approximation
        super.init()
    }

    /// GELU of every element.
    open func forward(_ input: Tensor) -> Tensor { input.gelu(approximation: approximation) }

    /// PyTorch-style configuration summary.
    open override var extraDescription: String { approximation == .tanh ? "approximate='tanh'" : "" }
}

/// tanh elementwise (`torch.nn.Tanh`).
open class Tanh: Module, UnaryLayer {
    /// A tanh layer.
    public override init() { super.init() }

    /// tanh of every element.
    open func forward(_ input: Tensor) -> Tensor { input.tanh() }
}

/// The logistic function 1 / (1 + e⁻ˣ) elementwise (`torch.nn.Sigmoid`).
open class Sigmoid: Module, UnaryLayer {
    /// A sigmoid layer.
    public override init() { super.init() }

    /// σ of every element.
    open func forward(_ input: Tensor) -> Tensor { input.sigmoid() }
}

/// x·σ(x) elementwise, also called swish (`torch.nn.SiLU`).
open class SiLU: Module, UnaryLayer {
    /// A SiLU layer.
    public override init() { super.init() }

    /// x·σ(x) of every element.
    open func forward(_ input: Tensor) -> Tensor { input.silu() }
}
