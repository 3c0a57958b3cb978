import Flint

/// Updates parameters from their gradients, like `torch.optim.Optimizer`.
///
/// Optimizers hold the parameter tensors themselves and update their storage in place with
/// fused SIMD loops, outside autograd; a parameter without a gradient is skipped.
public protocol Optimizer: AnyObject {
    /// The learning rate of the first parameter group. Setting it rescales every group
    /// proportionally to its initial rate (equal rates stay equal), which is how
    /// ``LearningRateScheduler`` drives it.
    var learningRate: Float { get set }
    /// Every parameter, in group order.
    var parameters: [Tensor] { get }
    /// Applies one update to every parameter that has a gradient.
    func step()
    /// The optimizer's state (moments, step counts, learning rates) as named tensors, for
    /// checkpoints. Keys: `state.<i>.<name>` for the i-th parameter (counting across groups),
    /// `param_groups.<g>.lr` and `param_groups.<g>.initial_lr`.
    func stateDict() -> [String: Tensor]
    /// Restores a state saved by ``stateDict()`` from an optimizer over parameters of the same
    /// shapes; throws ``StateDictError`` (and changes nothing) when it does not fit.
    func loadStateDict(_ state: [String: Tensor]) throws
}

extension Optimizer {
    /// Clears every parameter's gradient (`zero_grad(set_to_none=True)`).
    public func zeroGrad() {
        for parameter in parameters { parameter.grad = nil }
    }
}
