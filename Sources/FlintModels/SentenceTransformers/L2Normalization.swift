import Flint

extension Tensor {
    /// x / max(‖x‖₂, ε) along the last axis, as `torch.nn.functional.normalize(x, p=2, dim=-1)`
    /// (sentence-transformers' `Normalize` module). Differentiable.
    public func l2Normalized(epsilon: Float = 1e-12) -> Tensor {
        require(rank >= 1, "l2Normalized: needs at least one dimension")
        let norm = square().sum(axis: rank - 1, keepDims: true).sqrt().clamp(min: epsilon)
        return self / norm
    }
}
