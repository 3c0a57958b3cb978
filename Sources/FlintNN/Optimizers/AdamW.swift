import Flint

/// Adam with decoupled weight decay, exactly as `torch.optim.AdamW`: each step first shrinks the
/// parameter, p = p·(1 − lr·λ), then applies the ``Adam`` update to the plain gradient
/// (no λ·p term in the moments). Default λ = 0.01.
public final class AdamW: Adam {
    /// An optimizer over parameter groups with their own options (their `weightDecay` is decoupled).
    public convenience init(groups: [ParameterGroup<Options>]) {
        self.init(groups: groups, decoupledWeightDecay: true, name: "AdamW")
    }

    /// An optimizer over `parameters` with one set of options (PyTorch's AdamW defaults).
    public convenience init(parameters: [Tensor], learningRate: Float = 1e-3, betas: (Float, Float) = (0.9, 0.999),
                            epsilon: Float = 1e-8, weightDecay: Float = 1e-2, amsgrad: Bool = false) {
        self.init(groups: [ParameterGroup(parameters, options: Options(
            learningRate: learningRate, betas: betas, epsilon: epsilon, weightDecay: weightDecay, amsgrad: amsgrad))])
    }
}
