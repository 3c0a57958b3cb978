import Flint

/// Returns its input unchanged (`torch.nn.Identity`): a placeholder where an architecture
/// optionally has a layer.
open class Identity: Module, UnaryLayer {
    /// An identity layer.
    public override init() { super.init() }

    /// The input itself.
    open func forward(_ input: Tensor) -> Tensor { input }
}
