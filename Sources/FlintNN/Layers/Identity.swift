import Flint

/// Returns its input unchanged (`torch.nn.Identity`): a placeholder where an architecture
/// optionally has a layer.
open class Identity: Module {
    /// An identity layer.
    public override init() { super.init() }

    /// The input itself.
    open override func forward(_ input: Tensor) -> Tensor { input }
}
