// Embedding lookup with a padding row, as `torch.nn.functional.embedding(..., padding_idx=p)`:
// the forward pass is the plain row lookup (the padding row is returned as stored), and the
// backward pass is the usual scatter-add of gradient rows with the padding row's gradient zeroed,
// so training never changes the padding vector:
//   out[i…, :] = W[idx[i…], :];   dW[k, :] = Σ_{i : idx[i] = k} g[i, :]  for k ≠ p,   dW[p, :] = 0.

extension Tensor {
    /// Looks up rows of `weight` ([entries, dimension]) for every index, like
    /// ``embedding(_:weight:)``, with the gradient of row `paddingIndex` held at zero
    /// (`torch.nn.functional.embedding(indices, weight, padding_idx=paddingIndex)`).
    ///
    /// - Parameter paddingIndex: a row of `weight` (0 ..< entries), or nil for a plain lookup.
    public static func embedding(_ indices: Tensor, weight: Tensor, paddingIndex: Int?) -> Tensor {
        guard let paddingIndex else { return embedding(indices, weight: weight) }
        require(weight.rank == 2, "embedding: weight must be [entries, dimension], got shape \(weight.shape)")
        require(paddingIndex >= 0 && paddingIndex < weight.shape[0],
                "embedding: padding index \(paddingIndex) is out of range for \(weight.shape[0]) entries")
        let out = withNoGrad { embedding(indices, weight: weight) }
        let index = indices.int64Indices(op: "embedding")
        let entries = weight.shape[0], dimension = weight.shape[1]
        let layout = RowLayout(outer: 1, axisSize: entries, selected: index.count, inner: dimension)
        return Tensor.record(out, op: "embedding(padding)", inputs: [weight]) { g in
            require(g.dtype == .float32, "embedding: backward needs a float32 gradient, got \(g.dtype)")
            let result = Tensor.zeros([entries, dimension])
            let gradient = g.contiguous()
            let p = result.pointer(as: Float.self)
            layout.scatterAdd(from: UnsafePointer(gradient.pointer(as: Float.self)), to: p,
                              indices: index.pointer(as: Int64.self))
            (p + paddingIndex * dimension).update(repeating: 0, count: dimension)
            return [result]
        }
    }
}
