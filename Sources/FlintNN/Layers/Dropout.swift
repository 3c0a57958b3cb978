import Flint

/// Zeroes each element with probability p during training and scales the survivors by 1/(1 − p)
/// (`torch.nn.Dropout`); the identity in evaluation mode. Masks come from the default random
/// generator.
open class Dropout: Module, UnaryLayer {
    /// The probability p of zeroing an element.
    public let probability: Float

    /// A dropout layer with drop probability `probability` (PyTorch's default 0.5).
    public init(probability: Float = 0.5) {
        require(probability >= 0 && probability <= 1, "Dropout: probability \(probability) is outside [0, 1]")
        self.probability = probability
        super.init()
    }

    /// The input with dropout applied in training mode; the input itself in evaluation mode.
    open func forward(_ input: Tensor) -> Tensor {
        input.dropout(probability: probability, training: isTraining)
    }

    /// PyTorch-style configuration summary.
    open override var extraDescription: String { "p=\(probability)" }
}
