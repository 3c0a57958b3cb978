import Flint

/// Mean squared error (`torch.nn.functional.mse_loss`): (input − target)² per element, reduced.
///
/// Both tensors must have the same shape (no broadcasting: a [N, 1] vs [N] mix-up is an error
/// here rather than a silent [N, N] loss). Gradients flow to both: ±2(input − target) (÷ count for
/// `.mean`).
public func mseLoss(_ input: Tensor, _ target: Tensor, reduction: Reduction = .mean) -> Tensor {
    precondition(input.shape == target.shape, "mseLoss: input \(input.shape) and target \(target.shape) differ in shape")
    let difference = input - target
    let squared = difference * difference
    switch reduction {
    case .none: return squared
    case .sum: return squared.sum()
    case .mean: return squared.mean()
    }
}
